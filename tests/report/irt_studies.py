"""A study with language versions and planted DIF, for the report's IRT section tests.

:func:`language_study` writes a one-wave study whose ``design.language`` column says which of
two language versions (``Khmer``, ``Thai``) each respondent answered, plus a third version
(``Lao``) with fewer respondents than ``privacy.min_cell``. The ten items of a user-defined
five-point scale follow a graded response model; in the Thai version items 2 and 5 are
easier and harder to endorse (thresholds shifted by ``shift``, uniform DIF) and item 8
discriminates far less at the same intercepts (non-uniform DIF). The other seven items are the same in every version.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ATTITUDE_YAML = """\
id: attitude10
name: Felt stigma (ten-item test scale)
construct: self_stigma
direction: lower_is_better
status: provisional
response:
  min: 0
  max: 4
items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
scoring: mean
min_answered: 0.8
scales:
  total: all
"""

DIF_ITEMS = ("2", "5", "8")
"""The items planted with DIF in the Thai version."""


def _grm(rng: np.random.Generator, theta: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Answers 0..K-1 from a GRM: ``P(x >= k) = logistic(a (theta - b_k))``."""
    z = a[None, :, None] * (theta[:, None, None] - b[None, :, :])
    p_ge = 1.0 / (1.0 + np.exp(-z))
    u = rng.random((theta.size, a.size, 1))
    return (u < p_ge).sum(axis=2).astype(float)


def language_study(
    folder: Path,
    *,
    n_per_version: int = 300,
    n_small: int = 3,
    shift: float = 1.2,
    seed: int = 5,
    language: bool = True,
) -> Path:
    """Write the study (CSV, instrument, study.yaml) into ``folder``; return its study.yaml.

    ``language=False`` writes the same data without declaring ``design.language``.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    versions = ["Khmer"] * n_per_version + ["Thai"] * n_per_version + ["Lao"] * n_small
    n = len(versions)
    theta = rng.normal(0.0, 1.0, n)
    a = np.array([1.6, 1.4, 1.8, 1.2, 1.5, 1.7, 1.3, 1.9, 1.4, 1.6])
    b = np.sort(rng.normal(0.0, 0.3, (10, 1)) + np.array([-1.5, -0.5, 0.5, 1.5])[None, :], axis=1)
    answers = _grm(rng, theta, a, b)
    thai = np.array([v == "Thai" for v in versions])
    a_thai, b_thai = a.copy(), b.copy()
    b_thai[1] -= shift  # item 2: easier to endorse
    b_thai[4] += shift  # item 5: harder to endorse
    # item 8: a far weaker slope at the same intercepts (d = -a b), so its answers spread as
    # in the other version but follow the trait much less (non-uniform DIF)
    a_thai[7] = 0.5
    b_thai[7] = b[7] * a[7] / a_thai[7]
    answers[thai] = _grm(rng, theta[thai], a_thai, b_thai)
    frame = pd.DataFrame(
        {
            "pid": [f"L{i:04d}" for i in range(1, n + 1)],
            "lang": versions,
            "age": rng.integers(18, 50, size=n),
        }
    )
    for i in range(10):
        frame[f"att_{i + 1}"] = answers[:, i]
    frame.to_csv(folder / "survey.csv", index=False)
    (folder / "attitude.yaml").write_text(ATTITUDE_YAML, encoding="utf-8")
    design = "design:\n  language: lang\n" if language else ""
    study = folder / "study.yaml"
    study.write_text(
        f"""\
title: Felt stigma in two language versions (test study)
data: survey.csv
id: pid
{design}instruments:
  - instrument: attitude.yaml
    columns: "att_{{item}}"
    name: att
models:
  - name: stigma_by_age
    formula: "att_total ~ age"
    family: gaussian
privacy:
  min_cell: 5
""",
        encoding="utf-8",
    )
    return study

"""Small synthetic studies (CSV) of other shapes than the example, for the report tests.

- :func:`pallant_study`: one wave, no arms, grouped by sex (like the survey of Pallant's SPSS
  Survival Manual): an id, sex, age, the Rosenberg scale and a user-defined, PHQ-9-like
  symptom scale (``lower_is_better``) whose columns have Kobo-style names (``phq/phq_1``), with
  a few answers left blank.
- :func:`programme_study`: two waves, the arm in a column called ``programme`` (declared as
  ``design.arm``), the same symptom scale falling in the programme arm.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PHQ_YAML = """\
id: phq_like
name: Depression symptoms (PHQ-9-like test scale)
construct: wellbeing
direction: lower_is_better
status: provisional
response:
  min: 0
  max: 3
  labels: {0: Not at all, 1: Several days, 2: More than half the days, 3: Nearly every day}
items: [1, 2, 3, 4, 5, 6, 7, 8, 9]
scoring: sum
min_answered: 0.8
scales:
  total: all
cutoffs:
  total:
    - {label: below_threshold, from: 0}
    - {label: moderate, from: 10}
"""


def _answers(
    rng: np.random.Generator, latent: np.ndarray, n_items: int, lo: int, hi: int
) -> np.ndarray:
    """Ordinal answers that rise with ``latent`` (one row per person)."""
    noise = rng.normal(0, 0.7, size=(len(latent), n_items))
    raw = (latent[:, None] + noise) * (hi - lo) / 4 + (hi + lo) / 2
    return np.clip(np.round(raw), lo, hi).astype(float)


def pallant_study(folder: Path, *, n: int = 120, seed: int = 7, blanks: int = 4) -> Path:
    """A one-wave study without arms; returns its study.yaml."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    esteem = rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "pid": [f"P{i:03d}" for i in range(1, n + 1)],
            "sex": rng.choice(["female", "male"], size=n),
            "age": rng.integers(18, 60, size=n),
        }
    )
    rses = _answers(rng, esteem, 10, 1, 4)
    for j, k in enumerate((2, 5, 6, 8, 9)):  # reverse-keyed items run the other way
        rses[:, k - 1] = 5 - rses[:, k - 1]
        del j
    phq = _answers(rng, -0.8 * esteem + rng.normal(0, 0.6, n), 9, 0, 3)
    for i in range(10):
        frame[f"rses_{i + 1}"] = rses[:, i]
    for i in range(9):
        col = phq[:, i].copy()
        col[rng.choice(n, size=blanks, replace=False)] = np.nan  # left blank, no code
        frame[f"phq/phq_{i + 1}"] = col
    frame.to_csv(folder / "survey.csv", index=False)
    (folder / "phq.yaml").write_text(PHQ_YAML, encoding="utf-8")
    study = folder / "study.yaml"
    study.write_text(
        """\
title: Wellbeing survey of students (test study)
data: survey.csv
id: pid
seed: 4242
groups: [sex]
instruments:
  - instrument: rses10
    columns: "rses_{item}"
    name: rses
  - instrument: phq.yaml
    columns: "phq/phq_{item}"
    name: phq
models:
  - name: esteem_by_sex
    formula: "rses_total ~ phq_total + age + C(sex)"
    family: gaussian
privacy:
  min_cell: 5
""",
        encoding="utf-8",
    )
    return study


def programme_study(folder: Path, *, n: int = 120, seed: int = 11) -> Path:
    """Two waves; the arm column is ``programme``; symptoms fall in the programme arm."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arm = np.where(np.arange(n) % 2 == 0, "programme", "comparison")
    base = rng.normal(0.6, 0.8, n)
    rows = []
    for wave in (1, 2):
        keep = np.ones(n, dtype=bool) if wave == 1 else rng.random(n) < 0.85
        drop = -1.6 * (arm == "programme") * (wave - 1)  # symptoms fall with the programme
        latent = base + drop + rng.normal(0, 0.3, n)
        phq = _answers(rng, latent, 9, 0, 3)
        part = pd.DataFrame(
            {
                "pid": [f"R{i:03d}" for i in range(1, n + 1)],
                "wave": wave,
                "programme": arm,
                "district": np.where(np.arange(n) % 3 == 0, "north", "south"),
            }
        )
        for i in range(9):
            part[f"phq_{i + 1}"] = phq[:, i]
        rows.append(part[keep])
    pd.concat(rows, ignore_index=True).to_csv(folder / "survey.csv", index=False)
    (folder / "phq.yaml").write_text(PHQ_YAML, encoding="utf-8")
    study = folder / "study.yaml"
    study.write_text(
        """\
title: Counselling programme follow-up (test study)
data: survey.csv
id: pid
design:
  arm: programme
  reference_arm: comparison
  site: district
instruments:
  - instrument: phq.yaml
    columns: "phq_{item}"
    name: phq
models:
  - name: symptoms_at_baseline
    formula: "phq_total ~ C(programme)"
    waves: [1]
  - name: symptoms_pooled
    formula: "phq_total ~ C(programme) + wave"
privacy:
  min_cell: 5
""",
        encoding="utf-8",
    )
    return study

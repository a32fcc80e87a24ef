"""Measurement equivalence across language versions and waves (the research report's
``#sec-equivalence``): what :func:`stigma_analysis.report.tables.equivalence` concludes on
studies whose truth is known.

- a planted language DIF: two items' intercepts shifted in the Thai version, so scalar
  invariance fails and the partial search frees exactly those two items;
- the same people without DIF: mean comparisons are defensible across versions and over time;
- the same study without ``design.language``: only the across-waves part;
- a language version of three respondents: left out, named, its size never printed;
- the bundled example (invariant across languages by construction): defensible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from stigma_analysis.report import context, tables
from stigma_analysis.study import load_study

EXAMPLE = Path(__file__).resolve().parents[2] / "surveys" / "example" / "study.yaml"
DIF_ITEMS = (3, 7)


def _language_study(
    folder: Path,
    *,
    dif: float = 0.0,
    language: bool = True,
    small_version: bool = False,
    n_per_version: int = 260,
    seed: int = 3,
) -> Path:
    """Two waves of the EDS-9 (six categories: continuous) answered in Khmer and Thai by the
    same people; ``dif`` shifts items 3 and 7 up in the Thai version at every wave."""
    rng = np.random.default_rng(seed)
    versions = ["Khmer"] * n_per_version + ["Thai"] * n_per_version
    if small_version:
        versions += ["Lao"] * 3
    n = len(versions)
    lang = np.array(versions)
    eta1 = rng.standard_normal(n)
    eta2 = 0.6 * eta1 + 0.8 * rng.standard_normal(n) + 0.2
    loadings = np.linspace(0.7, 1.1, 9)
    rows = []
    for wave, eta in ((1, eta1), (2, eta2)):
        frame = {"rid": [f"P{i:04d}" for i in range(n)], "wave": wave, "language": lang}
        for j in range(9):
            y = 3.2 + loadings[j] * eta + 0.7 * rng.standard_normal(n)
            if j + 1 in DIF_ITEMS:
                y = y + dif * (lang == "Thai")
            frame[f"eds_{j + 1}"] = np.clip(np.round(y), 1, 6).astype(int)
        rows.append(pd.DataFrame(frame))
    folder.mkdir(parents=True, exist_ok=True)
    pd.concat(rows).to_csv(folder / "survey.csv", index=False)
    spec: dict = {
        "title": "Language versions (synthetic)",
        "data": "survey.csv",
        "id": "rid",
        "instruments": [{"instrument": "eds9", "columns": "eds_{item}", "name": "eds"}],
        "privacy": {"min_cell": 5},
    }
    if language:
        spec["design"] = {"language": "language"}
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _equivalence(path: Path) -> tables.Equivalence:
    ctx = context(path, {})
    return tables.equivalence(ctx.study, policy=ctx.policy)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tables.Equivalence:
    return _equivalence(_language_study(tmp_path_factory.mktemp("dif"), dif=1.2))


def test_planted_dif_fails_scalar_and_frees_the_two_items(planted: tables.Equivalence) -> None:
    assert planted.verdicts["EDS-9"]["languages"] == "partial"
    assert sorted(planted.freed["EDS-9"]) == ["eds_3", "eds_7"]
    lang = planted.table[planted.table["comparison"] == "languages"].set_index("level")
    assert lang.loc["metric", "holds"]
    assert not lang.loc["scalar", "holds"]
    assert lang.loc["scalar (partial)", "holds"]
    (sentence,) = planted.sentences
    assert "Khmer and Thai are defensible with care" in sentence
    assert "eds_3" in sentence
    assert "eds_7" in sentence
    assert "scalar invariance fails" in sentence


def test_the_same_people_without_dif_are_comparable(tmp_path: Path) -> None:
    eq = _equivalence(_language_study(tmp_path, dif=0.0))
    assert eq.verdicts["EDS-9"] == {"languages": "full", "waves": "full"}
    assert eq.freed == {}
    (sentence,) = eq.sentences
    assert "mean comparisons between Khmer and Thai are defensible (scalar" in sentence
    assert "mean comparisons between waves 1 and 2 are defensible" in sentence
    levels = eq.table.groupby("comparison")["level"].apply(list).to_dict()
    assert levels == {
        "languages": ["configural", "metric", "scalar"],
        "waves": ["configural", "metric", "scalar"],
    }


def test_without_design_language_only_waves_are_compared(tmp_path: Path) -> None:
    eq = _equivalence(_language_study(tmp_path, dif=1.2, language=False))
    assert eq.language is None
    assert eq.versions == []
    assert set(eq.table["comparison"]) == {"waves"}
    assert eq.verdicts["EDS-9"]["languages"] == "untested"
    (sentence,) = eq.sentences
    assert sentence.startswith("EDS-9: over time, mean comparisons between waves 1 and 2")
    assert "language" not in sentence


def test_a_tiny_language_version_is_never_named(tmp_path: Path) -> None:
    """Three people answered in Lao: saying so (even without the 3) tells that a handful of
    respondents speak it, so the version is counted, not named."""
    eq = _equivalence(_language_study(tmp_path, small_version=True))
    assert eq.versions == ["Khmer", "Thai"]
    (note,) = [n for n in eq.notes if "left out" in n]
    assert "1 version answered by fewer than 5 people (not named)" in note
    everything = " ".join([*eq.notes, *eq.sentences, *eq.versions, eq.table.to_string()])
    assert "Lao" not in everything
    assert "(3)" not in note
    assert " 3 " not in note
    # the two large versions are still compared
    assert eq.verdicts["EDS-9"]["languages"] == "full"


def test_one_version_and_one_wave_compare_nothing(tmp_path: Path) -> None:
    path = _language_study(tmp_path, n_per_version=130)
    data = pd.read_csv(tmp_path / "survey.csv")
    data[(data["wave"] == 1) & (data["language"] == "Khmer")].to_csv(
        tmp_path / "survey.csv", index=False
    )
    eq = _equivalence(path)
    assert eq.versions == ["Khmer"]
    assert eq.table.empty
    (sentence,) = eq.sentences
    assert sentence == (
        "EDS-9: across language versions, equivalence is not tested (one version only)."
    )


def test_the_result_is_cached_on_the_study(tmp_path: Path) -> None:
    ctx = context(_language_study(tmp_path), {})
    first = tables.equivalence(ctx.study, policy=ctx.policy)
    assert tables.equivalence(ctx.study, policy=ctx.policy) is first


def test_parameter_counts() -> None:
    # 9 items, one factor: 2 k + k intercepts; two waves: 3 k T + 1 + k lag covariances
    assert tables.longitudinal_parameters(9, 1) == 54 + 1 + 9
    assert tables.longitudinal_parameters(10, 2) == 60 + 6 + 10
    study = load_study(EXAMPLE)
    rses, eds = study.instrument("rses"), study.instrument("eds")
    assert tables.group_parameters(eds, ordinal=False) == 27
    # RSES, four categories: 10 loadings and 3 thresholds per item
    assert tables.group_parameters(rses, ordinal=True) == 40


def test_example_is_invariant_across_languages_by_construction() -> None:
    eq = _equivalence(EXAMPLE)
    assert eq.versions == ["Khmer", "Thai", "Vietnamese"]
    assert eq.verdicts["EDS-9"] == {"languages": "full", "waves": "full"}
    assert not any(v["languages"] in {"not", "partial"} for v in eq.verdicts.values())
    text = " ".join(eq.sentences)
    assert (
        "EDS-9: across language versions, mean comparisons between Khmer and Thai are defensible"
        in text
    )
    (note,) = [n for n in eq.notes if n.startswith("EDS-9: language versions left out")]
    assert "Vietnamese" in note


def _ordinal_study(folder: Path, *, dif: float, n_per_version: int = 350, seed: int = 5) -> Path:
    """One wave of the RSES-10 (four categories: ordinal, WLSMV) in Khmer and Thai; ``dif``
    shifts the latent responses of items 2 and 5 up in the Thai version."""
    rng = np.random.default_rng(seed)
    lang = np.array(["Khmer"] * n_per_version + ["Thai"] * n_per_version)
    eta = rng.standard_normal(len(lang))
    frame: dict[str, object] = {"rid": [f"P{i:04d}" for i in range(len(lang))], "language": lang}
    for j in range(10):
        y = 0.75 * eta + np.sqrt(1 - 0.75**2) * rng.standard_normal(len(lang))
        if j + 1 in (2, 5):
            y = y + dif * (lang == "Thai")
        frame[f"rses_{j + 1}"] = 1 + np.searchsorted([-0.9, 0.0, 0.9], y)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(frame).to_csv(folder / "survey.csv", index=False)
    spec = {
        "title": "Ordinal language versions (synthetic)",
        "data": "survey.csv",
        "id": "rid",
        "instruments": [{"instrument": "rses10", "columns": "rses_{item}", "name": "rses"}],
        "design": {"language": "language"},
    }
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def test_planted_dif_in_ordinal_items_is_found_with_wlsmv(tmp_path: Path) -> None:
    eq = _equivalence(_ordinal_study(tmp_path, dif=0.8))
    lang = eq.table.set_index("level")
    assert set(lang["estimator"]) == {"WLSMV"}
    assert list(lang.index[:4]) == ["configural", "thresholds", "metric", "scalar"]
    assert lang.loc["thresholds", "holds"]
    assert not lang.loc["scalar", "holds"]
    assert eq.verdicts["RSES-10"]["languages"] == "partial"
    assert sorted(eq.freed["RSES-10"]) == ["rses_2", "rses_5"]

"""The synthetic study generator and the committed example study."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from stigma_analysis.simulate import (
    EXAMPLE_SEED,
    SimulatedStudy,
    simulate_study,
    write_example_study,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "surveys" / "example"
SR = (7, 14, 24, 26, 27)
RSES_NEG = (2, 5, 6, 8, 9)
FILES = (
    "wave1.sav",
    "wave2.sav",
    "wave3.sav",
    "study.yaml",
    "reintegration_index.yaml",
    "truth.yaml",
)


# ----------------------------------------------------------------------------- numpy scoring
def _mean_score(
    df: pd.DataFrame, cols: list[str], *, reverse: tuple[str, ...] = (), lo: int = 1, hi: int = 4
) -> np.ndarray:
    """Mean of answered items (codes >= 97 missing), NaN unless >= 80 % answered."""
    x = df[cols].to_numpy(dtype=float, copy=True)
    x[x >= 97] = np.nan
    for c in reverse:
        j = cols.index(c)
        x[:, j] = lo + hi - x[:, j]
    answered = np.isfinite(x).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.nansum(x, axis=1) / answered
    return np.where(answered >= math.ceil(0.8 * len(cols)), m, np.nan)


def _scores(df: pd.DataFrame) -> dict[str, np.ndarray]:
    reint = [c for c in df.columns if c.startswith("reint_")]
    return {
        "ismi24": _mean_score(df, [f"ismi_{i}" for i in range(1, 30) if i not in SR]),
        "sr": _mean_score(df, [f"ismi_{i}" for i in SR]),
        "eds": _mean_score(df, [f"eds_{i}" for i in range(1, 10)], hi=6),
        "mspss": _mean_score(df, [f"mspss_{i}" for i in range(1, 13)], hi=7),
        "anx": _mean_score(df, [f"hscl_{i}" for i in range(1, 11)]),
        "dep": _mean_score(df, [f"hscl_{i}" for i in range(11, 26)]),
        "rses": 10
        * _mean_score(
            df, [f"rses_{i}" for i in range(1, 11)], reverse=tuple(f"rses_{i}" for i in RSES_NEG)
        ),
        "reint": _mean_score(df, reint),
    }


def _r(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def _alpha(df: pd.DataFrame, cols: list[str]) -> float:
    x = df[cols].to_numpy(dtype=float, copy=True)
    x = x[(x < 97).all(axis=1)]
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def _calibration(data: pd.DataFrame, n: int) -> dict[str, float]:
    w1 = data[data["wave"] == 1]
    s = _scores(w1)
    is24 = s["ismi24"]
    sv = w1["sexual_violence"].to_numpy()
    out = {
        "ismi_mean": float(np.nanmean(is24)),
        "ismi_sd": float(np.nanstd(is24, ddof=1)),
        "ismi_elevated": float(np.mean(is24[np.isfinite(is24)] >= 2.5)),
        "alpha_ismi24": _alpha(w1, [f"ismi_{i}" for i in range(1, 30) if i not in SR]),
        "alpha_sr": _alpha(w1, [f"ismi_{i}" for i in SR]),
        "r_dep": _r(is24, s["dep"]),
        "r_rses": _r(is24, s["rses"]),
        "r_mspss": _r(is24, s["mspss"]),
        "r_reint": _r(is24, s["reint"]),
        "r_eds": _r(s["eds"], is24),
        "r_sr": _r(s["sr"], is24),
        "dep_case": float(np.nanmean(s["dep"][np.isfinite(s["dep"])] >= 1.75)),
        "anx_case": float(np.nanmean(s["anx"][np.isfinite(s["anx"])] >= 1.75)),
        "sexual_violence": float(np.mean(sv[sv < 97])),
        "retention2": float((data["wave"] == 2).sum() / n),
        "retention3": float((data["wave"] == 3).sum() / n),
    }
    for w in (2, 3):
        sw = data[data["wave"] == w]
        v, arm = _scores(sw)["ismi24"], sw["arm"].to_numpy()
        a, b = v[(arm == 1) & np.isfinite(v)], v[(arm == 2) & np.isfinite(v)]
        out[f"d{w}"] = float((b.mean() - a.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))
    items = [
        c
        for c in data.columns
        if c.split("_")[0] in {"ismi", "eds", "mspss", "hscl", "rses", "reint"}
    ]
    out["nonresponse"] = float((data[items].to_numpy() >= 97).mean())
    return out


# (target, tolerance at n = 20,000 [sampling SD ~ .006 for r, .004 for shares], tolerance for the
# committed n = 600 example [about 2.5 sampling SDs])
TARGETS = {
    "ismi_mean": (2.35, 0.03, 0.08),
    "ismi_sd": (0.55, 0.03, 0.06),
    "ismi_elevated": (0.375, 0.035, 0.06),
    "alpha_ismi24": (0.90, 0.02, 0.03),
    "r_dep": (0.40, 0.03, 0.09),
    "r_rses": (-0.50, 0.03, 0.09),
    "r_mspss": (-0.25, 0.03, 0.10),
    "r_reint": (-0.40, 0.03, 0.09),
    "r_eds": (0.45, 0.03, 0.09),
    "r_sr": (-0.50, 0.03, 0.09),
    "dep_case": (0.60, 0.02, 0.06),
    "anx_case": (0.43, 0.02, 0.06),
    "sexual_violence": (0.35, 0.02, 0.06),
    "retention2": (0.85, 0.01, 0.04),
    "retention3": (0.70, 0.01, 0.05),
    "d2": (0.35, 0.04, 0.15),
    "d3": (0.25, 0.04, 0.15),
    "nonresponse": (0.03, 0.01, 0.01),
}


@pytest.fixture(scope="module")
def large() -> SimulatedStudy:
    return simulate_study(n=20_000, seed=1)


@pytest.fixture(scope="module")
def large_calibration(large: SimulatedStudy) -> dict[str, float]:
    return _calibration(large.data, 20_000)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_calibration_targets_large_sample(large_calibration: dict[str, float], name: str) -> None:
    target, tol, _ = TARGETS[name]
    got = large_calibration[name]
    assert abs(got - target) <= tol, f"{name}: {got:.3f} vs target {target} ± {tol}"


def test_stigma_resistance_is_the_weakest_ismi_subscale(
    large_calibration: dict[str, float],
) -> None:
    cal = large_calibration
    assert cal["alpha_sr"] < 0.75 < cal["alpha_ismi24"]


@pytest.fixture(scope="module")
def example_data() -> pd.DataFrame:
    frames = [
        pyreadstat.read_sav(str(EXAMPLE / f"wave{w}.sav"), user_missing=True)[0] for w in (1, 2, 3)
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def example_calibration(example_data: pd.DataFrame) -> dict[str, float]:
    return _calibration(example_data, 600)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_calibration_targets_committed_example(
    example_calibration: dict[str, float], name: str
) -> None:
    target, _, tol = TARGETS[name]
    got = example_calibration[name]
    assert abs(got - target) <= tol, f"{name}: {got:.3f} vs target {target} ± {tol}"


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    write_example_study(tmp_path / "a", seed=EXAMPLE_SEED)
    write_example_study(tmp_path / "b", seed=EXAMPLE_SEED)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # ... and equal to the committed example
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (EXAMPLE / name).read_bytes(), (
            f"{name} differs from surveys/example: regenerate with `python -m stigma_analysis.simulate surveys/example`"
        )


def test_sav_files_carry_labels_and_user_missing_codes() -> None:
    df, meta = pyreadstat.read_sav(str(EXAMPLE / "wave1.sav"), user_missing=True)
    assert len(df) == 600
    assert df["resp_id"].is_unique
    assert meta.column_names_to_labels["ismi_7"].startswith("ISMI-29 item 7")
    assert meta.variable_value_labels["ismi_1"][1] == "Strongly disagree"
    assert meta.variable_value_labels["eds_1"][6] == "Almost every day"
    assert meta.variable_value_labels["ismi_3"][97] == "Refused / បដិសេធ"
    assert "ភ្នំពេញ" in meta.variable_value_labels["site"][1]
    assert set(meta.variable_value_labels["arm"]) == {1, 2}
    codes = [{"lo": c, "hi": c} for c in (97.0, 98.0, 99.0)]
    item_cols = [
        c
        for c in df.columns
        if c.split("_")[0] in {"ismi", "eds", "mspss", "hscl", "rses", "reint"}
    ]
    assert len(item_cols) == 29 + 9 + 12 + 25 + 10 + 18
    for col in [*item_cols, "age", "sexual_violence", "months_exploited", "working"]:
        assert meta.missing_ranges[col] == codes, col
    assert meta.variable_measure["ismi_1"] == "ordinal"
    assert meta.variable_measure["site"] == "nominal"
    assert meta.variable_measure["age"] == "scale"
    # the codes are really there, and pyreadstat's default read turns them into NaN
    assert (df[item_cols].to_numpy() == 97).any()
    assert (df["reint_eco2"][df["working"] == 0] == 99).all()
    plain, _ = pyreadstat.read_sav(str(EXAMPLE / "wave1.sav"))
    assert plain[item_cols].isna().to_numpy().sum() == (df[item_cols].to_numpy() >= 97).sum()


def test_ids_are_stable_across_waves_and_attrition_is_monotone(example_data: pd.DataFrame) -> None:
    ids = [set(example_data.loc[example_data["wave"] == w, "resp_id"]) for w in (1, 2, 3)]
    assert ids[2] <= ids[1] <= ids[0]
    assert len(ids[0]) == 600
    per_person = example_data.groupby("resp_id")[["site", "arm", "sexual_violence"]].nunique()
    assert (per_person == 1).all().all()


def test_no_pii_columns(example_data: pd.DataFrame) -> None:
    banned = {"name", "phone", "village", "address", "dob", "birth"}
    assert not [c for c in example_data.columns if any(b in c.lower() for b in banned)]


def test_study_yaml_names_existing_files() -> None:
    spec = yaml.safe_load((EXAMPLE / "study.yaml").read_text(encoding="utf-8"))
    assert spec["id"] == "resp_id"
    assert spec["missing_codes"] == [97, 98, 99]
    for entry in spec["data"]:
        assert (EXAMPLE / entry["path"]).is_file()
    names = [i["name"] for i in spec["instruments"]]
    assert names == ["ismi", "eds", "mspss", "hscl", "rses", "reint"]
    user = [i["instrument"] for i in spec["instruments"] if i["instrument"].endswith(".yaml")]
    assert all((EXAMPLE / u).is_file() for u in user)
    assert {m["family"] for m in spec["models"]} >= {"gaussian", "mixed", "binomial"}


def test_reintegration_index_validates() -> None:
    from stigma_analysis.instruments import load_instrument

    ins = load_instrument(EXAMPLE / "reintegration_index.yaml")
    assert ins.construct == "reintegration"
    assert ins.status == "provisional"
    assert len(ins.items) == 18
    assert set(ins.scales) == {
        "total",
        "safety",
        "legal_protection",
        "mental_wellbeing",
        "economic_empowerment",
        "social_support",
        "physical_wellbeing",
    }
    assert ins.columns("reint_{item}")["saf1"] == "reint_saf1"
    assert "not the ASO" in ins.citation.replace("Not the ASO", "not the ASO")


def test_truth_file_holds_the_effects() -> None:
    truth = yaml.safe_load((EXAMPLE / "truth.yaml").read_text(encoding="utf-8"))
    eff = truth["effects"]["self_stigma_on_reintegration"]
    assert eff["direct"] == -0.25
    assert eff["total"] == pytest.approx(
        sum(eff[k] for k in ("direct", "via_self_esteem", "via_social_support", "via_depression")),
        abs=3e-4,
    )
    assert truth["seed"] == EXAMPLE_SEED


def test_latent_truth_recovered_by_regression(large: SimulatedStudy) -> None:
    """OLS of latent reintegration on its true parents at baseline recovers the path coefficients."""
    lat = large.latents[large.latents["wave"] == 1]
    parents = ["self_stigma", "self_esteem", "social_support", "depression"]
    site = pd.get_dummies(lat["site"], prefix="site", drop_first=True, dtype=float)
    X = np.column_stack([np.ones(len(lat)), lat[[*parents, "age_z"]].to_numpy(), site.to_numpy()])
    beta = np.linalg.lstsq(X, lat["reintegration"].to_numpy(), rcond=None)[0]
    paths = large.truth["parameters"]["paths"]["reintegration"]
    np.testing.assert_allclose(beta[1:6], [paths[p] for p in [*parents, "age_z"]], atol=0.03)


def test_overrides_and_argument_errors() -> None:
    s = simulate_study(
        n=200,
        waves=2,
        seed=3,
        paths={"reintegration": {"self_stigma": 0.0}},
        missing=False,
        attrition=False,
    )
    assert s.truth["effects"]["self_stigma_on_reintegration"]["direct"] == 0.0
    assert len(s.data) == 400
    items = [c for c in s.data.columns if c.startswith("ismi_")]
    assert (s.data[items].to_numpy() < 97).all()
    with pytest.raises(ValueError, match="n must be"):
        simulate_study(n=5)
    with pytest.raises(ValueError, match="does not come before"):
        simulate_study(paths={"self_stigma": {"reintegration": 0.1}})
    with pytest.raises(ValueError, match="unknown outcome"):
        simulate_study(paths={"stigma": {"age_z": 0.1}})


def test_attrition_is_mar_on_baseline_depression_and_stigma(large: SimulatedStudy) -> None:
    data = large.data
    base = data[data["wave"] == 1].set_index("resp_id")
    s = _scores(base)
    stayed = base.index.isin(data.loc[data["wave"] == 3, "resp_id"])
    # dropouts were more depressed and more stigmatised at baseline (observed scores) ...
    assert np.nanmean(s["dep"][~stayed]) > np.nanmean(s["dep"][stayed]) + 0.05
    assert np.nanmean(s["ismi24"][~stayed]) > np.nanmean(s["ismi24"][stayed]) + 0.03
    # ... and the latents keep every wave, flagging which rows were observed
    lat = large.latents
    assert len(lat) == 3 * 20_000
    assert int(lat["observed"].sum()) == len(data)
    observed = lat.loc[lat["observed"], ["resp_id", "wave"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        observed.astype({"resp_id": str}),
        data[["resp_id", "wave"]].astype({"resp_id": str}).reset_index(drop=True),
    )


def test_command_line_writes_a_study(tmp_path: Path) -> None:
    from stigma_analysis.simulate import main

    assert main([str(tmp_path / "out"), "--n", "40", "--seed", "5"]) == 0
    for name in FILES:
        assert (tmp_path / "out" / name).is_file()
    df, _ = pyreadstat.read_sav(str(tmp_path / "out" / "wave1.sav"))
    assert len(df) == 40


def test_intervention_override_reaches_the_truth() -> None:
    s = simulate_study(n=100, seed=2, intervention_effect=[0.0, -0.5])
    eff = s.truth["effects"]["intervention_on_self_stigma"]
    assert eff == {"wave_1": 0.0, "wave_2": -0.5, "wave_3": -0.5}

"""Partial invariance: score tests and the stepwise release, against lavaan 0.6-14
(tests/results/lavaan_inv_partial.R -> lavaan_inv_partial.json; lavaan_inv_ordinal.json)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import (
    SmallSampleWarning,
    cfa,
    invariance,
    partial_invariance,
    score_tests,
)
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_inv_partial.json").read_text())
REF_ORD = json.loads((RESULTS / "lavaan_inv_ordinal.json").read_text())
HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")


def test_score_tests_match_lavtestscore(hs: pd.DataFrame) -> None:
    fit = cfa(hs, HS_MODEL, group="school", group_equal=("loadings", "intercepts"))
    ours = score_tests(fit, "scalar").set_index("parameter")
    ref = pd.DataFrame(REF["scores_scalar"]).set_index("param")
    ref = ref[ref.index.str.endswith("~1")]
    assert sorted(ours.index) == sorted(ref.index)
    np.testing.assert_allclose(
        ours.loc[ref.index, "X2"], ref["X2"], rtol=5e-5
    )  # lavaan estimates ~2e-5 relative
    assert ours.index[0] == "x3 ~1"  # sorted, largest first
    # loadings of the same fit (the metric constraints)
    lam = score_tests(fit, "metric").set_index("parameter")
    ref_l = pd.DataFrame(REF["scores_scalar"]).set_index("param")
    ref_l = ref_l[ref_l.index.str.contains("=~")]
    np.testing.assert_allclose(
        lam.loc[ref_l.index, "X2"], ref_l["X2"], rtol=5e-5
    )  # lavaan estimates ~2e-5 relative


@pytest.mark.parametrize("rule", ["chen2007", "chisq"])
def test_search_frees_what_lavaan_frees(hs: pd.DataFrame, rule: str) -> None:
    res = partial_invariance(hs, HS_MODEL, group="school", level="scalar", rule=rule)  # type: ignore[arg-type]
    steps = REF[f"steps_{rule}"]
    expected = [s["freed"] for s in steps[1:]]
    expected = [e if isinstance(e, str) else e[-1] for e in expected]
    assert [f.replace(" ", "") for f in res.freed] == expected
    assert res.holds
    assert len(res.steps) == len(steps)
    for (_, row), ref in zip(res.steps.iterrows(), steps, strict=True):
        for key in ("chisq", "cfi", "rmsea", "srmr"):
            np.testing.assert_allclose(row[key], ref[key], rtol=1e-6, err_msg=key)
        assert row["holds"] == ref["holds"]
        if rule == "chisq":
            np.testing.assert_allclose(row["delta_p"], ref["p_lrt"], rtol=1e-4)
    assert "Chen 2007" in res.steps["decision"].iloc[-1] or rule == "chisq"


def test_ordinal_score_tests_rank_as_lavaan() -> None:
    """lavaan 0.6-14 flags its score test for WLSMV as a fallback ("se is not standard"); ours
    is the DWLS score statistic. Same ranking of the 36 constraints; values within 2.5%."""
    from stigma_analysis.structure._invariance_ordinal import LAM, TAU
    from stigma_analysis.structure._partial import _score_ordinal

    data = pd.read_csv(RESULTS / "lavaan_inv_ordinal_data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        _, fits = invariance(data, HS_MODEL, group="school", ordered=True, levels=("scalar",),
                             return_fits=True)  # fmt: skip
    ours = pd.concat([_score_ordinal(fits["scalar"], TAU), _score_ordinal(fits["scalar"], LAM)])
    pt = pd.DataFrame(REF_ORD["score_scalar"]["partable"])
    pt["parameter"] = pt["lhs"] + " " + pt["op"] + " " + pt["rhs"]
    ref = pd.DataFrame(REF_ORD["score_scalar"]["uni"]).merge(
        pt[["plabel", "parameter"]], left_on="lhs", right_on="plabel"
    )
    m = ref.merge(ours, on="parameter", suffixes=("_r", ""))
    assert len(m) == 36
    np.testing.assert_allclose(m["X2"], m["X2_r"], rtol=0.025)
    top_r = m.sort_values("X2_r", ascending=False)["parameter"].head(8).tolist()
    top = m.sort_values("X2", ascending=False)["parameter"].head(8).tolist()
    assert top == top_r


def _biased_panel(seed: int, n: int = 400) -> pd.DataFrame:
    """Two groups, one factor, six items; intercepts of x2 and x5 shifted by 0.5 in group b."""
    rng = np.random.default_rng(seed)
    lam = np.array([0.8, 0.7, 0.75, 0.6, 0.7, 0.65])
    frames = []
    for g, mean in (("a", 0.0), ("b", 0.3)):
        eta = rng.normal(mean, 1.0, n)
        nu = np.zeros(6)
        if g == "b":
            nu[[1, 4]] = 0.5
        x = nu + np.outer(eta, lam) + rng.normal(0, 0.6, (n, 6))
        frames.append(pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 7)]).assign(grp=g))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_simulation_frees_exactly_the_planted_intercepts(seed: int) -> None:
    data = _biased_panel(seed)
    res = partial_invariance(data, "f =~ x1 + x2 + x3 + x4 + x5 + x6", group="grp",
                             level="scalar", rule="chisq")  # fmt: skip
    assert sorted(res.freed) == ["x2 ~1", "x5 ~1"]
    assert res.holds


def test_partial_errors(hs: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="level must be one of"):
        partial_invariance(hs, HS_MODEL, group="school", level="configural")
    with pytest.raises(ValueError, match="rule must be one of"):
        partial_invariance(hs, HS_MODEL, group="school", rule="aic")  # type: ignore[arg-type]


def test_ordinal_search_frees_x3_intercept_as_lavaan_partial_model() -> None:
    """The ordinal (WLSMV) search frees the intercept with the largest score first; that
    partial model matches measEq.syntax(group.partial = "x3 ~ 1") fitted by lavaan."""
    data = pd.read_csv(RESULTS / "lavaan_inv_ordinal_data.csv")
    res = partial_invariance(data, HS_MODEL, group="school", level="scalar", ordered=True,
                             max_free=1)  # fmt: skip
    assert res.scores["parameter"].iloc[0] == "x3 ~1"
    assert res.freed == ("x3 ~1",)
    step = res.steps.iloc[1]
    ref = REF_ORD["partial_scalar_x3"]
    np.testing.assert_allclose(step["chisq"], ref["fit"]["chisq"], rtol=1e-5)
    assert step["df"] == ref["fit"]["df"]
    np.testing.assert_allclose(step["cfi"], ref["fit"]["cfi.scaled"], rtol=1e-5)
    np.testing.assert_allclose(step["rmsea"], ref["fit"]["rmsea.scaled"], rtol=1e-5)
    np.testing.assert_allclose(step["delta_chisq"], ref["lrt"]["chisq_diff"], rtol=1e-5)
    assert step["delta_df"] == ref["lrt"]["df_diff"]

"""Power and minimum detectable effect of a two-arm pre/post design clustered by site.

References: statsmodels TTestIndPower (unclustered) and tests/results/power_design.R (+ .json):
R power.t.test(strict = TRUE) and the design-effect formulas computed by hand in R.
"""

from __future__ import annotations

import json

import pytest
from statsmodels.stats.power import TTestIndPower

from stigma_analysis import evaluation as ev
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "power_design.json").read_text())


@pytest.mark.parametrize("case", REF["unclustered"])
def test_unclustered_equals_statsmodels_and_r(case):
    n, d, alpha = int(case["n_per_arm"]), case["effect_size"], case["alpha"]
    res = ev.power(n_per_arm=n, effect_size=d, alpha=alpha)
    sm = TTestIndPower().power(effect_size=d, nobs1=n, alpha=alpha, ratio=1.0)
    # the same noncentral t tails: 1e-10
    assert res.power == pytest.approx(sm, rel=1e-10)
    assert res.power == pytest.approx(case["power"], rel=1e-10)
    mde = ev.minimum_detectable_effect(n_per_arm=n, alpha=alpha)
    # statsmodels' power at our MDE is the target (its solve_power fails at alpha = .01, n = 150)
    sm_at_mde = TTestIndPower().power(effect_size=mde.effect_size, nobs1=n, alpha=alpha)
    assert sm_at_mde == pytest.approx(0.8, abs=1e-10)
    # root finding in R (tol 1e-12): 1e-8
    assert mde.effect_size == pytest.approx(case["mde_80"], rel=1e-8)
    assert (res.design_effect, res.variance_factor, res.df) == (1.0, 1.0, 2 * n - 2)


@pytest.mark.parametrize("case", REF["clustered"])
def test_clustered_equals_design_effect_formulas(case):
    kw = {
        "n_per_arm": int(case["n_per_arm"]),
        "clusters_per_arm": int(case["k"]),
        "icc": case["icc"],
        "cv": case["cv"],
        "pre_post_r": case["r"],
        "attrition": case["attrition"],
        "alpha": case["alpha"],
    }
    res = ev.power(effect_size=case["d"], **kw)
    assert res.design_effect == pytest.approx(case["design_effect"], rel=1e-12)
    assert res.effective_n_per_arm == pytest.approx(case["effective_n_per_arm"], rel=1e-12)
    assert res.df == case["df"]
    assert res.power == pytest.approx(case["power"], rel=1e-10)
    # statsmodels with the effective n and the between-site df gives the same power
    sm = TTestIndPower().power(
        effect_size=case["d"],
        nobs1=res.effective_n_per_arm,
        alpha=case["alpha"],
        ratio=1.0,
        df=res.df,
    )
    assert res.power == pytest.approx(sm, rel=1e-10)
    mde = ev.minimum_detectable_effect(**kw)
    assert mde.effect_size == pytest.approx(case["mde_80"], rel=1e-8)
    assert ev.power(effect_size=mde.effect_size, **kw).power == pytest.approx(0.8, abs=1e-10)


def test_design_effect_example():
    ref = REF["design_effect"]
    got = ev.design_effect(mean_cluster_size=ref["mean_cluster_size"], icc=ref["icc"], cv=ref["cv"])
    assert got == pytest.approx(ref["design_effect"], rel=1e-12)
    assert ev.design_effect(mean_cluster_size=10, icc=0.1) == pytest.approx(1.9)


def test_more_of_the_good_things_raise_power():
    base = {"n_per_arm": 100, "effect_size": 0.4, "clusters_per_arm": 5, "icc": 0.05}
    p0 = ev.power(**base).power
    assert ev.power(**{**base, "icc": 0.01}).power > p0
    assert ev.power(**{**base, "pre_post_r": 0.6}).power > p0
    assert ev.power(**{**base, "attrition": 0.3}).power < p0
    assert ev.power(**{**base, "cv": 0.8}).power < p0
    assert ev.power(**{**base, "clusters_per_arm": 10}).power > p0
    frame = ev.power(**base).to_frame()
    assert frame.shape == (1, 15)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="clusters_per_arm must be an integer >= 2"):
        ev.power(n_per_arm=50, effect_size=0.5, clusters_per_arm=1, icc=0.05)
    with pytest.raises(ValueError, match="clusters_per_arm must be an integer >= 2"):
        ev.minimum_detectable_effect(n_per_arm=50, clusters_per_arm=1, icc=0.05)
    with pytest.raises(ValueError, match="give clusters_per_arm"):
        ev.power(n_per_arm=50, effect_size=0.5, icc=0.05)
    with pytest.raises(ValueError, match="fewer than one per site"):
        ev.power(n_per_arm=10, effect_size=0.5, clusters_per_arm=8, attrition=0.5)
    with pytest.raises(ValueError, match="icc must be < 1"):
        ev.power(n_per_arm=10, effect_size=0.5, clusters_per_arm=2, icc=1.0)
    with pytest.raises(ValueError, match="target_power must exceed alpha"):
        ev.minimum_detectable_effect(n_per_arm=10, target_power=0.01)

"""Multiple-group GRM and likelihood-ratio DIF (mirt::DIF construction)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.irt import dif_lr, fit_multigroup, irt

from .conftest import simulate_grm

J = 10
DIF_ITEMS = ["i2", "i5", "i8"]


def _two_groups(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.9, 2.0, J)
    d = np.sort(rng.normal(0, 0.5, (J, 3)) + np.array([1.5, 0.0, -1.5]), axis=1)[:, ::-1]
    ref, _ = simulate_grm(a, d, n, rng=rng)
    a2, d2 = a.copy(), d.copy()
    d2[1] += 0.7  # uniform DIF
    a2[4] *= 0.45  # non-uniform DIF
    d2[7] -= 0.7  # uniform DIF, the other way
    foc, _ = simulate_grm(a2, d2, n, rng=rng, mean=0.3, sd=1.1)
    return pd.concat([ref.assign(lang="en"), foc.assign(lang="km")], ignore_index=True)


@pytest.fixture(scope="module")
def two_groups() -> pd.DataFrame:
    return _two_groups(11)


def test_configural_loglik_is_the_sum_of_group_fits(two_groups):
    conf = fit_multigroup(two_groups, "lang", equal="none", free_latent=False)
    separate = sum(
        irt(g.drop(columns="lang"), se=False).loglik for _, g in two_groups.groupby("lang")
    )
    assert conf.loglik == pytest.approx(separate, abs=1e-4)
    assert conf.n_par == 2 * 4 * J


def test_free_latent_needs_an_anchor(two_groups):
    with pytest.raises(ValueError, match="anchor"):
        fit_multigroup(two_groups, "lang", equal="none", free_latent=True)


def test_latent_mean_and_sd_recovered(two_groups):
    fit = fit_multigroup(two_groups, "lang", equal=["i1", "i3", "i4", "i6", "i7"])
    assert fit.groups == ("en", "km")
    assert fit.mean[0] == 0.0
    assert fit.mean[1] == pytest.approx(0.3, abs=0.15)
    assert fit.sd[1] == pytest.approx(1.1, abs=0.15)
    frame = fit.to_frame()
    a1 = frame.loc[frame["item"] == "i1", "a"].to_numpy()
    assert a1[0] == a1[1]
    assert frame.loc[frame["item"] == "i2", "a"].nunique() == 2


def test_dif_with_user_anchors_flags_planted_items(two_groups):
    res = dif_lr(two_groups, "lang", anchors=["i1", "i3", "i4"])
    table = res.to_frame()
    assert set(table["item"]) == {f"i{j}" for j in range(1, J + 1)} - {"i1", "i3", "i4"}
    assert set(DIF_ITEMS) <= set(res.flagged)
    assert (table["df"] == 4).all()
    # the free model is the same anchor model for every item: one common loglik_free
    assert np.ptp(table["loglik_free"].to_numpy()) == 0
    assert res.scheme == "drop"


def test_dif_all_others_as_anchors(two_groups):
    res = dif_lr(two_groups, "lang", items_to_test=["i2", "i3", "i5"])
    table = res.to_frame().set_index("item")
    assert table.loc["i2", "flagged"]
    assert table.loc["i5", "flagged"]
    assert not table.loc["i3", "flagged"]
    # the constrained model is the fully invariant baseline for every item
    assert np.ptp(table["loglik_constrained"].to_numpy()) == 0
    assert res.baseline.loglik == table["loglik_constrained"].iloc[0]
    assert res.scheme == "add"
    assert (table["chisq"] >= 0).all()


def test_dif_rejects_bad_arguments(two_groups):
    with pytest.raises(ValueError, match="not among"):
        dif_lr(two_groups, "lang", anchors=["nope"])
    with pytest.raises(ValueError, match="both an anchor and tested"):
        dif_lr(two_groups, "lang", anchors=["i1"], items_to_test=["i1"])
    with pytest.raises(ValueError, match="group column"):
        dif_lr(two_groups, "language")


@pytest.mark.slow
def test_dif_simulation_over_seeds():
    """Three planted DIF items are flagged; the seven clean items at about the nominal 5%."""
    false_flags = 0
    for seed in (1, 2, 3, 4):
        res = dif_lr(_two_groups(seed), "lang")
        flagged = set(res.flagged)
        assert set(DIF_ITEMS) <= flagged, (seed, res.to_frame())
        false_flags += len(flagged - set(DIF_ITEMS))
    # 28 clean tests at alpha = 0.05: expect 1.4; 5 or more has probability < 2%
    assert false_flags <= 4


def test_empty_category_in_a_group_warns():
    from stigma_analysis.irt import SparseCategoryWarning

    rng = np.random.default_rng(1)
    a = np.full(4, 1.3)
    d = np.tile([1.5, 0.0, -1.5], (4, 1))
    g1, _ = simulate_grm(a, d, 300, rng=rng)
    g2, _ = simulate_grm(a, d, 60, rng=rng)
    g2.loc[g2["i1"] == 4, "i1"] = 3
    data = pd.concat([g1.assign(g="a"), g2.assign(g="b")], ignore_index=True)
    with pytest.warns(
        SparseCategoryWarning, match=r"item 'i1': answers \[4\] were never chosen in group 'b'"
    ):
        dif_lr(data, "g", anchors=["i2", "i3", "i4"])

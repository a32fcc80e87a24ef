"""The computing behind "Who recovered" and "If those we lost had fared differently"."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.evaluation import (
    TippingPointResult,
    clinically_significant_change,
    reliable_change,
    tipping_point,
)
from stigma_analysis.report import _evaluation_tables as E  # noqa: N812
from stigma_analysis.report import tables as T  # noqa: N812
from stigma_analysis.report._context import context
from tests.conftest import EXAMPLE_STUDY


@pytest.fixture(scope="module")
def ctx():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return context(EXAMPLE_STUDY, {})


def _classified(ctx, name: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    b = ctx.study.instrument(name)
    scale = ctx.primary(b)
    alpha = T.scale_alpha(ctx.study, b, scale, wave=ctx.first)
    return reliable_change(
        ctx.scores, score=ctx.column(b), id=ctx.id, wave=ctx.wave, pre=ctx.first,
        post=ctx.last, reliability=alpha, direction=ctx.direction(b), by=[ctx.site, ctx.arm],
    )  # fmt: skip


def test_cutoffs_by_hand(ctx) -> None:  # type: ignore[no-untyped-def]
    # example study (illustrative norms): ISMI functional 1.9 (0.4), dysfunctional 2.6 (0.5):
    # c = (0.4 * 2.6 + 0.5 * 1.9) / (0.4 + 0.5); HSCL functional 1.4 (0.3) only, lower is
    # better: b = 1.4 + 2 * 0.3.
    ismi = E.clinical_cut(ctx.study.instrument("ismi"), "total_excl_sr")
    assert ismi is not None
    assert ismi.criterion == "c"
    assert ismi.cutoff == pytest.approx((0.4 * 2.6 + 0.5 * 1.9) / 0.9, abs=1e-12)
    hscl = E.clinical_cut(ctx.study.instrument("hscl"), "total")
    assert hscl is not None
    assert hscl.criterion == "b"
    assert hscl.cutoff == pytest.approx(2.0, abs=1e-12)
    assert E.clinical_cut(ctx.study.instrument("eds"), "total") is None
    a_only = ctx.study.instrument("ismi").instrument.with_norms(
        {"total_excl_sr": {"dysfunctional": {"mean": 2.6, "sd": 0.5}, "citation": "x"}}
    )
    bound = ctx.study.instrument("ismi")
    from dataclasses import replace

    cut = E.clinical_cut(replace(bound, instrument=a_only), "total_excl_sr")
    assert cut is not None
    assert cut.criterion == "a"
    assert cut.cutoff == pytest.approx(2.6 - 2 * 0.5, abs=1e-12)
    up = ctx.study.instrument("mspss").instrument.with_norms(
        {"total": {"functional": {"mean": 5.5, "sd": 0.8}, "citation": "x"}}
    )
    cut = E.clinical_cut(replace(ctx.study.instrument("mspss"), instrument=up), "total")
    assert cut is not None
    assert cut.cutoff == pytest.approx(5.5 - 1.6, abs=1e-12)


def test_categories_equal_the_library_when_the_rci_sd_is_the_same(ctx) -> None:  # type: ignore[no-untyped-def]
    # with the study's own first-visit mean and sd as the dysfunctional norms, the library's
    # clinically_significant_change uses the same RCI as the report's reliable change
    b = ctx.study.instrument("ismi")
    col = ctx.column(b)
    base = ctx.scores.loc[ctx.scores[ctx.wave] == ctx.first, col].dropna()
    norms = {"total_excl_sr": {"functional": {"mean": 1.9, "sd": 0.4},
                               "dysfunctional": {"mean": float(base.mean()),
                                                 "sd": float(base.std(ddof=1))},
                               "citation": "study baseline"}}  # fmt: skip
    from dataclasses import replace

    bound = replace(b, instrument=b.instrument.with_norms(norms))
    cut = E.clinical_cut(bound, "total_excl_sr")
    assert cut is not None
    ours = E.clinical_categories(_classified(ctx, "ismi"), cut)
    alpha = T.scale_alpha(ctx.study, b, "total_excl_sr", wave=ctx.first)
    lib = clinically_significant_change(
        ctx.scores, score=col, id=ctx.id, wave=ctx.wave, pre=ctx.first, post=ctx.last,
        reliability=alpha, direction="lower_is_better", functional_mean=1.9, functional_sd=0.4,
        by=[ctx.site, ctx.arm],
    )  # fmt: skip
    merged = ours.merge(lib, on=ctx.id, suffixes=("", "_lib"))
    assert len(merged) == len(ours) == len(lib)
    assert (merged["category"].astype(str) == merged["category_lib"].astype(str)).all()
    assert merged["cutoff"].iloc[0] == pytest.approx(merged["cutoff_lib"].iloc[0], abs=1e-12)


def test_categories_refine_the_reliable_change(ctx) -> None:  # type: ignore[no-untyped-def]
    rc = _classified(ctx, "ismi")
    cut = E.clinical_cut(ctx.study.instrument("ismi"), "total_excl_sr")
    assert cut is not None
    people = E.clinical_categories(rc, cut)
    counts = E.clinical_counts(people, arm=ctx.arm).set_index(ctx.arm)
    rcc = T.change_counts(rc, site=ctx.site, arm=ctx.arm)
    totals = rcc[rcc[ctx.site] == "Total"].set_index(ctx.arm)
    assert (counts["recovered"] + counts["improved"] == totals["improved"]).all()
    for c in ("n", "unchanged", "deteriorated"):
        assert (counts[c] == totals[c]).all(), c
    # recovered: reliably better and below (lower is better) the cut-off
    rec = people[people["category"] == "recovered"]
    assert (rec["post"] < cut.cutoff).all()
    assert (rec["reliable_change"] == "improved").all()


def test_disclosed_counts_repeat_the_published_reliable_change(ctx) -> None:  # type: ignore[no-untyped-def]
    rc = _classified(ctx, "ismi")
    cut = E.clinical_cut(ctx.study.instrument("ismi"), "total_excl_sr")
    assert cut is not None
    counts = E.clinical_counts(E.clinical_categories(rc, cut), arm=ctx.arm)
    policy = ctx.policy
    rcc = T.change_counts(rc, site=ctx.site, arm=ctx.arm)
    cats = ["n", "improved", "unchanged", "deteriorated"]
    safe_rc = T.disclose_blocks(policy, rcc, block=ctx.arm, count_columns=cats, stat_columns=[])
    # plant a small "recovered" count in arm 1 (moved to "improved", same total)
    planted = counts.copy()
    planted.loc[0, "improved"] += planted.loc[0, "recovered"] - 3
    planted.loc[0, "recovered"] = 3
    safe = E.disclose_clinical(policy, planted, safe_rc, arm=ctx.arm)
    assert safe.loc[0, "recovered"] == "<5"
    assert isinstance(safe.loc[0, "improved"], str)  # its complement: the sum is published
    totals = safe_rc[safe_rc[ctx.site] == "Total"].reset_index(drop=True)
    for c in ("n", "unchanged", "deteriorated"):
        assert list(safe[c]) == list(totals[c])
    shares = E.with_shares(safe)
    assert shares.loc[0, "recovered"] == "<5"
    assert str(shares.loc[1, "recovered"]) == "[c]"  # column totals are assumed known
    assert "%" in str(shares.loc[0, "unchanged"])


def test_the_grid_uses_the_scale_range_and_counts_everyone(ctx) -> None:  # type: ignore[no-untyped-def]
    rc = _classified(ctx, "ismi")
    grid, edges = E.clinical_grid(rc, lo=1.0, hi=4.0, bins=6)
    assert edges[0] == 1.0
    assert edges[-1] == 4.0
    assert int(grid.to_numpy().sum()) == len(rc)


def _result(rows: list[tuple[float, float, float, float]], sd: float = 0.5) -> E.DropoutSensitivity:
    table = pd.DataFrame(rows, columns=["delta", "estimate", "ci_low", "ci_high"])
    table = table.assign(se=0.1, df=50.0, p=0.5, fmi=0.2)
    tip = TippingPointResult(table=table, mar_estimate=0.0, tipping_delta=None, n_imputed=10)
    return E.DropoutSensitivity(weighting=pd.DataFrame(), tipping=tip, sd=sd, m=5)


def test_tipping_sentence() -> None:
    # lower is better; the programme lowered the score (clear); shifting its drop-outs up
    # (worse) by 0.3 makes the interval include 0
    res = _result([(-0.3, -0.5, -0.7, -0.3), (0.0, -0.3, -0.5, -0.1), (0.15, -0.2, -0.4, -0.01),
                   (0.3, -0.1, -0.3, 0.1), (0.6, 0.1, -0.1, 0.3)])  # fmt: skip
    assert E.conclusion_change(res) == 0.3
    words = E.tipping_sentence(res, higher_is_better=False, programme="programme",
                               reference="comparison")  # fmt: skip
    assert "the programme group did better than the comparison group" in words
    assert "about 0.30 points (0.60 standard deviations) worse" in words
    assert "no longer be clear" in words
    rows = E.tipping_rows(res, steps=(0.0,))
    assert list(rows["delta"]) == [0.0, 0.3]
    # higher is better: the same shift upwards is "better"
    assert "better at the last visit" in E.tipping_sentence(
        res, higher_is_better=True, programme="programme", reference="comparison"
    )
    # unclear at 0, clear at -0.6 only
    res = _result([(-0.6, -0.5, -0.7, -0.3), (0.0, -0.1, -0.3, 0.1), (0.6, 0.1, -0.1, 0.3)])
    words = E.tipping_sentence(res, higher_is_better=False, programme="p", reference="c")
    assert "did not clearly differ" in words
    assert "become clear" in words
    assert "1.20 standard deviations) better" in words
    # never changes over the grid
    res = _result([(-0.6, -0.5, -0.7, -0.3), (0.0, -0.5, -0.7, -0.3), (0.6, -0.5, -0.7, -0.3)])
    assert E.conclusion_change(res) is None
    assert "this holds even if" in E.tipping_sentence(
        res, higher_is_better=False, programme="p", reference="c"
    )


def test_dropout_sensitivity_on_the_example(ctx) -> None:  # type: ignore[no-untyped-def]
    b = ctx.study.instrument("ismi")
    col = ctx.column(b)
    res = E.dropout_sensitivity(
        ctx.scores, score=col, id=ctx.id, wave=ctx.wave, pre=ctx.first, post=ctx.last,
        arm=ctx.arm, treatment=ctx.programme_arms[0], control=ctx.reference_arm, site=ctx.site,
        m=5, seed=ctx.seed,
    )  # fmt: skip
    # the unweighted row is OLS post ~ programme + pre + site on the completers
    s = ctx.scores[ctx.scores[ctx.arm].isin([ctx.programme_arms[0], ctx.reference_arm])]
    pre = s[s[ctx.wave] == ctx.first][[ctx.id, ctx.arm, ctx.site, col]]
    post = s[s[ctx.wave] == ctx.last][[ctx.id, col]]
    d = pre.merge(post, on=ctx.id, suffixes=("_pre", "_post")).dropna()
    sites = pd.get_dummies(d[ctx.site].astype(str), drop_first=True, dtype=float)
    X = np.column_stack([np.ones(len(d)), (d[ctx.arm] == ctx.programme_arms[0]).astype(float),
                         d[f"{col}_pre"], sites])  # fmt: skip
    beta = np.linalg.lstsq(X, d[f"{col}_post"].to_numpy(float), rcond=None)[0]
    un = res.weighting.set_index("analysis").loc["unweighted", "estimate"]
    assert un == pytest.approx(beta[1], abs=1e-10)
    assert res.weighting["analysis"].tolist() == ["unweighted", "retention weights"]
    # delta = 0 is the MAR analysis of tipping_point itself
    direct = tipping_point(
        s.assign(_site_group=s[ctx.site].astype(str)), score=col, id=ctx.id, deltas=[0.0],
        arm=ctx.arm, treatment=ctx.programme_arms[0], control=ctx.reference_arm,
        wave=ctx.wave, pre=ctx.first, post=ctx.last, covariates=["_site_group"], m=5,
        seed=ctx.seed,
    )  # fmt: skip
    assert res.tipping.mar_estimate == pytest.approx(direct.mar_estimate, abs=1e-12)
    assert res.m == 5
    assert 0.0 in E.DELTA_STEPS
    shown = E.tipping_rows(res)["shift_sd"].tolist()
    assert {-1.0, -0.5, 0.0, 0.5, 1.0} <= set(shown)
    assert "-0.0" not in str(shown)  # the MAR row reads 0.00, not -0.00
    assert len(res.tipping.table) == len(E.DELTA_STEPS)

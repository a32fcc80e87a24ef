"""Effect sizes with intervals: paired d_z / d_av / g_av (MOTE) and Morris's d_ppc1 / d_ppc2.

References: tests/results/effectsize_prepost.R (+ .json).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev
from stigma_analysis.evaluation._effectsize import _nct_limits
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "effectsize_prepost.json").read_text())
MOVIE_1 = [9, 7, 8, 9, 8, 9, 9, 10, 9, 9]  # Lakens (2013) Table 1
MOVIE_2 = [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]


def _long(pre, post, **cols):
    n = len(pre)
    ids = np.arange(n)
    return pd.concat(
        [
            pd.DataFrame({"pid": ids, "t": 1, "y": np.asarray(pre, float), **cols}),
            pd.DataFrame({"pid": ids, "t": 2, "y": np.asarray(post, float), **cols}),
        ],
        ignore_index=True,
    )


def test_nct_limits_match_mote_test_values():
    # MOTE's tests assert these to 1e-6: d_dep_t_diff(1.14, 2.12, 7), d_dep_t_avg(5.57, ...)
    ref = REF["mote_diff"]
    n = ref["n"]
    t = ref["mdiff"] / (ref["sddiff"] / np.sqrt(n))
    lo, hi = _nct_limits(t, n - 1, 0.95)
    assert lo / np.sqrt(n) == pytest.approx(-0.2791857, abs=1e-6)
    assert hi / np.sqrt(n) == pytest.approx(1.317321, abs=1e-6)
    # root finding in both (uniroot tol 1e-13 in R): 1e-8
    assert lo / np.sqrt(n) == pytest.approx(ref["dlow"], abs=1e-8)
    assert hi / np.sqrt(n) == pytest.approx(ref["dhigh"], abs=1e-8)
    ref = REF["mote_avg"]
    t = (ref["m1"] - ref["m2"]) / ((ref["sd1"] + ref["sd2"]) / 2 / np.sqrt(7))
    lo, hi = _nct_limits(t, 6, 0.95)
    assert lo / np.sqrt(7) == pytest.approx(-0.3334172, abs=1e-6)
    assert hi / np.sqrt(7) == pytest.approx(1.2360580, abs=1e-6)


def test_pre_post_effect_size_intervals_on_lakens_example():
    out = ev.pre_post(_long(MOVIE_1, MOVIE_2), score="y", id="pid", wave="t").iloc[0]
    for col, value in REF["lakens_movies"].items():
        # point estimates are closed forms (1e-12); intervals are roots of pt(): 1e-8
        assert out[col] == pytest.approx(value, rel=1e-8, abs=1e-8), col
    assert out["cohen_dz_ci_low"] < out["cohen_dz"] < out["cohen_dz_ci_high"]


def test_pre_post_keeps_old_columns_first_and_adds_intervals():
    out = ev.pre_post(_long(MOVIE_1, MOVIE_2), score="y", id="pid", wave="t")
    cols = list(out.columns)
    assert cols[: cols.index("hedges_g_av") + 1][-3:] == ["cohen_dz", "cohen_dav", "hedges_g_av"]
    assert cols[-6:] == [
        "cohen_dz_ci_low",
        "cohen_dz_ci_high",
        "cohen_dav_ci_low",
        "cohen_dav_ci_high",
        "hedges_g_av_ci_low",
        "hedges_g_av_ci_high",
    ]


def test_pre_post_interval_is_nan_for_a_single_pair():
    out = ev.pre_post(_long([1.0], [2.0]), score="y", id="pid", wave="t").iloc[0]
    assert np.isnan(out["cohen_dz_ci_low"])
    assert np.isnan(out["hedges_g_av_ci_high"])


def test_wider_level_gives_wider_interval():
    data = _long(MOVIE_1, MOVIE_2)
    a = ev.pre_post(data, score="y", id="pid", wave="t", ci_level=0.90).iloc[0]
    b = ev.pre_post(data, score="y", id="pid", wave="t", ci_level=0.99).iloc[0]
    assert b["cohen_dav_ci_low"] < a["cohen_dav_ci_low"] < a["cohen_dav_ci_high"]
    assert a["cohen_dav_ci_high"] < b["cohen_dav_ci_high"]


# --------------------------------------------------------------------------- Morris (2008)
def _morris_summary():
    m = REF["morris2008"]
    t, c = pd.DataFrame(m["treatment"]), pd.DataFrame(m["control"])
    return m, t, c


def test_morris_table_1_d_ppc1_and_d_ppc2():
    m, t, c = _morris_summary()
    out = ev.controlled_effect_size_from_summary(
        mean_pre_treatment=t["m_pre"],
        mean_post_treatment=t["m_post"],
        sd_pre_treatment=t["sd_pre"],
        n_treatment=t["ni"],
        mean_pre_control=c["m_pre"],
        mean_post_control=c["m_post"],
        sd_pre_control=c["sd_pre"],
        n_control=c["ni"],
        r=t["ri"],
    )
    assert list(out.columns) == list(ev.CONTROLLED_COLUMNS)
    # Morris (2008) Table 1, as printed
    assert out["d_ppc1"].round(2).tolist() == [0.74, 0.95, 1.81, 1.15, 0.51]
    # closed forms: metafor escalc("SMCR") and Morris eqs. 8 / 25 by hand, 1e-10
    for col in ("d_ppc1", "d_ppc1_ci_low", "d_ppc1_ci_high", "d_ppc2"):
        np.testing.assert_allclose(out[col], m[col], rtol=1e-10, err_msg=col)
    np.testing.assert_allclose(out["d_ppc2_se"] ** 2, m["d_ppc2_var"], rtol=1e-10)
    np.testing.assert_allclose(out["d_ppc2_ci_low"], m["d_ppc2_ci_low"], rtol=1e-10)
    np.testing.assert_allclose(out["d_ppc2_ci_high"], m["d_ppc2_ci_high"], rtol=1e-10)


def _two_arm(seed=3, n=40, effect=-0.5):
    rng = np.random.default_rng(seed)
    arm = np.where(np.arange(n) % 2 == 0, "intervention", "comparison")
    site = np.where(np.arange(n) < n // 2, "north", "south")
    pre = rng.normal(2.5, 0.6, n)
    post = pre + rng.normal(0, 0.4, n) + (arm == "intervention") * effect
    return _long(pre, post, arm=arm, site=site)


def test_controlled_effect_size_equals_summary_version():
    data = _two_arm()
    out = ev.controlled_effect_size(data, score="y", id="pid", wave="t").iloc[0]
    w = data.pivot_table(index="pid", columns="t", values="y").join(
        data.loc[data["t"] == 1].set_index("pid")["arm"]
    )
    g = {a: w.loc[w["arm"] == a] for a in ("intervention", "comparison")}
    cov = sum((len(x) - 1) * np.cov(x[1], x[2])[0, 1] for x in g.values())
    v1 = sum((len(x) - 1) * x[1].var() for x in g.values())
    v2 = sum((len(x) - 1) * x[2].var() for x in g.values())
    ref = ev.controlled_effect_size_from_summary(
        mean_pre_treatment=g["intervention"][1].mean(),
        mean_post_treatment=g["intervention"][2].mean(),
        sd_pre_treatment=g["intervention"][1].std(),
        n_treatment=len(g["intervention"]),
        mean_pre_control=g["comparison"][1].mean(),
        mean_post_control=g["comparison"][2].mean(),
        sd_pre_control=g["comparison"][1].std(),
        n_control=len(g["comparison"]),
        r=cov / np.sqrt(v1 * v2),
    ).iloc[0]
    for col in ev.CONTROLLED_COLUMNS:
        assert out[col] == pytest.approx(ref[col], rel=1e-12), col
    assert out["d_ppc2"] < 0  # the intervention arm's score fell more


def test_controlled_effect_size_by_site_and_errors():
    data = _two_arm(n=60)
    out = ev.controlled_effect_size(data, score="y", id="pid", wave="t", by="site")
    assert out["site"].tolist() == ["north", "south"]
    with pytest.raises(ValueError, match="treatment='treated' is not a value of column 'arm'"):
        ev.controlled_effect_size(data, score="y", id="pid", wave="t", treatment="treated")
    one_arm = data.loc[~((data["site"] == "south") & (data["arm"] == "comparison"))]
    with pytest.raises(ValueError, match="too few in"):
        ev.controlled_effect_size(one_arm, score="y", id="pid", wave="t", by="site")


def test_summary_rejects_bad_values():
    kw = {
        "mean_pre_treatment": 1,
        "mean_post_treatment": 2,
        "sd_pre_treatment": 1,
        "n_treatment": 10,
        "mean_pre_control": 1,
        "mean_post_control": 1,
        "sd_pre_control": 1,
        "n_control": 10,
        "r": 0.5,
    }
    with pytest.raises(ValueError, match="r must be in"):
        ev.controlled_effect_size_from_summary(**{**kw, "r": 1.0})
    with pytest.raises(ValueError, match="n_control must be at least 2"):
        ev.controlled_effect_size_from_summary(**{**kw, "n_control": 1})

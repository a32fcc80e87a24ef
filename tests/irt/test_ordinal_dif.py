"""lordif-style ordinal logistic DIF against MASS::polr, and instrument-based fitting."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.irt import dif_ordinal, irt
from stigma_analysis.irt._ordinal_dif import ordinal_logit
from tests.conftest import RESULTS, ROOT

from .conftest import simulate_grm

ITEMS = ["i1", "i2", "i3", "i4", "i5", "i6"]


@pytest.fixture(scope="module")
def dif_data() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests" / "data" / "irt_dif_ordinal.csv")


@pytest.fixture(scope="module")
def polr() -> dict:
    return json.loads((RESULTS / "mass_polr_dif.json").read_text())


@pytest.fixture(scope="module")
def ordinal(dif_data):
    return dif_ordinal(dif_data, "group", items=ITEMS, matching="theta")


@pytest.mark.parametrize("item", ["i2", "i4"])
def test_logliks_match_polr(ordinal, polr, item):
    row = ordinal.to_frame().set_index("item").loc[item]
    ref = polr[item]
    assert row["n"] == ref["n"]
    for m in range(4):
        assert row[f"loglik{m}"] == pytest.approx(ref[f"loglik{m}"], abs=1e-6)
    for name in ("12", "13", "23"):
        assert row[f"chi{name}"] == pytest.approx(ref[f"chi{name}"], abs=1e-5)
        assert row[f"p{name}"] == pytest.approx(ref[f"p{name}"], rel=1e-4, abs=1e-12)
    for r2 in ("mcfadden", "cox_snell", "nagelkerke"):
        got = [row[f"{r2}{m}"] for m in (1, 2, 3)]
        assert np.allclose(got, ref[r2], atol=1e-8)


def test_polr_coefficients(dif_data, polr):
    d = dif_data.dropna(subset=["i2"])
    y = d["i2"].astype(int).to_numpy() - 1
    th = d["theta"].to_numpy()[:, None]
    g = (d["group"] == "km").to_numpy(float)[:, None]
    _, beta, tau, ok = ordinal_logit(y, np.hstack([th, g, th * g]))
    assert ok
    ref = polr["i2"]
    assert np.allclose(beta, list(ref["coef3"].values()), atol=1e-4)
    assert np.allclose(tau, list(ref["zeta3"].values()), atol=1e-4)


def test_flags_the_planted_items(ordinal):
    assert set(ordinal.flagged) == {"i2", "i4"}
    table = ordinal.to_frame().set_index("item")
    # i2 has uniform DIF (1 vs 2), i4 non-uniform (2 vs 3)
    assert table.loc["i2", "p12"] < 0.01
    assert table.loc["i4", "p23"] < 1e-6
    assert table.loc["i4", "p12"] > 0.05
    assert np.allclose(table["mcfadden_13"], table["mcfadden3"] - table["mcfadden1"])


def test_irt_and_sum_matching_and_r2_criterion(dif_data):
    by_irt = dif_ordinal(dif_data, "group", items=ITEMS)
    assert by_irt.matching == "irt"
    assert "i4" in by_irt.flagged
    by_sum = dif_ordinal(dif_data, "group", items=ITEMS, matching="sum")
    assert by_sum.to_frame()["n"].max() < 600  # the missing answers to i2 drop their sum score
    by_r2 = dif_ordinal(
        dif_data, "group", items=ITEMS, matching="theta", criterion="r2", r2_change=0.02
    )
    assert by_r2.flagged == ["i4"]
    with pytest.raises(ValueError, match="matching column"):
        dif_ordinal(dif_data, "group", items=ITEMS, matching="nope")


def test_instrument_reverse_keying():
    """Fitting through an instrument flips its reverse-keyed items before the model."""
    rng = np.random.default_rng(9)
    a = np.full(10, 1.4)
    d = np.tile([2.0, 0.0, -2.0], (10, 1))
    data, _ = simulate_grm(a, d, 800, rng=rng)
    raw = data.copy()
    for item in (2, 5, 6, 8, 9):  # rses10's reverse-keyed items
        raw[f"i{item}"] = 5 - raw[f"i{item}"]
    raw.columns = [f"rses10_{c[1:]}" for c in raw.columns]
    by_instrument = irt(raw, "rses10", se=False)
    direct = irt(data, se=False)
    assert by_instrument.items == tuple(str(i) for i in range(1, 11))
    assert (by_instrument.a > 0).all()
    assert np.allclose(by_instrument.a, direct.a)
    assert by_instrument.loglik == pytest.approx(direct.loglik)
    scored = by_instrument.scores(raw.iloc[:5])
    assert np.allclose(scored["theta"], direct.scores()["theta"].iloc[:5])

"""Mis-keyed items, negative alpha and degenerate data.

References: tests/results/psych_keying.R (psych 2.2.9 alpha with check.keys = FALSE and
omega with flip = TRUE / FALSE on bfi items left unreversed) and
tests/results/psych_degenerate.R (fewer respondents than items). Tolerances: 1e-10 for
alpha (closed forms on the same matrix), 1e-5 for omega (psych's optimiser tolerance).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.reliability import (
    KeyingWarning,
    SingularCorrelationError,
    SingularCorrelationWarning,
    alpha,
    omega,
    reliability_table,
)

RESULTS = Path(__file__).resolve().parents[1] / "results"
KEY = json.loads((RESULTS / "psych_keying.json").read_text())
DEG = json.loads((RESULTS / "psych_degenerate.json").read_text())


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "bfi.csv")


@pytest.mark.parametrize("name", list(KEY["alpha"]))
def test_keying_warning_names_the_items_psych_names(bfi: pd.DataFrame, name: str) -> None:
    ref = KEY["alpha"][name]
    items = ref["items"]
    # psych prints "Some items ( A1 ) were negatively correlated with the total scale ..."
    printed = re.search(r"Some items \( (.*?) \)", ref["printed"])
    assert printed is not None
    assert printed.group(1).split() == ref["negative_pc1"]
    assert "probably \nshould be reversed" in ref["warnings"][0]
    with pytest.warns(KeyingWarning) as record:
        res = alpha(bfi, items=items)
    msgs = [str(w.message) for w in record if w.category is KeyingWarning]
    assert len(msgs) == 1
    assert f"items {ref['negative_pc1']} run against the rest of the scale" in msgs[0]
    assert msgs[0].startswith("alpha is negative") == (ref["raw_alpha"] < 0)
    np.testing.assert_allclose(res.alpha, ref["raw_alpha"], rtol=1e-10)
    np.testing.assert_allclose(res.alpha_std, ref["std_alpha"], rtol=1e-10)
    np.testing.assert_allclose(res.average_r, ref["average_r"], rtol=1e-10)
    np.testing.assert_allclose(res.item_stats["raw_r"], ref["raw_r"], rtol=1e-10)
    np.testing.assert_allclose(res.item_stats["r_drop"], ref["r_drop"], rtol=1e-10)
    if ref["g6_smc"] is not None:
        np.testing.assert_allclose(res.lambda6, ref["g6_smc"], rtol=1e-10)
    for item, r in zip(items, ref["r_drop"], strict=True):
        if item in ref["negative_pc1"]:
            assert f"{item} {r:.2f}" in msgs[0]


def test_keyed_scale_gives_no_keying_warning(bfi: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = alpha(bfi, items=KEY["omega"]["items"], keys=["A1"], response_range=(1, 6))
    assert res.alpha > 0.7


def test_omega_keeps_items_as_keyed_and_warns(bfi: pd.DataFrame) -> None:
    items = KEY["omega"]["items"]
    flip_false, flip_true = KEY["omega"]["flip_false"], KEY["omega"]["flip_true"]
    with pytest.warns(KeyingWarning, match=r"items \['A1'\] load negatively.*flip = TRUE"):
        res = omega(bfi, items=items)
    # as keyed: psych::omega(flip = FALSE)
    np.testing.assert_allclose(res.loadings["loading"], flip_false["g"], atol=1e-5)
    np.testing.assert_allclose(res.omega_total_observed, flip_false["omega_tot"], atol=1e-5)
    np.testing.assert_allclose(res.omega_total, flip_false["omega_model"], atol=1e-5)
    # reversing A1 gives psych's default (flip = TRUE), with no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rev = omega(bfi, items=items, keys=["A1"], response_range=(1, 6))
    np.testing.assert_allclose(rev.omega_total_observed, flip_true["omega_tot"], atol=1e-5)
    np.testing.assert_allclose(rev.omega_total, flip_true["omega_model"], atol=1e-5)
    np.testing.assert_allclose(rev.loadings["loading"], flip_true["g"], atol=1e-5)
    assert flip_true["omega_tot"] - res.omega_total_observed > 0.1


@pytest.fixture(scope="module")
def degenerate() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "psych_degenerate_data.csv")


def test_fewer_respondents_than_items(degenerate: pd.DataFrame) -> None:
    assert degenerate.shape == (DEG["n"], DEG["n_items"]) == (6, 10)
    assert DEG["fa"]["error"]  # psych::fa stops; omega refuses with a named error
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no raw numpy RuntimeWarning
        with pytest.raises(SingularCorrelationError, match=r"singular \(6 respondents, 10 items"):
            omega(degenerate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyingWarning)  # C4, C5 are not reversed here
        with pytest.warns(SingularCorrelationWarning, match="6 respondents, 10 items"):
            res = alpha(degenerate)
    np.testing.assert_allclose(res.alpha, DEG["alpha"]["raw_alpha"], rtol=1e-10)
    np.testing.assert_allclose(res.alpha_std, DEG["alpha"]["std_alpha"], rtol=1e-10)
    assert np.isnan(res.lambda6)  # psych smooths the matrix and reports G6 = .67
    assert res.item_stats["r_cor"].isna().all()


def test_reliability_table_reports_a_singular_scale(degenerate: pd.DataFrame) -> None:
    from stigma_analysis.instruments.model import Instrument

    ins = Instrument.from_dict(
        {
            "id": "deg",
            "name": "d",
            "status": "validated",
            "direction": "lower_is_better",
            "response": {"min": 1, "max": 6},
            "items": list(degenerate.columns),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", KeyingWarning)
        warnings.simplefilter("ignore", SingularCorrelationWarning)
        tab = reliability_table(degenerate, ins)
    assert np.isnan(tab["omega_total"].iloc[0])
    assert "singular (6 respondents, 10 items" in tab["omega_estimator"].iloc[0]
    np.testing.assert_allclose(tab["alpha"].iloc[0], DEG["alpha"]["raw_alpha"], rtol=1e-10)

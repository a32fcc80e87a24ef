"""Longitudinal invariance against semTools 0.5-6 measEq.syntax(longFacNames, long.equal) fitted
by lavaan 0.6-14 (tests/results/lavaan_inv_long.R -> lavaan_inv_long.json)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import longitudinal_invariance
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_inv_long.json").read_text())
MODEL = "stig =~ s1 + s2 + s3 + s4"


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, dict]:
    data = pd.read_csv(RESULTS.parent / "data" / "panel_two_wave.csv")
    return longitudinal_invariance(data, MODEL, waves=("t1", "t2"), return_fits=True)


def test_fit_and_lrt_match_semtools(fitted: tuple[pd.DataFrame, dict]) -> None:
    tab, _ = fitted
    for _, row in tab.iterrows():
        ref = REF["levels"][row["level"]]["fit"]
        for key in ("npar", "chisq", "df", "cfi", "tli", "aic", "bic"):
            np.testing.assert_allclose(row[key], ref[key], rtol=1e-6, err_msg=key)
        np.testing.assert_allclose(row["rmsea"], ref["rmsea"], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(row["srmr"], ref["srmr"], rtol=1e-5)
        if row["level"] != "configural":
            lrt = REF["lrt"][row["level"]]
            np.testing.assert_allclose(row["delta_chisq"], lrt["chisq_diff"], rtol=1e-6)
            np.testing.assert_allclose(row["delta_p"], lrt["p"], rtol=1e-6)
    assert tab["holds"].tolist() == [None, True, True, True]


def test_estimates_match_semtools(fitted: tuple[pd.DataFrame, dict]) -> None:
    """Lag covariances, freed later-wave factor variance and mean, equal loadings."""
    _, fits = fitted
    for level in ("configural", "scalar", "strict"):
        ours = fits[level].parameters
        ours = ours[ours["free"]]
        ref = pd.DataFrame(REF["levels"][level]["estimates"])
        ref["rhs"] = ref["rhs"].fillna("")
        m = ours.merge(ref, on=["lhs", "op", "rhs"])
        assert len(m) == len(ours)
        np.testing.assert_allclose(m["estimate"], m["est"], rtol=1e-4, atol=1e-5, err_msg=level)
        np.testing.assert_allclose(m["se_x"], m["se_y"], rtol=1e-3, err_msg=level)
    scalar = fits["scalar"].parameters.set_index(["lhs", "op", "rhs"])
    assert scalar.loc[("stig_t2", "~1", ""), "free"]
    assert scalar.loc[("s1_t1", "~~", "s1_t2"), "free"]


def test_lag_covariances_are_part_of_the_model() -> None:
    data = pd.read_csv(RESULTS.parent / "data" / "panel_two_wave.csv")
    tab = longitudinal_invariance(
        data, MODEL, waves=("t1", "t2"), levels=("configural",), lag_covariances=False
    )
    assert tab["df"].iloc[0] == REF["levels"]["configural"]["fit"]["df"] + 4


def test_longitudinal_errors() -> None:
    data = pd.read_csv(RESULTS.parent / "data" / "panel_two_wave.csv")
    with pytest.raises(ValueError, match="at least two distinct waves"):
        longitudinal_invariance(data, MODEL, waves=("t1",))
    with pytest.raises(ValueError, match="without wave"):
        longitudinal_invariance(data, "stig =~ s1 + a*s2 + s3", waves=("t1", "t2"))

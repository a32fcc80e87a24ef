"""The bundled example study (CFA of each instrument, invariance across sites) and the plot."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.instruments import load_instrument
from stigma_analysis.io import read_survey
from stigma_analysis.structure import (
    INVARIANCE_COLUMNS,
    StructureWarning,
    cfa,
    default_model,
    efa,
    invariance,
    plot_loadings,
)
from tests.conftest import EXAMPLE_STUDY, RESULTS

SHIPPED = {"ismi29": "ismi_{item}", "eds9": "eds_{item}", "mspss12": "mspss_{item}",
           "hscl25": "hscl_{item}", "rses10": "rses_{item}"}  # fmt: skip


@pytest.fixture(scope="module")
def wave1() -> pd.DataFrame:
    data = read_survey(EXAMPLE_STUDY.parent / "wave1.sav").data
    items = [c for c in data.columns if c.split("_")[0] in {"ismi", "eds", "mspss", "hscl", "rses"}]
    data = data.copy()
    data[items] = data[items].where(~data[items].isin([97, 98, 99]))  # the study's missing codes
    return data


@pytest.mark.parametrize("instrument", list(SHIPPED))
def test_example_cfa_of_each_instrument(wave1: pd.DataFrame, instrument: str) -> None:
    model = default_model(load_instrument(instrument), SHIPPED[instrument])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StructureWarning)  # flags are checked via the result
        res = cfa(wave1, model)
    elapsed = time.perf_counter() - start
    assert res.converged
    assert elapsed < 10  # ~0.1 s warm on one core; generous for a shared CI machine
    assert 0.9 < res.fit["cfi"] <= 1.0  # simulated from the instruments' own structure
    assert res.fit["rmsea"] < 0.08
    assert (res.loadings["std_estimate"] > 0.2).all() or instrument == "rses10"


EXAMPLE_REF = json.loads((RESULTS / "lavaan_example_ismi.json").read_text())
LAVAAN_KEY = {"rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper"}


@pytest.fixture(scope="module")
def ismi_model(wave1: pd.DataFrame) -> str:
    model = default_model(load_instrument("ismi29"), "ismi_{item}")
    assert model.strip() == (RESULTS / "lavaan_example_ismi.model").read_text().strip()
    items = [c for c in wave1.columns if c.startswith("ismi_")]
    complete = wave1[[*items, "site"]].dropna()
    if (len(complete), complete[items].to_numpy().sum()) != (
        EXAMPLE_REF["n_complete"],
        EXAMPLE_REF["sum_items"],
    ):
        # a regenerated example must not silently drop the lavaan comparison
        pytest.fail(
            "the example study's ISMI data differ from tests/results/lavaan_example_ismi.json "
            "(was the example regenerated?): rerun Rscript tests/results/lavaan_example_ismi.R"
        )
    return model


def test_example_ismi_cfa_matches_lavaan(wave1: pd.DataFrame, ismi_model: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StructureWarning)
        res = cfa(wave1, ismi_model)
    ref = EXAMPLE_REF["single"]
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "rmsea_ci_high", "srmr", "aic", "bic"):
        np.testing.assert_allclose(res.fit[key], ref["fit"][LAVAAN_KEY.get(key, key)], rtol=1e-5)
    np.testing.assert_allclose(res.loadings["std_estimate"], ref["std_loadings"], atol=1e-5)


def test_example_invariance_across_sites_matches_lavaan(
    wave1: pd.DataFrame, ismi_model: str
) -> None:
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        tab = invariance(wave1, ismi_model, group="site")
    elapsed = time.perf_counter() - start
    assert elapsed < 30  # 29 items, 5 factors, 4 sites, 4 levels: ~4 s on one busy core
    assert list(tab.columns) == INVARIANCE_COLUMNS
    assert tab["converged"].all()
    for row in tab.itertuples():
        ref = EXAMPLE_REF["multigroup"][row.level]["fit"]
        for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic"):
            np.testing.assert_allclose(
                getattr(row, key), ref[LAVAAN_KEY.get(key, key)], rtol=1e-5, err_msg=key
            )
    lrt = pd.DataFrame(EXAMPLE_REF["lrt"])
    np.testing.assert_allclose(tab["delta_chisq"][1:], lrt["delta_chisq"][1:], rtol=1e-5)
    np.testing.assert_allclose(tab["delta_p"][1:], lrt["delta_p"][1:], rtol=1e-5)
    np.testing.assert_array_equal(tab["delta_df"][1:], lrt["delta_df"][1:])
    # 335 complete cases over 4 sites: every site is below 5 cases per free parameter
    assert tab["small_sample"].all()
    assert any("small sample" in str(w.message) for w in record)


def test_plot_loadings_efa_cfa_and_table() -> None:
    from matplotlib.axes import Axes

    hs = pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")
    items = hs[[f"x{i}" for i in range(1, 10)]]
    e = efa(items, n_factors=3)
    ax = plot_loadings(e)
    assert isinstance(ax, Axes)
    assert ax.get_title().startswith("EFA loadings")
    c = cfa(hs, "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9")
    import matplotlib.pyplot as plt

    _, ax2 = plt.subplots()
    assert plot_loadings(c, ax=ax2, threshold=None) is ax2
    assert [t.get_text() for t in ax2.get_yticklabels()] == [f"x{i}" for i in range(1, 10)]
    assert isinstance(plot_loadings(e.loadings), Axes)
    with pytest.raises(ValueError, match="group must be one of"):
        plot_loadings(c, group="nope")
    with pytest.raises(TypeError, match="EFAResult, CFAResult or DataFrame"):
        plot_loadings([1, 2])  # type: ignore[arg-type]

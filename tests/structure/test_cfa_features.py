"""CFA syntax, identification options, warnings for small / improper / non-converged fits."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.instruments import load_instrument
from stigma_analysis.structure import (
    ImproperSolutionWarning,
    NonConvergenceWarning,
    SmallSampleWarning,
    StructureWarning,
    cfa,
    default_model,
    invariance,
    parse_model,
)
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_hs.json").read_text())
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")


def test_modifiers_labels_and_residual_covariances_match_lavaan(hs: pd.DataFrame) -> None:
    ref = REF["single_modifiers"]
    res = cfa(hs, ref["model"])
    assert res.converged
    for key, lav in [("chisq", "chisq"), ("df", "df"), ("cfi", "cfi"), ("rmsea", "rmsea"),
                     ("srmr", "srmr"), ("aic", "aic"), ("bic", "bic")]:  # fmt: skip
        np.testing.assert_allclose(res.fit[key], ref["fit"][lav], rtol=1e-5, err_msg=key)
    par = res.parameters.set_index(["lhs", "op", "rhs"])
    assert (
        par.loc[("visual", "=~", "x2"), "estimate"] == par.loc[("visual", "=~", "x3"), "estimate"]
    )
    assert par.loc[("visual", "~~", "speed"), "estimate"] == 0.0
    assert not par.loc[("visual", "~~", "speed"), "free"]
    pe = pd.DataFrame(ref["estimates"]).set_index(["lhs", "op", "rhs"])
    np.testing.assert_allclose(
        par.loc[("x7", "~~", "x8"), "estimate"], pe.loc[("x7", "~~", "x8"), "est"], rtol=1e-4
    )


def test_parse_model_modifiers_and_continuation() -> None:
    terms = parse_model("f1 =~ NA*a + 0.5*b +\n c  # comment\nf1 ~~ 1*f1; a ~~ lab*b")
    assert [(t.lhs, t.op, t.rhs) for t in terms] == [
        ("f1", "=~", "a"), ("f1", "=~", "b"), ("f1", "=~", "c"), ("f1", "~~", "f1"),
        ("a", "~~", "b"),
    ]  # fmt: skip
    assert terms[0].force_free
    assert terms[1].fixed == 0.5
    assert terms[3].fixed == 1.0
    assert terms[4].label == "lab"


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ("y ~ x1 + x2", "regressions and intercepts"),
        ("f =~ x1 + x2\nx1 ~ 1", "regressions and intercepts"),
        ("f =~ x1 + x2\nd := a*b", "unsupported model statement"),
        ("x1 ~~ x2", "defines no factor"),
        ("f =~ x1 + x2\nf =~ x1", "names the parameter f =~ x1 twice"),
        ("f =~ 2x + x1", "bad variable name"),
        ("f =~ x1 ++ x2", "empty term"),
    ],
)
def test_parse_model_errors(model: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_model(model)


def test_cfa_argument_errors(hs: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="estimator must be 'ML'"):
        cfa(hs, HS_MODEL, estimator="WLSMV")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="group_equal must be among"):
        cfa(hs, HS_MODEL, group="school", group_equal=("slopes",))
    with pytest.raises(ValueError, match="needs a group column"):
        cfa(hs, HS_MODEL, group_equal=("loadings",))
    with pytest.raises(ValueError, match=r"no column\(s\) \['x99'\]"):
        cfa(hs, "f =~ x1 + x2 + x99")
    with pytest.raises(ValueError, match="not identified"):
        cfa(hs, "f =~ x1 + x2")
    with pytest.raises(TypeError, match="pandas DataFrame"):
        cfa(hs.to_numpy(), HS_MODEL)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="levels must be among"):
        invariance(hs, HS_MODEL, group="school", levels=("configural", "partial"))


def test_small_group_warns_and_is_recorded(hs: pd.DataFrame) -> None:
    small = hs.iloc[:80]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = cfa(small, HS_MODEL)
    # (these 80 cases also give a Heywood case for x1: both are reported)
    kinds = {w.category for w in record}
    assert kinds == {SmallSampleWarning, ImproperSolutionWarning}
    msg = next(str(w.message) for w in record if w.category is SmallSampleWarning)
    assert "all (n = 80) have fewer than 105" in msg
    assert res.small_sample
    assert any("small sample" in p for p in res.problems)
    assert issubclass(SmallSampleWarning, UserWarning)
    assert issubclass(SmallSampleWarning, StructureWarning)


def test_non_convergence_is_never_reported_as_fine(hs: pd.DataFrame) -> None:
    with pytest.warns(NonConvergenceWarning, match="did not converge"):
        res = cfa(hs, HS_MODEL, max_iter=2)
    assert not res.converged
    assert np.isnan(res.fit["chisq"])
    assert np.isnan(res.fit["cfi"])
    assert res.fit["df"] == 24
    assert res.loadings["se"].isna().all()
    assert not res.to_frame()["converged"].item()


def _exact_sample(cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n rows whose (divisor n) covariance matrix is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True)).T)
    return z @ np.linalg.cholesky(cov).T


def test_heywood_case_is_flagged() -> None:
    # one factor, three indicators: lambda_1^2 = r12 r13 / r23 = 1.28 > 1, so theta_1 < 0
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    data = pd.DataFrame(_exact_sample(cov, 400, 1), columns=["a", "b", "c"])
    with pytest.warns(ImproperSolutionWarning) as record:
        res = cfa(data, "f =~ a + b + c")
    messages = " | ".join(str(w.message) for w in record)
    assert "negative residual variance (Heywood case) for a" in messages
    assert "standardised loading above 1 for f =~ a" in messages
    assert res.improper
    assert res.converged
    np.testing.assert_allclose(res.loadings["std_estimate"].iloc[0], np.sqrt(1.28), rtol=1e-8)
    assert res.fit["df"] == 0


def test_warn_false_records_without_warning(hs: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cfa(hs.iloc[:80], HS_MODEL, warn=False)
    assert res.small_sample


def test_invariance_warns_once_per_kind(hs: pd.DataFrame) -> None:
    with pytest.warns(SmallSampleWarning) as record:
        invariance(hs, HS_MODEL, group="school", levels=("configural", "metric"))
    assert len([w for w in record if issubclass(w.category, SmallSampleWarning)]) == 1


def test_default_model_from_instrument() -> None:
    ins = load_instrument("mspss12")
    model = default_model(ins, "mspss_{item}")
    lines = model.splitlines()
    assert len(lines) == len(ins.subscales()) == 3
    for line, sub in zip(lines, ins.subscales(), strict=True):
        items = [f"mspss_{i}" for i in ins.scale_items(sub)]
        assert line == f"{sub} =~ " + " + ".join(items)
    terms = parse_model(model)
    assert len(terms) == 12


def test_default_model_without_subscales_is_one_factor() -> None:
    ins = load_instrument("rses10")
    model = default_model(ins, "r{item}")
    assert len(model.splitlines()) == 1
    assert len(parse_model(model)) == len(ins.items)


def test_listwise_deletion_and_group_order(hs: pd.DataFrame) -> None:
    data = hs.copy()
    data.loc[:4, "x1"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        res = cfa(data, HS_MODEL, group="school")
    assert res.n_dropped == 5
    assert sum(res.n_obs) == len(hs) - 5
    assert res.groups == tuple(pd.unique(data["school"]))
    assert set(res.loadings["group"]) == set(res.groups)

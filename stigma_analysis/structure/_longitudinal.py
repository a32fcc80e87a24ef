"""Longitudinal measurement invariance: the same people measured at several waves (private).

Continuous items are fitted by ML through :func:`cfa` with a table edit (:func:`_hook`);
ordered items by WLSMV through the ordinal multi-group machinery of ``_invariance_ordinal``
with a one-group table whose equalities run across waves (:func:`_ordinal_long_model`), Wu &
Estabrook (2016) identification as ``semTools::measEq.syntax(ID.cat = "Wu.Estabrook.2016",
longFacNames = ..., long.equal = ...)``: at the first wave item intercepts 0, scale factors 1,
factor means 0 and variances 1; the later waves' intercepts and scale factors are fixed (0, 1)
in the configural model and free once thresholds are equal, their factor variances free once
loadings are equal, and with equal intercepts the intercepts are 0 again and the factor means
free. Each item's latent-response residual covariance with itself at the other waves is free
(``lag_covariances``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import _invariance_ordinal as ordm
from ._cfa import _prepare, _variables, cfa
from ._dwls import ordinal_codes
from ._engine import ALPHA, LAMBDA, NU, PSI, THETA, Table
from ._invariance import (
    DECISION_RULES,
    LEVELS,
    check_levels,
    fit_levels,
    level_table,
    ordinal_table,
)
from ._invariance_ordinal import (
    ORDINAL_LEVELS,
    OrdinalFit,
    OrdinalModel,
    fit_ordinal,
    group_statistics,
)
from ._syntax import parse_model
from ._warnings import SmallSampleWarning

__all__ = ["longitudinal_invariance"]


def _wave_model(model: str, waves: Sequence[str], sep: str, lag: bool) -> tuple[str, dict]:
    """The wide-format syntax (one factor per wave) and the wave map of items and factors."""
    terms = parse_model(model)
    if any(t.op != "=~" or t.fixed is not None or t.label for t in terms):
        raise ValueError(
            "longitudinal_invariance takes a plain 'factor =~ items' model without wave "
            "suffixes; the waves, equalities and lag covariances are added for you"
        )
    items, factors = _variables(terms)
    lines = []
    for w in waves:
        for f in factors:
            rhs = " + ".join(f"{t.rhs}{sep}{w}" for t in terms if t.lhs == f)
            lines.append(f"{f}{sep}{w} =~ {rhs}")
    if lag:
        for x in items:
            for a in range(len(waves)):
                for b in range(a + 1, len(waves)):
                    lines.append(f"{x}{sep}{waves[a]} ~~ {x}{sep}{waves[b]}")
    loads_on = {t.rhs: t.lhs for t in reversed(terms)}  # an item's first factor
    wave_map = {
        "items": [[f"{x}{sep}{w}" for w in waves] for x in items],
        "factors": [[f"{f}{sep}{w}" for w in waves] for f in factors],
        "item_factor": [[f"{loads_on[x]}{sep}{w}" for w in waves] for x in items],
    }
    return "\n".join(lines), wave_map


def _hook(wave_map: dict, equal: tuple[str, ...]) -> Any:
    """Table edit: equal loadings / intercepts / residual variances of the same item across
    waves; the later waves' factor variances (equal loadings) and means (equal intercepts) free,
    as semTools::measEq.syntax(ID.fac = "std.lv", longFacNames = ..., long.equal = ...)."""

    def edit(tb: Table) -> Table:
        oi = {v: i for i, v in enumerate(tb.observed)}
        fi = {v: i for i, v in enumerate(tb.factors)}
        free = list(tb.free)
        value = list(tb.value)
        nxt = tb.n_free
        mat, row, col = tb.mat, tb.row, tb.col
        where = {(mat[r], row[r], col[r]): r for r in range(len(mat))}
        for fam, fws in zip(wave_map["items"], wave_map["item_factor"], strict=True):
            first = fam[0]
            for x, f in zip(fam[1:], fws[1:], strict=True):
                pairs = []
                if "loadings" in equal:
                    pairs.append(((LAMBDA, oi[x], fi[f]), (LAMBDA, oi[first], fi[fws[0]])))
                if "intercepts" in equal:
                    pairs.append(((NU, oi[x], 0), (NU, oi[first], 0)))
                if "residuals" in equal:
                    pairs.append(((THETA, oi[x], oi[x]), (THETA, oi[first], oi[first])))
                for later, base in pairs:
                    free[where[later]] = free[where[base]]
        for fam in wave_map["factors"]:
            for f in fam[1:]:
                j = fi[f]
                if "loadings" in equal:
                    r = where[(PSI, j, j)]
                    free[r], value[r], nxt = nxt, np.nan, nxt + 1
                if "intercepts" in equal:
                    r = where[(ALPHA, j, 0)]
                    free[r], value[r], nxt = nxt, np.nan, nxt + 1
        # renumber the free parameters 0..k-1 in table order
        order: dict[int, int] = {}
        for k in free:
            if k >= 0 and k not in order:
                order[k] = len(order)
        new = [order[k] if k >= 0 else -1 for k in free]
        return dataclasses.replace(tb, free=new, value=value, n_free=len(order))

    return edit


def _ordinal_long_model(  # noqa: PLR0917
    items: list[str],
    factors: list[str],
    pattern: list[tuple[int, int]],
    nth: list[int],
    n_waves: int,
    equal: tuple[str, ...],
    lag: bool,
    wide_names: tuple[list[str], list[str]],
) -> OrdinalModel:
    """One-group ordinal table of the wide model (item x of wave w at w * len(items) + x,
    named by ``wide_names`` (items, factors)), equalities across waves of the same item as
    ``equal`` (thresholds, loadings, intercepts)."""
    p, m = len(items), len(factors)
    wide_items, wide_factors = wide_names
    wide_pattern = [(w * p + x, w * m + f) for w in range(n_waves) for x, f in pattern]
    mod = OrdinalModel(wide_items, wide_factors, wide_pattern, nth * n_waves, 1)
    index: dict[tuple[object, ...], int] = {}
    thr, lam_eq, nu_eq = ("thresholds" in equal), ("loadings" in equal), ("intercepts" in equal)

    def add(k: int, a: int, b: int, key: tuple[object, ...] | None) -> None:
        mod.group.append(0)
        mod.kind.append(k)
        mod.i.append(a)
        mod.j.append(b)
        if key is None:  # fixed: 1 for scale factors and first-wave variances, else 0
            mod.free.append(-1)
            mod.value.append(1.0 if k in (ordm.DELTA, ordm.PSI) else 0.0)
            return
        mod.free.append(index.setdefault(key, len(index)))
        mod.value.append(np.nan)

    for w in range(n_waves):
        for x, f in pattern:
            add(ordm.LAM, w * p + x, w * m + f, ("lam", x, f) if lam_eq else ("lam", w, x, f))
    for a in range(n_waves * m):
        wa = a // m
        add(ordm.PSI, a, a, ("psi", a) if (wa > 0 and lam_eq) else None)
        for b in range(a + 1, n_waves * m):
            add(ordm.PSI, a, b, ("psi", a, b))
    for w in range(n_waves):
        for x, n in enumerate(nth):
            for t in range(n):
                add(ordm.TAU, w * p + x, t, ("tau", x, t) if thr else ("tau", w, x, t))
    for w in range(n_waves):
        for x in range(p):
            later = w > 0
            add(ordm.NU, w * p + x, 0, ("nu", w, x) if (later and thr and not nu_eq) else None)
            add(ordm.DELTA, w * p + x, 0, ("delta", w, x) if (later and thr) else None)
    for w in range(n_waves):
        for f in range(m):
            add(ordm.ALPHA, w * m + f, 0, ("alpha", w, f) if (w > 0 and nu_eq) else None)
    if lag:
        for x in range(p):
            for w1 in range(n_waves):
                for w2 in range(w1 + 1, n_waves):
                    add(ordm.THETA, w1 * p + x, w2 * p + x, ("theta", x, w1, w2))
    mod.n_free = len(index)
    return mod


def _ordinal_long(  # noqa: PLR0917
    data: pd.DataFrame,
    model: str,
    waves: list[str],
    sep: str,
    lag: bool,
    levels: tuple[str, ...],
) -> tuple[dict[str, OrdinalFit], float, list[str]]:
    """Fit the ordinal longitudinal levels: fits, n and the small-sample message (if any)."""
    terms = parse_model(model)
    items, factors = _variables(terms)
    pattern = [(items.index(t.rhs), factors.index(t.lhs)) for t in terms]
    wide = [f"{x}{sep}{w}" for w in waves for x in items]
    _, Xs, _ = _prepare(data, wide, None)
    X = Xs[0]
    p = len(items)
    for x in range(p):  # thresholds are equated across waves: the same categories at each
        seen = [np.unique(X[:, w * p + x]) for w in range(len(waves))]
        if any(not np.array_equal(seen[0], s_) for s_ in seen[1:]):
            cats = {wide[w * p + x]: s_.tolist() for w, s_ in enumerate(seen)}
            raise ValueError(
                f"ordinal item {items[x]!r} has different observed categories across waves "
                f"({cats}): its thresholds cannot be compared over time; collapse categories "
                "first"
            )
    codes, ncat = ordinal_codes(X, wide)
    stats_ = group_statistics([codes], ncat, wide, ["all"])
    nth = [int(k) - 1 for k in ncat[:p]]
    wide_names = (wide, [f"{f}{sep}{w}" for w in waves for f in factors])
    fits: dict[str, OrdinalFit] = {}
    for lv in levels:
        mod = _ordinal_long_model(
            items, factors, pattern, nth, len(waves), ORDINAL_LEVELS[lv], lag, wide_names
        )
        fits[lv] = fit_ordinal(mod, stats_)
        fits[lv].labels = ["all"]
    n = float(len(X))
    npar = max(f.model.n_free for f in fits.values())
    need = max(100, 5 * npar)
    msgs = []
    if n < need:
        msgs.append(
            f"small sample: {int(n)} complete cases, fewer than {need} (rule of thumb: at least "
            f"100 and 5 per free parameter; {npar} free parameters); WLSMV estimates and fit "
            "indices are unstable"
        )
    return fits, n, msgs


def longitudinal_invariance(
    data: pd.DataFrame,
    model: str,
    *,
    waves: Sequence[str],
    sep: str = "_",
    levels: Sequence[str] | None = None,
    lag_covariances: bool = True,
    ordered: bool = False,
    rule: Literal["chen2007", "chisq"] = "chen2007",
    alpha: float = 0.05,
    return_fits: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, Any]]:
    """Measurement invariance over waves for the same respondents (wide data).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person; item ``x`` at wave ``w`` in column ``f"{x}{sep}{w}"``.
    model : str
        The measurement model of one wave, without suffixes, e.g. ``"stig =~ s1 + s2 + s3"``.
    waves : sequence of str
        Wave suffixes in time order, e.g. ``("t1", "t2")``.
    sep : str
        Separator between item name and wave suffix.
    levels : sequence of str, optional
        As :func:`invariance`, with the equalities across waves instead of groups. Continuous
        items (default ``configural, metric, scalar, strict``); ordinal items (``ordered=True``,
        default ``configural, thresholds, metric, scalar``).
    lag_covariances : bool
        Free the residual covariance of each item with itself at every other wave (the same
        person answers the same item twice; semTools' ``auto = "all"``). For ordinal items the
        covariance of the latent responses.
    ordered : bool
        Treat the items as ordered categories, as :func:`invariance` does: WLSMV with Wu &
        Estabrook (2016) identification, the scaled-shifted chi-square, scaled CFI / TLI / RMSEA
        and Satorra (2000) difference tests. The same item must show the same categories at
        every wave (its thresholds are equated over time).
    rule, alpha
        Decision rule, as :func:`invariance` (Chen 2007 cut-offs; for ordinal items on the
        scaled CFI / RMSEA).
    return_fits : bool
        Also return the fit of each level (:class:`CFAResult`, or for ordinal items the private
        ordinal fit with ``.fit`` and ``.parameters()``).

    Returns
    -------
    pandas.DataFrame
        One row per level with ``INVARIANCE_COLUMNS`` (ordinal: ``ORDINAL_COLUMNS``); with
        ``return_fits`` a tuple.

    Notes
    -----
    Identification as ``measEq.syntax(ID.fac = "std.lv")``: factor variances 1 and means 0 at
    the first wave; once loadings are equal the later waves' variances are free, once
    intercepts are equal their means are free. The factors of different waves covary freely.
    Ordinal items: ``ID.cat = "Wu.Estabrook.2016"`` (see the module notes).

    Matches R semTools 0.5-6 ``measEq.syntax(longFacNames = ..., long.equal = ...)`` fitted by
    lavaan 0.6-14 (ML) and lavTestLRT on a simulated two-wave panel
    (tests/data/panel_two_wave.csv) to 1e-6 relative; ordinal: the same panel cut into four
    categories, fitted by WLSMV (``parameterization = "delta"``) with
    ``lavTestLRT(method = "satorra.2000")``, fit measures and difference tests to 1e-5
    relative (tests/results/lavaan_long_ordinal.R).
    """
    if rule not in DECISION_RULES:
        raise ValueError(f"rule must be one of {DECISION_RULES}, got {rule!r}")
    waves = [str(w) for w in waves]
    if len(waves) < 2 or len(set(waves)) != len(waves):
        raise ValueError(f"waves must name at least two distinct waves, got {waves}")
    levels = check_levels(levels, ordered)
    syntax, wave_map = _wave_model(model, waves, sep, lag_covariances)
    if ordered:
        ofits, n, small_msgs = _ordinal_long(data, model, waves, sep, lag_covariances, levels)
        for msg in small_msgs:
            warnings.warn(msg, SmallSampleWarning, stacklevel=2)
        table = ordinal_table(ofits, levels, [n], rule, alpha, bool(small_msgs))
        return (table, dict(ofits)) if return_fits else table
    fits, problems = fit_levels(
        lambda lv: cfa(
            data,
            syntax,
            std_lv=True,
            meanstructure=True,
            _table_hook=_hook(wave_map, LEVELS[lv]),
        ),
        levels,
    )
    table = level_table(fits, levels, rule, alpha)
    for msg, cat in problems:
        warnings.warn(msg, cat, stacklevel=2)
    return (table, fits) if return_fits else table

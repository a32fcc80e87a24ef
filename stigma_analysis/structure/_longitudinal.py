"""Longitudinal measurement invariance: the same people measured at several waves (private)."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._cfa import CFAResult, _variables, cfa
from ._engine import ALPHA, LAMBDA, NU, PSI, THETA, Table
from ._invariance import DECISION_RULES, INVARIANCE_COLUMNS, LEVELS, decide
from ._syntax import parse_model

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


def longitudinal_invariance(
    data: pd.DataFrame,
    model: str,
    *,
    waves: Sequence[str],
    sep: str = "_",
    levels: Sequence[str] = ("configural", "metric", "scalar", "strict"),
    lag_covariances: bool = True,
    rule: Literal["chen2007", "chisq"] = "chen2007",
    alpha: float = 0.05,
    return_fits: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, CFAResult]]:
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
    levels : sequence of str
        As :func:`invariance` (``configural``, ``metric``, ``scalar``, ``strict``), with the
        equalities across waves instead of groups.
    lag_covariances : bool
        Free the residual covariance of each item with itself at every other wave (the same
        person answers the same item twice; semTools' ``auto = "all"``).
    rule, alpha
        Decision rule, as :func:`invariance`.
    return_fits : bool
        Also return the :class:`CFAResult` of each level.

    Returns
    -------
    pandas.DataFrame
        One row per level with ``INVARIANCE_COLUMNS``; with ``return_fits`` a tuple.

    Notes
    -----
    Identification as ``measEq.syntax(ID.fac = "std.lv")``: factor variances 1 and means 0 at
    the first wave; once loadings are equal the later waves' variances are free, once
    intercepts are equal their means are free. The factors of different waves covary freely.

    Matches R semTools 0.5-6 ``measEq.syntax(longFacNames = ..., long.equal = ...)`` fitted by
    lavaan 0.6-14 (ML) and lavTestLRT on a simulated two-wave panel
    (tests/data/panel_two_wave.csv) to 1e-6 relative.
    """
    from scipy import stats

    if rule not in DECISION_RULES:
        raise ValueError(f"rule must be one of {DECISION_RULES}, got {rule!r}")
    waves = [str(w) for w in waves]
    if len(waves) < 2 or len(set(waves)) != len(waves):
        raise ValueError(f"waves must name at least two distinct waves, got {waves}")
    levels = tuple(levels)
    bad = [lv for lv in levels if lv not in LEVELS]
    if not levels or bad:
        raise ValueError(f"levels must be among {tuple(LEVELS)}, got {list(levels)}")
    syntax, wave_map = _wave_model(model, waves, sep, lag_covariances)
    fits: dict[str, CFAResult] = {}
    problems: list[tuple[str, type[Warning]]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for lv in levels:
            fits[lv] = cfa(
                data, syntax, std_lv=True, meanstructure=True,
                _table_hook=_hook(wave_map, LEVELS[lv]),
            )  # fmt: skip
    seen: set[type[Warning]] = set()
    for w in caught:
        if w.category not in seen:
            seen.add(w.category)
            problems.append((str(w.message), w.category))
    rows = []
    prev = None
    for lv in levels:
        r = fits[lv]
        row: dict[str, Any] = {"level": lv, **{k: r.fit[k] for k in INVARIANCE_COLUMNS[1:12]}}
        row["npar"] = int(r.fit["npar"])
        if prev is None:
            row |= dict.fromkeys(INVARIANCE_COLUMNS[13:19], np.nan)
            row |= {"holds": None, "decision": "reference level"}
        else:
            dchi = r.fit["chisq"] - prev.fit["chisq"]
            ddf = r.fit["df"] - prev.fit["df"]
            row |= {
                "delta_chisq": dchi,
                "delta_df": ddf,
                "delta_p": float(stats.chi2.sf(dchi, ddf)) if ddf > 0 else np.nan,
                "delta_cfi": r.fit["cfi"] - prev.fit["cfi"],
                "delta_rmsea": r.fit["rmsea"] - prev.fit["rmsea"],
                "delta_srmr": r.fit["srmr"] - prev.fit["srmr"],
            }
            row["holds"], row["decision"] = decide(
                lv, delta_cfi=row["delta_cfi"], delta_rmsea=row["delta_rmsea"],
                delta_srmr=row["delta_srmr"], delta_p=row["delta_p"], rule=rule,
                ns=r.n_obs, alpha=alpha,
            )  # fmt: skip
        row |= {"converged": r.converged, "improper": r.improper, "small_sample": r.small_sample}
        rows.append(row)
        prev = r
    for msg, cat in problems:
        warnings.warn(msg, cat, stacklevel=2)
    table = pd.DataFrame(rows)[INVARIANCE_COLUMNS]
    return (table, fits) if return_fits else table

"""Retention and completers vs drop-outs for :func:`stigma_analysis.evaluation.attrition`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.evaluation._common import _as_tuple, _check_unique, _grouped, _require

__all__ = ["BASELINE_COLUMNS", "AttritionResult", "attrition"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AttritionResult:
    """Retention over waves and a baseline comparison of completers and drop-outs.

    Attributes
    ----------
    retention : pandas.DataFrame
        ``by..., wave, n_seen, n_baseline, n_present, pct_retained``: ``n_seen`` respondents
        were seen at the wave (late entrants included, grouped by that wave's row); of the
        ``n_baseline`` respondents present at baseline, ``n_present`` are present at the wave
        (``pct_retained``, percent, 0-100).
    baseline : pandas.DataFrame
        ``by..., variable, level, statistic, n_completers, n_dropouts, completers,
        completers_sd, dropouts, dropouts_sd, smd, test, p`` (see :func:`attrition`).
    final_wave
        The wave that defines a completer.
    """

    retention: pd.DataFrame
    baseline: pd.DataFrame
    final_wave: Any

    def to_frame(self) -> pd.DataFrame:
        """The retention table."""
        return self.retention.copy()


BASELINE_COLUMNS = (
    "variable",
    "level",
    "statistic",
    "n_completers",
    "n_dropouts",
    "completers",
    "completers_sd",
    "dropouts",
    "dropouts_sd",
    "smd",
    "test",
    "p",
)


def _compare_numeric(x: pd.Series, done: pd.Series) -> list[dict[str, Any]]:
    from scipy import stats

    ok = x.notna()
    a = x[ok & done].astype(float).to_numpy()
    b = x[ok & ~done].astype(float).to_numpy()
    ma, mb = (a.mean() if a.size else np.nan), (b.mean() if b.size else np.nan)
    sa = a.std(ddof=1) if a.size > 1 else np.nan
    sb = b.std(ddof=1) if b.size > 1 else np.nan
    pooled = math.sqrt((sa**2 + sb**2) / 2) if np.isfinite(sa) and np.isfinite(sb) else np.nan
    smd = (ma - mb) / pooled if pooled and np.isfinite(pooled) else np.nan
    p = np.nan
    if a.size > 1 and b.size > 1 and (sa > 0 or sb > 0):
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return [
        {
            "level": "",
            "statistic": "mean",
            "n_completers": a.size,
            "n_dropouts": b.size,
            "completers": ma,
            "completers_sd": sa,
            "dropouts": mb,
            "dropouts_sd": sb,
            "smd": smd,
            "test": "welch_t",
            "p": p,
        }
    ]


def _compare_categorical(x: pd.Series, done: pd.Series) -> list[dict[str, Any]]:
    from scipy import stats

    ok = x.notna()
    table = pd.crosstab(x[ok].astype(str), done[ok]).reindex(columns=[True, False], fill_value=0)
    n_c, n_d = int(table[True].sum()), int(table[False].sum())
    p = np.nan
    if table.shape[0] > 1 and n_c > 0 and n_d > 0:
        p = float(stats.chi2_contingency(table.to_numpy(), correction=False).pvalue)
    rows = []
    for level, counts in table.iterrows():
        pc = counts[True] / n_c if n_c else np.nan
        pd_ = counts[False] / n_d if n_d else np.nan
        spread = math.sqrt((pc * (1 - pc) + pd_ * (1 - pd_)) / 2) if n_c and n_d else np.nan
        rows.append(
            {
                "level": str(level),
                "statistic": "proportion",
                "n_completers": n_c,
                "n_dropouts": n_d,
                "completers": pc,
                "completers_sd": np.nan,
                "dropouts": pd_,
                "dropouts_sd": np.nan,
                "smd": (pc - pd_) / spread if spread and np.isfinite(spread) else np.nan,
                "test": "chi_square",
                "p": p,
            }
        )
    return rows


def attrition(
    data: Any,
    *,
    id: str | None = None,
    wave: str = "wave",
    baseline: Any = None,
    final: Any = None,
    compare: Sequence[str] = (),
    by: str | Sequence[str] = (),
    present: str | None = None,
    categorical: Sequence[str] = (),
) -> AttritionResult:
    """Who stays in the study: retention per wave and completers vs drop-outs at baseline.

    Parameters
    ----------
    data : pandas.DataFrame or Study
        Long data: one row per respondent x wave. A loaded
        :class:`~stigma_analysis.study.Study` gives its raw rows, id and wave columns.
    id : str
        Respondent id column (taken from the study for a Study).
    wave : str, default "wave"
    baseline : optional
        The baseline wave; only respondents present there are followed. Default: the first.
    final : optional
        The wave that defines a completer (present there); default the last wave.
    compare : sequence of str
        Baseline variables to compare. Numeric columns give means/sds, a standardised mean
        difference and Welch's t test; other columns (text, categorical, boolean) give one row
        per level with proportions, a standardised difference of proportions and a chi-square
        test of the whole table (no continuity correction; the same p on each level's row).
    by : str or sequence of str, default ()
        Grouping columns (from the baseline row), e.g. ``("site", "arm")``.
    present : str, optional
        If given, a respondent counts as present at a wave only where this column (usually the
        main score) is not missing; otherwise having a row is enough.
    categorical : sequence of str, default ()
        Variables of ``compare`` to treat as categorical although their codes are numbers
        (SPSS codes such as ``site`` 1-4).

    Returns
    -------
    AttritionResult
        ``retention`` and ``baseline`` tables (see :class:`AttritionResult`). In ``baseline``,
        ``completers``/``dropouts`` hold the means (or proportions), ``*_sd`` the sds (NaN for
        proportions), ``smd`` is completers minus drop-outs over
        :math:`\\sqrt{(s_c^2 + s_d^2)/2}` (for proportions :math:`s^2 = p(1-p)`), ``test`` is
        ``"welch_t"`` or ``"chi_square"``.

    Notes
    -----
    |smd| > 0.1 is the usual flag for an imbalance worth adjusting for (Austin 2009); with
    attrition related to baseline variables, complete-case analyses are biased unless those
    variables are in the model (missing at random).

    References
    ----------
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
    covariates between treatment groups in propensity-score matched samples.
    *Statistics in Medicine*, 28(25), 3083-3107.

    Checked against: scipy.stats ``ttest_ind(equal_var=False)`` and ``chi2_contingency`` on
    synthetic data with known drop-out (tests/test_evaluation.py).

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.evaluation import attrition
    >>> long = pd.DataFrame({"resp_id": [1, 2, 3, 4, 1, 2, 3], "wave": [1, 1, 1, 1, 2, 2, 2],
    ...                      "arm": ["intervention", "intervention", "comparison", "comparison",
    ...                              "intervention", "intervention", "comparison"]})
    >>> res = attrition(long, id="resp_id", compare=["arm"])
    >>> res.retention
       wave  n_seen  n_baseline  n_present  pct_retained
    0     1       4           4          4         100.0
    1     2       3           4          3          75.0
    >>> res.baseline[["variable", "level", "completers", "dropouts", "smd"]].round(3)
      variable         level  completers  dropouts  smd
    0      arm    comparison       0.333       1.0 -2.0
    1      arm  intervention       0.667       0.0  2.0
    """
    if not isinstance(data, pd.DataFrame) and hasattr(data, "spec"):  # a Study
        id = data.id if id is None else id
        wave = data.wave
        data = data.data.loc[:, [c for c in data.data.columns if not str(c).startswith("_")]]
    if id is None:
        raise TypeError("attrition(data): id= (the respondent id column) is required")
    by = _as_tuple(by, "by")
    compare = _as_tuple(compare, "compare")
    categorical = _as_tuple(categorical, "categorical")
    stray = [c for c in categorical if c not in compare]
    if stray:
        raise ValueError(f"categorical names {stray}, which are not in compare={compare!r}")
    extra = [present] if present is not None else []
    _require(data, [id, wave, *by, *compare, *extra])
    _check_unique(data, id, wave)
    waves = sorted(pd.unique(data[wave].dropna()))
    if baseline is None and waves:
        baseline = waves[0]
    if baseline not in waves:
        raise ValueError(f"baseline={baseline!r} is not a value of column {wave!r}; found {waves}")
    if final is None:
        final = waves[-1]
    elif final not in waves:
        raise ValueError(f"final={final!r} is not a value of column {wave!r}; found {waves}")
    rows = data if present is None else data.loc[data[present].notna()]
    base = data.loc[data[wave] == baseline, [id, *by, *compare]]
    if present is not None:
        base = base.loc[base[id].isin(rows.loc[rows[wave] == baseline, id])]
    seen = pd.crosstab(rows[id], rows[wave]).reindex(columns=waves, fill_value=0) > 0
    seen = seen.reindex(base[id].to_numpy(), fill_value=False)
    flags = pd.DataFrame(seen.to_numpy(), columns=waves, index=base.index)
    keys = list(by) if by else ["_all"]
    wide = pd.concat([base[list(by)], flags], axis=1).assign(_all=0)
    counts = _grouped(wide, tuple(keys))[waves].sum()
    sizes = _grouped(wide, tuple(keys)).size().rename("n_baseline")
    counts = counts.join(sizes).reset_index()
    retention = counts.melt(
        id_vars=[*keys, "n_baseline"], value_vars=waves, var_name=wave, value_name="n_present"
    ).sort_values([*keys, wave], kind="stable")
    retention["n_baseline"] = retention["n_baseline"].astype("int64")
    retention[wave] = retention[wave].astype(data[wave].dtype)
    retention["n_present"] = retention["n_present"].astype("int64")
    retention["pct_retained"] = 100.0 * retention["n_present"] / retention["n_baseline"]
    seen_at = rows.loc[:, [id, wave, *by]].drop_duplicates([id, wave]).assign(_all=0)
    n_seen = _grouped(seen_at, (*keys, wave))[id].nunique().rename("n_seen").reset_index()
    retention = retention.merge(n_seen, on=[*keys, wave], how="left")
    retention["n_seen"] = retention["n_seen"].fillna(0).astype("int64")
    retention = retention.loc[:, [*by, wave, "n_seen", "n_baseline", "n_present", "pct_retained"]]
    retention = retention.reset_index(drop=True)

    done = pd.Series(flags[final].to_numpy(), index=base.index)
    out_rows: list[dict[str, Any]] = []
    groups = _grouped(base, by) if by else [((), base)]
    for key, part in groups:
        key_t = key if isinstance(key, tuple) else (key,)
        for var in compare:
            x = part[var]
            numeric = (
                var not in categorical
                and pd.api.types.is_numeric_dtype(x)
                and not pd.api.types.is_bool_dtype(x)
            )
            compare_fn = _compare_numeric if numeric else _compare_categorical
            for r in compare_fn(x, done.loc[part.index]):
                out_rows.append({**dict(zip(by, key_t, strict=True)), "variable": var, **r})
    table = pd.DataFrame(out_rows, columns=[*by, *BASELINE_COLUMNS])
    return AttritionResult(retention=retention, baseline=table, final_wave=final)

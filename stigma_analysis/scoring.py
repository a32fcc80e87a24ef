"""Scale scores from item responses: reverse keying, prorating, subscales and cut-off bands.

For each scale of an instrument, with ``k`` items and ``a`` of them answered by a respondent:

* reverse-keyed items are recoded as ``(min + max) - x`` first;
* the score is missing when ``a`` is below the instrument's ``min_answered`` rule;
* ``scoring: mean`` gives the mean of the answered items; ``scoring: sum`` gives the
  prorated sum, ``mean of answered × k`` (equal to the plain sum when all are answered);
* the band is the last cut-off band whose lower bound the score reaches (bounds inclusive).

All of it is computed on one float matrix of the instrument's items (no per-row Python, no
per-scale DataFrame copies). Checked against ``psych::scoreItems(impute = "none")`` on bfi
(see ``tests/test_scoring.py``) and against hand-scored ISMI-29 respondents.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis.errors import DataValidationError
from stigma_analysis.instruments import Instrument, load_instrument

if TYPE_CHECKING:
    from stigma_analysis.io import Survey
    from stigma_analysis.study import Study

__all__ = [
    "LabelDirectionWarning",
    "ProvisionalInstrumentWarning",
    "item_matrix",
    "labelled_scores",
    "reaches_cutoff",
    "score",
    "score_instrument",
]


class ProvisionalInstrumentWarning(UserWarning):
    """Scoring an instrument whose keying is not confirmed against its primary source."""


class LabelDirectionWarning(UserWarning):
    """The data's value labels run opposite to the instrument's response anchors."""


def item_matrix(
    data: pd.DataFrame, instrument: Instrument, columns: Mapping[str, str], *, reverse: bool = True
) -> np.ndarray:
    """The items as a float matrix (respondents × items, instrument order), reverse-keyed.

    Non-numeric cells become NaN (validate first to list them). Returned in Fortran order so
    that scale sums over column subsets read contiguous memory.
    """
    cols = [columns[i] for i in instrument.items]
    absent = [c for c in cols if c not in data.columns]
    if absent:
        raise ValueError(
            f"columns for {instrument.id} not in the data: {absent[:5]}{' ...' if len(absent) > 5 else ''}"
        )
    X = np.empty((len(data), len(cols)), dtype=float, order="F")
    for j, c in enumerate(cols):
        s = data[c]
        if not pd.api.types.is_numeric_dtype(s):
            s = pd.to_numeric(s, errors="coerce")
        X[:, j] = s.to_numpy(dtype=float, na_value=np.nan)
    if reverse and instrument.reverse:
        flip = instrument.response.min + instrument.response.max
        for item in instrument.reverse:
            j = instrument.items.index(item)
            np.subtract(flip, X[:, j], out=X[:, j])
    return X


def score_instrument(
    data: pd.DataFrame,
    instrument: Instrument | str,
    *,
    columns: str | Mapping[Any, str] | None = None,
    name: str | None = None,
    on_invalid: Literal["raise", "missing"] = "raise",
    warn_provisional: bool = True,
) -> pd.DataFrame:
    """Score one instrument on a plain DataFrame.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (× wave); item answers as numbers, missing as NaN.
    instrument : Instrument or str
        The instrument, a shipped id or a path to a definition file.
    columns : str or mapping, optional
        Where the items are: a template over item ids (``"ismi_{item}"``) or a mapping
        ``{item: column}``. Default: columns named ``"{name}_{item}"``... if those exist,
        else columns named exactly as the item ids.
    name : str, optional
        Prefix of the score columns (default: the instrument id).
    on_invalid : {"raise", "missing"}, default "raise"
        Answers outside the response range (a 97 that is still a number, data coded 0-3 for a
        1-4 instrument), fractions of whole-number codes (2.5 on a 1-4 scale; see
        :meth:`Instrument.invalid_answers`) or text that is not a number: raise
        :class:`~stigma_analysis.errors.DataValidationError` listing every one, or treat them
        as missing with a warning.

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``. For each scale ``s``: ``<name>_<s>`` (float),
        ``<name>_<s>_n_answered`` (int), and ``<name>_<s>_band`` (ordered categorical) where
        the instrument has cut-offs for ``s``.

    Warns
    -----
    ProvisionalInstrumentWarning
        When the instrument's status is ``provisional``.

    Examples
    --------
    >>> import pandas as pd, stigma_analysis as sa
    >>> df = pd.DataFrame({"q1": [1, 3], "q2": [2, None], "q3": [3, 3]})
    >>> sa.score(df, "ucla3", columns="q{item}")
       ucla3_total  ucla3_total_n_answered ucla3_total_band
    0          6.0                       3           lonely
    1          NaN                       2              NaN
    """
    ins = load_instrument(instrument) if not isinstance(instrument, Instrument) else instrument
    prefix = name or ins.id
    if columns is None:
        guess = ins.columns(f"{prefix}_{{item}}")
        mapping = guess if all(c in data.columns for c in guess.values()) else ins.columns("{item}")
    else:
        mapping = ins.columns(columns)
    if warn_provisional and ins.status == "provisional":
        warnings.warn(
            f"{ins.id} is provisional: its keying or scoring is not confirmed against the primary "
            "source (see its `sources`); check the scores before publishing them",
            ProvisionalInstrumentWarning,
            stacklevel=2,
        )
    absent = [c for c in mapping.values() if c not in data.columns]
    if absent:
        raise ValueError(
            f"columns for {ins.id} not in the data: {absent[:5]}{' ...' if len(absent) > 5 else ''}"
        )
    # One pass per item column: answers with 0 where missing (reverse-keyed items flipped) and
    # the missing mask. No (n x k) matrix or temporary is ever built.
    lo, hi = ins.response.min, ins.response.max
    flip = lo + hi
    # answers as float views of the data (copied only where an invalid answer is masked)
    values: dict[str, np.ndarray] = {}
    failures: list[pd.DataFrame] = []
    for item in ins.items:
        raw = data[mapping[item]]
        s = raw if pd.api.types.is_numeric_dtype(raw) else pd.to_numeric(raw, errors="coerce")
        v = s.to_numpy(dtype=float, na_value=np.nan)
        invalid = ins.invalid_answers(v)  # the validity rule of validate and reliability
        if s is not raw:
            invalid |= raw.notna().to_numpy() & np.isnan(v)
        if invalid.any():
            rows = np.flatnonzero(invalid)
            failures.append(
                pd.DataFrame(
                    {
                        "file": None,
                        "row": data.index[rows],
                        "column": mapping[item],
                        "value": raw.to_numpy(dtype=object)[rows],
                        "reason": f"not an answer of {ins.id} ({lo:g}-{hi:g}) nor missing",
                        "kind": "value",
                    }
                )
            )
            v = np.where(invalid, np.nan, v)
        values[item] = v
    if failures:
        cases = pd.concat(failures, ignore_index=True)
        if on_invalid == "raise":
            raise DataValidationError(
                f"{ins.id}: answers outside {lo:g}-{hi:g}, fractions or not numbers (declare missing codes as "
                "NaN first, or pass on_invalid='missing')",
                cases,
            )
        warnings.warn(
            f"{len(cases)} invalid answers to {ins.id} were treated as missing",
            UserWarning,
            stacklevel=2,
        )
    # Per scale, accumulate in place over answered cells only: no cleaned copy of any column
    # and no (n x k) temporary. A reverse-keyed answer adds (min + max) - x: subtract x here
    # and add (min + max) once per reversed answer at the end.
    n = len(data)
    answered: dict[str, np.ndarray] = {}
    reverse = set(ins.reverse)
    out: dict[str, Any] = {}
    for scale in ins.scales:
        items = ins.scale_items(scale)
        k = len(items)
        count_type: type[np.integer[Any]] = np.uint8 if k < 256 else np.int64
        total = np.zeros(n)
        count: np.ndarray[Any, Any] = np.zeros(n, dtype=count_type)
        n_reversed: np.ndarray[Any, Any] | None = (
            np.zeros(n, dtype=count_type) if reverse.intersection(items) else None
        )
        for item in items:
            v = values[item]
            obs = answered.get(item)
            if obs is None:
                obs = answered[item] = ~np.isnan(v)
            np.add(count, obs, out=count)
            if n_reversed is not None and item in reverse:
                np.subtract(total, v, out=total, where=obs)
                np.add(n_reversed, obs, out=n_reversed)
            else:
                np.add(total, v, out=total, where=obs)
        if n_reversed is not None:
            total += flip * n_reversed.astype(np.float64)
        n_ans = count.astype(np.int64)
        need = ins.min_answered_count(k)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n_ans
        mean[n_ans < need] = np.nan
        value = mean if ins.scoring == "mean" else mean * k
        col = f"{prefix}_{scale}"
        out[col] = value
        out[f"{col}_n_answered"] = n_ans
        if scale in ins.cutoffs:
            out[f"{col}_band"] = _bands(value, ins.cutoffs[scale])
    # copy=False: keep one block per column instead of copying them into a 2-D block
    return pd.DataFrame(out, index=data.index, copy=False)


CUTOFF_TOLERANCE = 1e-9
"""A score this close below a cut-off counts as reaching it (see :func:`reaches_cutoff`)."""


def reaches_cutoff(values: Any, cutoff: float) -> np.ndarray:
    """Whether each score reaches a cut-off: the one comparison of bands and attainment.

    Parameters
    ----------
    values : array-like of float
        Scores; NaN never reaches a cut-off.
    cutoff : float
        The inclusive lower bound (a band's ``from``, a threshold).

    Returns
    -------
    numpy.ndarray of bool
        ``values >= cutoff - CUTOFF_TOLERANCE`` (1e-9).

    Notes
    -----
    A mean or a prorated sum carries floating-point error of about 1e-14 (a prorated
    ``115`` can come out as ``114.99999999999999``), while two different scores of an
    instrument differ by far more than 1e-9; so the tolerance puts every computed score on the
    side of a bound that exact arithmetic would. Cut-off bands (:func:`score`) and
    :func:`stigma_analysis.evaluation.threshold_attainment` both use this function, so a
    respondent in the band starting at 115 is always counted as at or above 115.
    """
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(v >= cutoff - CUTOFF_TOLERANCE)


def _bands(value: np.ndarray, bands: Any) -> pd.Categorical:
    # a handful of bounds: one comparison per bound beats a binary search per respondent.
    codes = np.full(value.shape, -1, dtype=np.int8)
    for b in bands:
        codes += reaches_cutoff(value, b.from_)
    labels = pd.Index([b.label for b in bands])
    return pd.Categorical.from_codes(codes, categories=labels, ordered=True)


def score(
    data: pd.DataFrame | Study,
    instrument: Instrument | str | None = None,
    *,
    columns: str | Mapping[Any, str] | None = None,
    name: str | None = None,
    on_invalid: Literal["raise", "missing"] = "raise",
) -> pd.DataFrame:
    """Score a study, or one instrument on a DataFrame.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A loaded :class:`~stigma_analysis.study.Study`, or a plain DataFrame (then
        ``instrument`` is required; see :func:`score_instrument`).
    instrument, columns, name
        For a DataFrame: the instrument and where its items are.
    on_invalid : {"raise", "missing"}, default "raise"
        For a study with data problems (out-of-range or non-numeric answers, duplicate ids):
        raise :class:`~stigma_analysis.errors.DataValidationError` listing them all, or
        treat the offending answers as missing (a warning says how many).

    Returns
    -------
    pandas.DataFrame
        For a study: one row per respondent × wave with the id, wave, group (and weight)
        columns, the study's other non-item columns (covariates such as age), and for every
        instrument use ``name`` and scale ``s``: ``<name>_<s>``, ``<name>_<s>_n_answered``,
        ``<name>_<s>_band`` (where cut-offs exist) and ``<name>_<s>_n_<reason>`` (how many of
        the scale's items were missing for each recorded reason, e.g. ``_n_refused``).
    """
    from stigma_analysis.study import Study

    if not isinstance(data, Study):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(
                f"data must be a Study or a pandas DataFrame, got {type(data).__name__}"
            )
        if instrument is None:
            raise TypeError("score(data, instrument): instrument is required for a DataFrame")
        return score_instrument(data, instrument, columns=columns, name=name, on_invalid=on_invalid)
    if on_invalid not in ("raise", "missing"):
        raise ValueError(f"on_invalid must be 'raise' or 'missing', got {on_invalid!r}")
    key = f"scores:{on_invalid}"
    if key not in data.cache:  # a study is immutable: score it once
        data.cache[key] = _score_study(data, on_invalid=on_invalid)
    return data.cache[key]


def _slug(text: str) -> str:
    s = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return s or "other"


def _score_study(study: Study, *, on_invalid: str) -> pd.DataFrame:
    from stigma_analysis.study._problems import BLOCKING_KINDS

    spec = study.spec
    problems = study.validate()
    data = study.data
    for reason in problems.loc[problems["kind"] == "labels", "reason"]:
        warnings.warn(reason, LabelDirectionWarning, stacklevel=3)
    blocking = problems[problems["kind"].isin(BLOCKING_KINDS)]
    # answers can be treated as missing on request; ids, waves and absent columns never
    fatal = blocking if on_invalid == "raise" else blocking[blocking["kind"] != "value"]
    if not fatal.empty:
        raise DataValidationError(
            f"{study.path}: cannot score; fix these data problems first (see `stigma-analysis validate`)",
            fatal.reset_index(drop=True),
        )
    if not blocking.empty:
        data = data.copy()
        n = 0
        for b in study.instruments:
            for col in set(b.columns.values()):
                if col in data.columns:
                    v = pd.to_numeric(data[col], errors="coerce")
                    bad = pd.Series(b.instrument.invalid_answers(v), index=v.index)
                    n += int(bad.sum() + (data[col].notna() & v.isna()).sum())
                    data[col] = v.mask(bad)
        warnings.warn(f"{n} invalid answers were treated as missing", UserWarning, stacklevel=3)

    items = set(study.item_columns)
    keep = [spec.id, spec.wave, *spec.groups]
    if spec.weights:
        keep.append(spec.weights)
    keep += [c for c in data.columns if c not in items and c not in keep and not c.startswith("_")]
    data = data.reset_index(drop=True)  # positions, once for every instrument below
    parts = [data[keep]]
    # positions in study.data of every recorded missing cell, computed once
    missing = study.missing
    if not missing.empty:
        key = pd.MultiIndex.from_arrays([data["_file"].to_numpy(), data["_row"].to_numpy()])
        pos = key.get_indexer(
            pd.MultiIndex.from_arrays([missing["file"].to_numpy(), missing["row"].to_numpy()])
        )
        missing = missing.assign(_pos=pos.astype(np.int64))[pos >= 0]
    for b in study.instruments:
        scored = score_instrument(data, b.instrument, columns=b.columns, name=b.name)
        parts.append(scored)
        parts.append(_missing_counts(b, missing, len(data)))
    return pd.concat(parts, axis=1)


def _code_name(code: Any) -> str:
    """A column-name part for a missing code: 97 -> '97', -9 -> 'm9', 'NA' -> 'na'."""
    try:
        text = f"{float(code):g}"
    except (TypeError, ValueError):
        return _slug(str(code))
    return text.replace("-", "m").replace(".", "_")


def _missing_counts(b: Any, missing: pd.DataFrame, n_rows: int) -> pd.DataFrame:
    """Per scale and missing code: how many of the scale's items were missing with that code.

    Columns are named by code (``ismi_total_n_missing_97``), not by label: labels may be in any
    language or differ between waves; ``Study.missing_by_reason`` gives the labels.
    """
    m = missing[missing["column"].isin(set(b.columns.values()))]
    if m.empty:
        return pd.DataFrame(index=range(n_rows))
    names = m["code"].map(_code_name)
    out: dict[str, np.ndarray] = {}
    for scale in b.instrument.scales:
        in_scale = (
            m["column"].isin({b.columns[i] for i in b.instrument.scale_items(scale)}).to_numpy()
        )
        for name in sorted(names.unique()):
            rows = m["_pos"].to_numpy()[in_scale & (names == name).to_numpy()]
            out[f"{b.name}_{scale}_n_missing_{name}"] = np.bincount(rows, minlength=n_rows)
    return pd.DataFrame(out)


def labelled_scores(study: Study, scores: pd.DataFrame | None = None) -> Survey:
    """Scores with a codebook, ready for :func:`~stigma_analysis.io.write_survey`.

    Score columns get variable labels (instrument, scale, rule, number of items); the id,
    wave, group and covariate columns keep the labels and value labels of the study's first
    wave (Khmer site names stay Khmer). Bands are written as text.

    Raises
    ------
    DisclosureError
        The study has columns that look like personal data (``study.pii``: a phone number,
        names in free text, interview timestamps ...) and are neither in ``privacy.drop`` nor
        in ``privacy.allow``. Scores carry every non-item column, so such a column would be
        copied into the scores file; as the reports, this refuses until the study file says
        what to do with it.
    """
    from dataclasses import replace

    from stigma_analysis.io import Codebook, MissingCells, Survey
    from stigma_analysis.io.codebook import default_variable

    study.disclosure_policy()  # refuses while personal columns are unresolved
    scores = score(study) if scores is None else scores
    labels: dict[str, str] = {}
    for b in study.instruments:
        ins = b.instrument
        for scale in ins.scales:
            base = f"{b.name}_{scale}"
            how = "mean of items" if ins.scoring == "mean" else "prorated sum of items"
            labels[base] = f"{ins.id} {scale} ({how}, {len(ins.scale_items(scale))} items)"
            labels[f"{base}_n_answered"] = f"{ins.id} {scale}: items answered"
            if scale in ins.cutoffs:
                labels[f"{base}_band"] = f"{ins.id} {scale}: cut-off band"
    data = scores.copy()
    for c in data.columns:
        if isinstance(data[c].dtype, pd.CategoricalDtype):
            data[c] = data[c].astype(object)
    first = study.codebooks[min(study.codebooks)] if study.codebooks else None
    variables = {}
    for c in data.columns:
        known = first.variables.get(c) if first is not None else None
        if known is not None and c not in labels:
            var = known
        else:
            var = replace(default_variable(c, data[c]), label=labels.get(c))
        variables[c] = var
    # the codes of missing covariate cells (97 refused, ...) go back into the file
    cells = {}
    kept = [
        c
        for c in data.columns
        if c in variables and variables[c].missing_codes + variables[c].missing_ranges
    ]
    m = study.missing[study.missing["column"].isin(kept)]
    if not m.empty and len(data) == len(study.data):
        key = pd.MultiIndex.from_arrays(
            [study.data["_file"].to_numpy(), study.data["_row"].to_numpy()]
        )
        pos = key.get_indexer(
            pd.MultiIndex.from_arrays([m["file"].to_numpy(), m["row"].to_numpy()])
        )
        m = m.assign(_pos=pos)[pos >= 0]
        for col, part in m.groupby("column"):
            order = np.argsort(part["_pos"].to_numpy(), kind="stable")
            cells[str(col)] = MissingCells(
                part["_pos"].to_numpy()[order], part["code"].to_numpy()[order]
            )
    return Survey(
        data=data, codebook=Codebook(variables=variables, n_rows=len(data), missing_cells=cells)
    )

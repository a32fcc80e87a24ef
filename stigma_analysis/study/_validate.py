"""Validation of a loaded study: every data problem at once, as a table.

Problems are rows of ``file, row, column, value, reason, kind``. ``kind`` says what can be
done about a problem: ``value`` (an answer out of range or not a number: scoring can treat it
as missing), ``id`` and ``wave`` (duplicate or missing ids, wrong wave numbers), ``column``
(an item column absent from a file), ``labels`` (value labels that run opposite to the
instrument's anchors) and ``pii`` (a column that looks like personal data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stigma_analysis.study._problems import PROBLEM_COLUMNS
from stigma_analysis.study._problems import problem as _problem

if TYPE_CHECKING:
    from stigma_analysis.study._model import Study


_LOW_WORDS = ("disagree", "never", "not at all", "hardly ever", "none")
_HIGH_WORDS = (
    "strongly agree",
    "very strongly agree",
    "always",
    "extremely",
    "often",
    "almost every day",
)


def _polarity(label: str | None) -> int:
    if not label:
        return 0
    s = label.strip().lower()
    if any(w in s for w in _LOW_WORDS):
        return -1
    if any(w in s for w in _HIGH_WORDS) or s == "agree":
        return 1
    return 0


def label_direction_problems(study: Study) -> list[dict[str, Any]]:
    """Item columns whose value labels run opposite to the instrument's anchors."""
    out: list[dict[str, Any]] = []
    for b in study.instruments:
        ins = b.instrument
        if b.use.reversed_response:
            continue
        lo, hi = ins.response.min, ins.response.max
        ins_lo, ins_hi = (
            _polarity(ins.response.labels.get(lo)),
            _polarity(ins.response.labels.get(hi)),
        )
        if not (ins_lo == -1 and ins_hi == 1):
            continue
        for wave, cb in sorted(study.codebooks.items()):
            flagged = []
            for col in b.columns.values():
                var = cb.variables.get(col)
                if var is None or not var.value_labels:
                    continue
                vl = {float(k): v for k, v in var.value_labels.items() if _is_number(k)}
                if _polarity(vl.get(float(lo))) == 1 and _polarity(vl.get(float(hi))) == -1:
                    flagged.append(col)
            if flagged:
                fname = next((d.path for d in study.spec.data if d.wave in (wave, None)), "")
                out.append(
                    _problem(
                        fname,
                        None,
                        ", ".join(flagged[:5]) + (" ..." if len(flagged) > 5 else ""),
                        None,
                        f"value labels run opposite to {ins.id}'s anchors ({lo:g} = {ins.response.labels.get(lo)!r} "
                        f"in the instrument, {lo:g} = {vl.get(float(lo))!r} in the file): recode, or set "
                        f"'reversed_response: true' for {b.name} in the study file",
                        kind="labels",
                    )
                )
    return out


def _is_number(x: Any) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def validate_study(study: Study) -> pd.DataFrame:
    spec = study.spec
    data = study.data
    problems: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in study.raw_problems.to_dict("records")
    ]
    files = data["_file"].to_numpy(dtype=object)
    rows = data["_row"].to_numpy(dtype=np.int64)
    waves = data[spec.wave].to_numpy()

    def at(i: Any) -> tuple[str, int]:
        return str(files[i]), int(rows[i])

    # ids: missing, and duplicated within a wave
    ids = data[spec.id]
    id_values = ids.to_numpy(dtype=object)
    blank = ids.isna() | ids.astype(str).str.strip().eq("")
    for i in np.flatnonzero(blank.to_numpy()):
        problems.append(
            _problem(
                *at(i),
                spec.id,
                None,
                "the respondent id is missing",
                kind="id",
            )
        )
    dup = data.duplicated([spec.wave, spec.id], keep=False) & ~blank
    for i in np.flatnonzero(dup.to_numpy()):
        problems.append(
            _problem(
                *at(i),
                spec.id,
                id_values[i],
                f"duplicate id within wave {int(waves[i])}",
                kind="id",
            )
        )

    # instrument columns: non-numeric, out of range / undeclared codes (absent: at loading)
    for b in study.instruments:
        ins = b.instrument
        lo, hi = ins.response.min, ins.response.max
        for col in b.columns.values():
            if col not in data.columns:
                continue
            raw = data[col]
            raw_values = raw.to_numpy(dtype=object)
            present = raw.notna().to_numpy()
            if raw.dtype == object or pd.api.types.is_string_dtype(raw):
                num = pd.to_numeric(raw.astype("string").str.strip(), errors="coerce")
                bad = present & num.isna().to_numpy()
                for i in np.flatnonzero(bad):
                    problems.append(
                        _problem(
                            *at(i),
                            col,
                            raw_values[i],
                            f"not a number (answers to {ins.id} are {lo:g}-{hi:g})",
                        )
                    )
            else:
                num = raw
            vals = num.to_numpy(dtype=float, na_value=np.nan)
            # one rule with scoring and reliability: out of range, or a fraction of a whole code
            out_of_range = ins.invalid_answers(vals)
            if out_of_range.any():
                waves = data[spec.wave].to_numpy()
                flipped = b.use.reversed_response
                for i in np.flatnonzero(out_of_range):
                    # report the value as it is in the file, before a declared reversal
                    v = (lo + hi) - vals[i] if flipped else vals[i]
                    cb = study.codebooks.get(int(waves[i]))
                    label = None
                    if cb is not None and col in cb.variables:
                        vl = cb.variables[col].value_labels
                        label = (
                            vl.get(v, vl.get(int(v), None)) if float(v).is_integer() else vl.get(v)
                        )
                    if lo <= vals[i] <= hi:
                        reason = (
                            f"{_py(v)} is not one of the answers of {ins.id}"
                            f" (whole numbers {lo:g}-{hi:g}) nor a declared missing code"
                        )
                    elif label:
                        reason = (
                            f"code {v:g} ({label!r}) is labelled in the file but is neither a valid answer "
                            f"({lo:g}-{hi:g}) nor a declared missing code"
                        )
                    else:
                        reason = f"outside the response range {lo:g}-{hi:g} and not a declared missing code"
                    problems.append(_problem(*at(i), col, _py(v), reason))
    problems += label_direction_problems(study)
    for r in study.pii.itertuples(index=False):
        problems.append(
            _problem(
                ", ".join(d.path for d in spec.data),
                None,
                str(r.column),
                None,
                f"looks like personal data ({r.kind}: {r.evidence}); list it under privacy.drop "
                "(never read) or privacy.allow in the study file",
                kind="pii",
            )
        )
    out = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    if not out.empty:
        out["row"] = out["row"].astype("Int64")
    return out.reset_index(drop=True)


def _py(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)

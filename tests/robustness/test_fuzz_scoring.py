"""Fuzzing scoring with random instruments and data: scores stay in range, nothing else escapes."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stigma_analysis.errors import StigmaAnalysisError
from stigma_analysis.instruments import Instrument
from stigma_analysis.scoring import ProvisionalInstrumentWarning, score

item_ids = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=6
)


@st.composite
def instrument_and_data(draw: st.DrawFn) -> tuple[Instrument, pd.DataFrame, dict[str, str]]:
    items = draw(st.lists(item_ids, min_size=1, max_size=8, unique=True))
    lo = draw(st.sampled_from([0, 1, 1.5]))
    hi = lo + draw(st.sampled_from([1, 2, 3, 6]))
    reverse = draw(st.lists(st.sampled_from(items), unique=True, max_size=len(items)))
    sub = draw(st.lists(st.sampled_from(items), unique=True, min_size=1, max_size=len(items)))
    rule = draw(
        st.one_of(
            st.sampled_from([0.5, 0.8, 1.0]),
            st.integers(1, len(items)),
            st.sampled_from(["50%", "100%"]),
        )
    )
    scoring = draw(st.sampled_from(["mean", "sum"]))
    raw = {
        "id": "fuzz",
        "name": "Fuzz",
        "status": draw(st.sampled_from(["validated", "provisional"])),
        "direction": "lower_is_better",
        "response": {"min": lo, "max": hi},
        "items": items,
        "reverse": reverse,
        "scoring": scoring,
        "min_answered": rule,
        "scales": {"total": "all", "sub": sub},
        "cutoffs": {
            "total": [{"label": "low", "from": (lo if scoring == "mean" else lo * len(items))}]
        },
    }
    ins = Instrument.from_dict(raw)
    n = draw(st.integers(0, 30))
    columns = {i: f"列 {i}" for i in ins.items}  # unicode, spaces
    # whole-number codes take whole answers (a fraction is invalid: Instrument.invalid_answers)
    answers = (
        st.floats(lo, hi, allow_nan=False) if lo % 1 else st.integers(int(lo), int(hi)).map(float)
    )
    values = st.one_of(st.just(np.nan), answers, st.sampled_from([lo, hi]))
    data = pd.DataFrame(
        {c: draw(st.lists(values, min_size=n, max_size=n)) for c in columns.values()}
    )
    return ins, data, columns


@settings(max_examples=150, deadline=None)
@given(instrument_and_data())
def test_random_instruments_score_within_range(
    case: tuple[Instrument, pd.DataFrame, dict[str, str]],
) -> None:
    ins, data, columns = case
    try:
        with (
            pytest.warns(ProvisionalInstrumentWarning)
            if ins.status == "provisional"
            else contextlib.nullcontext()
        ):
            out = score(data, ins, columns=columns, name="f")
    except StigmaAnalysisError as exc:  # pragma: no cover - scoring valid data should not fail
        pytest.fail(f"typed error on valid data: {exc}")
    assert len(out) == len(data)
    for scale in ins.scales:
        lo, hi = ins.scale_range(scale)
        v = out[f"f_{scale}"].to_numpy()
        ok = np.isnan(v) | ((v >= lo - 1e-9) & (v <= hi + 1e-9))
        assert ok.all()
        k = len(ins.scale_items(scale))
        n_ans = out[f"f_{scale}_n_answered"].to_numpy()
        assert ((n_ans >= 0) & (n_ans <= k)).all()
        need = ins.min_answered_count(k)
        assert np.isnan(v[n_ans < need]).all()
        assert not np.isnan(v[n_ans >= need]).any()
        assert not math.isnan(need)

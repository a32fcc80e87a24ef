"""Property test: any labelled DataFrame written and read back is unchanged.

Hypothesis draws frames of numeric, coded (with user-missing codes and ranges) and text columns,
with variable and value labels in Khmer, Thai, Arabic, Vietnamese and Latin script, writes them
as .sav, .zsav, .csv + codebook and .parquet, and checks that reading gives back the same data
(declared-missing cells as NaN with their codes recorded) and the same codebook.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stigma_analysis.io import Codebook, Survey, Variable, read_survey, write_survey

LETTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    + "".join(chr(c) for c in range(0x1780, 0x17A3))  # Khmer consonants and vowels
    + "".join(chr(c) for c in range(0x0E01, 0x0E2F))  # Thai consonants
    + "".join(chr(c) for c in range(0x0627, 0x063B))  # Arabic letters
    + "ăâđêôơưạảấầẩẫậéèüöß"
)
TEXT_CHARS = LETTERS + " -,.()'?!/"

# SPSS strips trailing blanks from strings and labels, so generated text has none at the ends.
text = st.text(alphabet=TEXT_CHARS, min_size=1, max_size=25).map(str.strip).filter(bool)
labels = st.none() | text
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).map(
    lambda s: "v_" + s
)
CODES = (97.0, 98.0, 99.0)


@st.composite
def surveys(draw: st.DrawFn) -> tuple[pd.DataFrame, Codebook]:
    n = draw(st.integers(min_value=1, max_value=25))
    cols = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    data: dict[str, object] = {}
    variables: dict[str, Variable] = {}
    for name in cols:
        kind = draw(st.sampled_from(["float", "coded", "text"]))
        label = draw(labels)
        if kind == "float":
            values = draw(
                st.lists(
                    st.floats(min_value=-1e12, max_value=1e12) | st.just(np.nan),
                    min_size=n,
                    max_size=n,
                )
            )
            data[name] = np.array(values, dtype=np.float64)
            variables[name] = Variable(
                name=name,
                label=label,
                measure="scale",
                format="F16.4",
                display_width=draw(st.integers(min_value=1, max_value=30)),
            )
        elif kind == "coded":
            values = draw(
                st.lists(
                    st.sampled_from([1.0, 2.0, 3.0, 4.0, -1.0, -7.0, *CODES]),
                    min_size=n,
                    max_size=n,
                )
            )
            data[name] = np.array(values, dtype=np.float64)
            codes = tuple(draw(st.lists(st.sampled_from(CODES), unique=True, max_size=3)))
            ranges = ((-math.inf, -1.0),) if draw(st.booleans()) and len(codes) <= 1 else ()
            keys = draw(
                st.lists(st.sampled_from([1.0, 2.0, 3.0, 4.0, *CODES]), unique=True, max_size=5)
            )
            value_labels = {k: draw(text) for k in sorted(keys)}
            variables[name] = Variable(
                name=name,
                label=label,
                value_labels=value_labels,
                missing_codes=tuple(sorted(codes)),
                missing_ranges=ranges,
                measure=draw(st.sampled_from(["nominal", "ordinal"])),
                format="F3.0",
                display_width=draw(st.integers(min_value=1, max_value=30)),
            )
        else:
            values = draw(st.lists(text, min_size=n, max_size=n))
            data[name] = pd.array(values, dtype="str")
            width = max(len(v.encode("utf-8")) for v in values) + draw(st.integers(0, 10))
            # SPSS string missing values hold at most 8 bytes
            short = sorted({v for v in values if len(v.encode("utf-8")) <= 8})
            codes = (
                tuple(draw(st.lists(st.sampled_from(short), unique=True, max_size=2)))
                if short
                else ()
            )
            variables[name] = Variable(
                name=name,
                label=label,
                type="string",
                missing_codes=codes,
                measure="nominal",
                format=f"A{width}",
                display_width=draw(st.integers(min_value=1, max_value=30)),
            )
    frame = pd.DataFrame(data)
    return frame, Codebook(variables=variables, n_rows=n)


def _expected(
    frame: pd.DataFrame, codebook: Codebook
) -> tuple[pd.DataFrame, dict[str, dict[int, object]]]:
    """The frame with declared-missing cells NaN, and the codes each of them held."""
    out = frame.copy()
    cells: dict[str, dict[int, object]] = {}
    for name, var in codebook.variables.items():
        values = frame[name].tolist()
        hit = {}
        for i, v in enumerate(values):
            if isinstance(v, str):
                missing = v in var.missing_codes
            else:
                missing = not math.isnan(v) and (
                    v in var.missing_codes or any(lo <= v <= hi for lo, hi in var.missing_ranges)
                )
            if missing:
                hit[i] = v
        if hit:
            out.loc[list(hit), name] = np.nan
            cells[name] = hit
    return out, cells


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(surveys())
def test_labelled_frames_round_trip(drawn: tuple[pd.DataFrame, Codebook]) -> None:
    frame, codebook = drawn
    expected, expected_cells = _expected(frame, codebook)
    with tempfile.TemporaryDirectory() as tmp:
        first = read_survey(write_survey(frame, Path(tmp) / "first.sav", codebook=codebook))
        pd.testing.assert_frame_equal(first.data, expected)
        assert first.codebook.variables == codebook.variables
        got_cells = {
            k: first.codebook.missing_codes_of(k).to_dict() for k in first.codebook.missing_cells
        }
        assert got_cells == expected_cells
        for suffix in (".sav", ".zsav", ".csv", ".parquet"):
            back = read_survey(write_survey(first, Path(tmp) / f"again{suffix}"))
            pd.testing.assert_frame_equal(back.data, first.data)
            assert back.codebook.variables == first.codebook.variables
            assert back.codebook.missing_cells == first.codebook.missing_cells


def test_frame_without_rows_round_trips(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": pd.Series([], dtype="float64")})
    cb = Codebook(variables={"a": Variable(name="a", label="ខ្មែរ", missing_codes=(99.0,))})
    for suffix in (".sav", ".parquet"):
        back = read_survey(write_survey(Survey(data=frame, codebook=cb), tmp_path / f"e{suffix}"))
        assert len(back.data) == 0
        assert back.codebook.variables["a"].label == "ខ្មែរ"

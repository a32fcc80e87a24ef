"""Write → read returns the same data and metadata, for .sav/.zsav, .csv + codebook, .parquet."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.io import Codebook, Survey, Variable, read_survey, write_survey

KHMER = "ខ្ញុំមានអារម្មណ៍ថាត្រូវបានគេរើសអើង"  # "I feel discriminated against"
THAI = "ฉันรู้สึกถูกเลือกปฏิบัติ"
ARABIC = "أشعر بالتمييز"
VIETNAMESE = "Tôi cảm thấy bị phân biệt đối xử"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _raw_frame() -> pd.DataFrame:
    """Values as a file holds them: codes 97/98/99, -9, 'x' still present."""
    return pd.DataFrame(
        {
            "resp_id": ["001", "002", "003", "004", "005", "006"],
            "ismi_1": [1.0, 4.0, 97.0, 2.0, 99.0, np.nan],
            "ismi_2": [2.0, 3.0, 3.0, -9.0, -2.0, 1.0],
            "age": [19.0, 34.5, 27.0, 41.0, 23.0, 30.0],
            "site": ["ភ្នំពេញ", "เชียงใหม่", "x", "Hà Nội", "عمان", "Siem Reap"],
            "visit": pd.to_datetime(
                ["2024-01-05", "2024-02-11", "2023-12-30", "2024-03-01", "2024-03-02", "NaT"]
            ).astype("datetime64[us]"),
            "stamp": pd.to_datetime(
                [
                    "2024-01-05 10:11:12",
                    "2024-02-11 08:00:00.5",
                    "1999-12-31 23:59:59",
                    "1583-01-01 00:00:00",
                    "2024-03-02 00:00:01",
                    "2024-03-03 12:00:00",
                ],
                format="ISO8601",
            ).astype("datetime64[us]"),
            "duration": pd.to_timedelta([3600, 125.25, 0, 86400 * 3 + 5, 59, 61], unit="s").astype(
                "timedelta64[us]"
            ),
        }
    )


def _codebook() -> Codebook:
    answer = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Agree", 4.0: "Strongly agree"}
    variables = {
        "resp_id": Variable(
            name="resp_id", label="Respondent", type="string", measure="nominal", format="A12"
        ),
        "ismi_1": Variable(
            name="ismi_1",
            label=KHMER,
            value_labels={**answer, 97.0: "Refused", 98.0: "Don't know", 99.0: "Not applicable"},
            missing_codes=(97.0, 98.0, 99.0),
            measure="ordinal",
            format="F2.0",
            display_width=10,
        ),
        "ismi_2": Variable(
            name="ismi_2",
            label=THAI,
            value_labels={1.0: "ไม่เห็นด้วยอย่างยิ่ง", 4.0: "เห็นด้วยอย่างยิ่ง", -9.0: "رفض"},
            missing_ranges=((-math.inf, -1.0),),
            missing_codes=(99.0,),
            measure="ordinal",
            format="F3.0",
        ),
        "age": Variable(name="age", label=VIETNAMESE, measure="scale", format="F5.1"),
        "site": Variable(
            name="site",
            label=ARABIC,
            type="string",
            value_labels={"x": "ផ្សេងៗ (other)"},
            missing_codes=("x",),
            measure="nominal",
            format="A40",
        ),
        "visit": Variable(name="visit", label="Visit date", format="ADATE10", measure="scale"),
        "stamp": Variable(
            name="stamp", label="Interview start", format="DATETIME23.2", measure="scale"
        ),
        "duration": Variable(
            name="duration", label="Interview length", format="TIME11.2", measure="scale"
        ),
    }
    return Codebook(
        variables=variables,
        n_rows=6,
        file_label=f"Wave 1 — {KHMER[:6]}",
        notes=("Synthetic data for tests.", f"ព័ត៌មាន {THAI[:10]}"),
    )


@pytest.fixture
def source(tmp_path: Path) -> Survey:
    """A survey read from a .sav written from the raw frame and codebook above."""
    path = write_survey(_raw_frame(), tmp_path / "source.sav", codebook=_codebook())
    return read_survey(path)


def _assert_same_survey(a: Survey, b: Survey, *, check_notes: bool = True) -> None:
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.codebook.variables == b.codebook.variables
    assert a.codebook.missing_cells == b.codebook.missing_cells
    assert a.codebook.file_label == b.codebook.file_label
    if check_notes:
        strip = [n for n in a.codebook.notes if not n.startswith("stigma-analysis")]
        assert strip == [n for n in b.codebook.notes if not n.startswith("stigma-analysis")]


def test_read_applies_declarations(source: Survey) -> None:
    d, cb = source.data, source.codebook
    assert d["ismi_1"].isna().tolist() == [False, False, True, False, True, True]
    assert cb.missing_codes_of("ismi_1").to_dict() == {2: 97.0, 4: 99.0}
    assert cb.missing_reason("ismi_1", 97) == "Refused"
    assert cb.missing_counts("ismi_2") == {-9.0: 1, -2.0: 1}
    assert cb.missing_codes_of("site").to_dict() == {2: "x"}
    assert d["resp_id"].tolist() == ["001", "002", "003", "004", "005", "006"]
    assert cb.variables["ismi_1"].label == KHMER
    assert cb.variables["ismi_2"].value_labels[-9.0] == "رفض"
    assert cb.variables["site"].format == "A40"
    assert cb.variables["ismi_1"].display_width == 10
    assert cb.variables["ismi_2"].missing_ranges == ((-math.inf, -1.0),)
    assert cb.variables["ismi_2"].missing_codes == (99.0,)
    assert d["visit"].dtype == "datetime64[us]"
    assert d["visit"].iloc[0] == pd.Timestamp("2024-01-05")
    assert d["duration"].dtype == "timedelta64[us]"
    assert d["stamp"].iloc[1] == pd.Timestamp("2024-02-11 08:00:00.5")
    assert d["stamp"].iloc[3] == pd.Timestamp("1583-01-01")
    assert d["duration"].iloc[3] == pd.Timedelta(days=3, seconds=5)
    assert cb.file_label is not None
    assert KHMER[:6] in cb.file_label


@pytest.mark.parametrize("suffix", [".sav", ".zsav", ".parquet", ".csv"])
def test_round_trip(source: Survey, tmp_path: Path, suffix: str) -> None:
    src = source.codebook.source
    assert src is not None
    before = _sha(src)
    out = write_survey(source, tmp_path / f"copy{suffix}")
    back = read_survey(out)
    _assert_same_survey(source, back)
    assert back.codebook.format == suffix[1:]
    # writing twice gives the same survey again (idempotent)
    again = read_survey(write_survey(back, tmp_path / f"again{suffix}"))
    _assert_same_survey(back, again)
    assert _sha(src) == before, "writing must not touch the input"
    if suffix == ".csv":
        assert (tmp_path / "copy.codebook.yaml").is_file()


def test_sav_reads_back_identically_through_pyreadstat(source: Survey, tmp_path: Path) -> None:
    import pyreadstat

    out = write_survey(source, tmp_path / "plain.sav")
    raw, meta = pyreadstat.read_sav(out, user_missing=True, disable_datetime_conversion=True)
    expected = _raw_frame()
    # the codes come back in their cells, exactly
    for col in ["ismi_1", "ismi_2", "age"]:
        np.testing.assert_array_equal(raw[col].to_numpy(), expected[col].to_numpy())
    assert raw["site"].tolist() == expected["site"].tolist()
    assert raw["resp_id"].tolist() == expected["resp_id"].tolist()
    cb = _codebook()
    assert meta.column_names_to_labels == {k: v.label for k, v in cb.variables.items()}
    assert meta.variable_value_labels["ismi_1"] == cb.variables["ismi_1"].value_labels
    assert meta.variable_value_labels["site"] == {"x": "ផ្សេងៗ (other)"}
    assert meta.missing_ranges["ismi_1"] == [{"lo": c, "hi": c} for c in (97.0, 98.0, 99.0)]
    assert meta.missing_ranges["ismi_2"] == [
        {"lo": -math.inf, "hi": -1.0},
        {"lo": 99.0, "hi": 99.0},
    ]
    assert meta.missing_ranges["site"] == [{"lo": "x", "hi": "x"}]
    assert meta.variable_measure["ismi_1"] == "ordinal"
    assert meta.original_variable_types["visit"] == "ADATE10"
    assert meta.original_variable_types["site"] == "A40"
    assert meta.file_label == cb.file_label
    assert meta.notes == list(cb.notes)
    # and pyreadstat's own date conversion agrees with ours
    conv, _ = pyreadstat.read_sav(out, user_missing=True)
    assert pd.Timestamp(conv["stamp"].iloc[0]) == source.data["stamp"].iloc[0]


def test_with_missing_round_trips(source: Survey, tmp_path: Path) -> None:
    from stigma_analysis.io import apply_missing_codes

    # study-level code 4 on age? no: code 41 on age (a "refused to give age" convention)
    s2 = apply_missing_codes(source, [41.0], columns=["age"])
    assert s2.codebook.missing_codes_of("age").to_dict() == {3: 41.0}
    assert s2.codebook.variables["age"].missing_codes == (41.0,)
    assert math.isnan(s2.data["age"].iloc[3])
    assert source.data["age"].iloc[3] == 41.0  # input unchanged
    for suffix in (".sav", ".csv", ".parquet"):
        back = read_survey(write_survey(s2, tmp_path / f"s2{suffix}"))
        _assert_same_survey(s2, back)


def test_many_codes_folded_into_range(tmp_path: Path) -> None:
    # 5 discrete codes: SPSS allows 3, so they are written as the range 95..99 (no valid
    # value lies inside) and read back as that range, with the same cells missing.
    df = pd.DataFrame({"q": [1.0, 2.0, 95.0, 96.0, 97.0, 98.0, 99.0, 4.0]})
    var = Variable(name="q", missing_codes=(95.0, 96.0, 97.0, 98.0, 99.0))
    cb = Codebook(variables={"q": var}, n_rows=len(df))
    back = read_survey(write_survey(df, tmp_path / "q.sav", codebook=cb))
    assert back.codebook.variables["q"].missing_ranges == ((95.0, 99.0),)
    assert back.codebook.missing_counts("q") == {95.0: 1, 96.0: 1, 97.0: 1, 98.0: 1, 99.0: 1}
    assert back.data["q"].dropna().tolist() == [1.0, 2.0, 4.0]


def test_plain_frame_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=50),
            "k": rng.integers(0, 5, 50).astype(float),
            "t": [f"ข้อความ {i}" for i in range(50)],
        }
    )
    for suffix in (".sav", ".parquet", ".csv"):
        back = read_survey(write_survey(df, tmp_path / f"plain{suffix}"))
        pd.testing.assert_frame_equal(back.data, df, check_dtype=suffix != ".csv")
        assert back.codebook.missing_cells == {}


@pytest.mark.parametrize(
    "name",
    [
        "foreign/testdata.sav",
        "foreign/mval_bug.sav",
        "savreaderwriter/greetings.sav",
        "pyreadstat/basic/sample_missing.sav",
        "spss_sav_rs/compression_none.sav",
        "haven/datetime.sav",
        "pspp/tests/v13.sav",
        "spss_sav_rs/encoding_windows1252.sav",
    ],
)
def test_corpus_files_round_trip(shared_spss: Path, tmp_path: Path, name: str) -> None:
    src = shared_spss / name
    before = _sha(src)
    s = read_survey(src)
    back = read_survey(write_survey(s, tmp_path / "copy.sav"))
    _assert_same_survey(s, back)
    assert _sha(src) == before
    # the file's bytes are ours (UTF-8), whatever the input's encoding was
    assert back.codebook.encoding == "UTF-8"


def test_long_notes_are_wrapped_not_refused(tmp_path: Path) -> None:
    # SPSS document lines hold 80 bytes; longer notes are split at character boundaries
    note = "Recruitment: " + THAI * 4
    cb = Codebook(variables={}, n_rows=1, notes=(note,))
    back = read_survey(write_survey(pd.DataFrame({"a": [1.0]}), tmp_path / "n.sav", codebook=cb))
    lines = [n for n in back.codebook.notes if not n.startswith("stigma-analysis")]
    assert len(lines) > 1
    assert all(len(x.encode("utf-8")) <= 80 for x in lines)
    assert "".join(lines) == note


def test_overlong_labels_are_cut_and_listed(tmp_path: Path) -> None:
    label = "ខ" * 84 + "ab" + "ខ" * 50  # 406 bytes; byte 256 falls inside a character
    cb = Codebook(
        variables={"a": Variable(name="a", label=label, value_labels={1.0: "x" * 130})}, n_rows=2
    )
    back = read_survey(
        write_survey(pd.DataFrame({"a": [1.0, 2.0]}), tmp_path / "l.sav", codebook=cb)
    )
    got = back.codebook.variables["a"]
    assert got.label == "ខ" * 84 + "ab"
    assert got.value_labels == {1.0: "x" * 120}
    documents = "".join(back.codebook.notes)  # the note is wrapped into 80-byte lines
    assert "a (variable label)" in documents
    assert "a=1.0 (value label)" in documents
    # other formats keep them whole
    whole = read_survey(
        write_survey(pd.DataFrame({"a": [1.0, 2.0]}), tmp_path / "l.parquet", codebook=cb)
    )
    assert whole.codebook.variables["a"].label == label


def test_non_string_column_names_are_written_as_text(tmp_path: Path) -> None:
    back = read_survey(write_survey(pd.DataFrame({"q1": [1.0], 2: [3.0]}), tmp_path / "n.parquet"))
    assert list(back.data.columns) == ["q1", "2"]


def test_range_plus_codes_folded(tmp_path: Path) -> None:
    # LO THRU -1 plus codes 97, 98 and 99: SPSS allows one range and one code, and any single
    # range over them (LO..99, LO..98, ...) would cover the answers 1-5, so writing is refused
    # rather than turning 97-99 into valid answers.
    df = pd.DataFrame({"q": [1.0, 5.0, -1.0, 97.0, 98.0, 99.0]})
    var = Variable(name="q", missing_ranges=((-math.inf, -1.0),), missing_codes=(97.0, 98.0, 99.0))
    cb = Codebook(variables={"q": var}, n_rows=len(df))
    from stigma_analysis.errors import SurveyWriteError

    with pytest.raises(SurveyWriteError, match=r"write \.parquet or \.csv instead"):
        write_survey(df, tmp_path / "q.sav", codebook=cb)
    # a range with one extra code is expressible as is
    var1 = Variable(name="q", missing_ranges=((-math.inf, -1.0),), missing_codes=(99.0,))
    cb1 = Codebook(variables={"q": var1}, n_rows=len(df))
    back = read_survey(write_survey(df, tmp_path / "q1.sav", codebook=cb1))
    assert back.codebook.variables["q"].missing_ranges == var1.missing_ranges
    assert back.codebook.variables["q"].missing_codes == var1.missing_codes
    # codes 96..99 next to a range 90..95 fold into one range 90..99 when no answer lies there
    var2 = Variable(name="q", missing_ranges=((90.0, 95.0),), missing_codes=(97.0, 98.0, 99.0))
    cb2 = Codebook(variables={"q": var2}, n_rows=len(df))
    back2 = read_survey(write_survey(df, tmp_path / "q2.sav", codebook=cb2))
    assert back2.codebook.variables["q"].missing_ranges == ((90.0, 99.0),)
    assert back2.codebook.missing_counts("q") == {97.0: 1, 98.0: 1, 99.0: 1}

"""Every SPSS file of the shared corpus, checked against what its owning test suite asserts.

The corpus (``shared/data/spss``, see its MANIFEST.md) holds real files from the test suites of
haven, pyreadstat, R foreign, PSPP, ReadStat.jl, readspss, savReaderWriter and the spss_sav
crate. For each file the test below named after it restates that project's assertion (the
"upstream oracle" in the manifest) against ``read_survey``. Where our representation differs
on purpose (user-missing values are NaN, dates are datetime64) the test says how it maps.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.errors import SurveyReadError
from stigma_analysis.io import read_survey
from stigma_analysis.io._spss import seconds_to_datetime
from tests.conftest import SHARED_SPSS

SUFFIXES = (".sav", ".zsav", ".por")
ALL_FILES = sorted(
    str(p.relative_to(SHARED_SPSS))
    for p in (SHARED_SPSS.rglob("*") if SHARED_SPSS.is_dir() else [])
    if p.suffix.lower() in SUFFIXES
)
# Files that must not load: a fuzzer-made corrupt file and a password-encrypted file.
MUST_FAIL = {
    "pspp/tests/CVE-2017-10791.sav": "damaged",
    "pspp/tests/hotel-encrypted.sav": "encrypted with a password",
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(base: Path, rel: str, **kwargs):
    return read_survey(base / rel, **kwargs)


def test_corpus_is_present_and_complete(shared_spss: Path) -> None:
    # 54 data files in the manifest; a missing one would silently shrink the parametrisation
    assert len(ALL_FILES) == 54


@pytest.mark.parametrize("rel", ALL_FILES or ["(corpus absent)"])
def test_every_file_loads_or_fails_cleanly(shared_spss: Path, rel: str) -> None:
    path = shared_spss / rel
    before = _sha(path)
    if rel in MUST_FAIL:
        with pytest.raises(SurveyReadError, match=MUST_FAIL[rel]) as info:
            read_survey(path)
        assert info.value.path == path
        assert str(path) in str(info.value)
        assert "Readstat" not in str(info.value)
    else:
        survey = read_survey(path)
        data, cb = survey.data, survey.codebook
        assert isinstance(data.index, pd.RangeIndex)
        assert data.index.start == 0
        assert list(cb.variables) == list(data.columns)
        assert cb.n_rows == len(data)
        for name, cells in cb.missing_cells.items():
            # every recorded cell is NaN in the data
            assert data[name].iloc[cells.rows].isna().all()
    assert _sha(path) == before, "reading must never modify the input file"


# --- haven ---------------------------------------------------------------------------------


def test_haven_datetime(shared_spss: Path) -> None:
    # haven: date is Date, date.posix POSIXct, time hms; date[1]==2014-09-22;
    # date.posix[2]==2014-09-23 15:59:20 UTC; as.integer(time[1])==43870.
    s = read(shared_spss, "haven/datetime.sav")
    d = s.data
    assert len(d) == 2
    assert d["date"].iloc[0] == pd.Timestamp("2014-09-22")
    assert d["date.posix"].iloc[1] == pd.Timestamp("2014-09-23 15:59:20")
    assert int(d["time"].iloc[0].total_seconds()) == 43870
    # Row 1 of date.posix is ~year 200000: pyreadstat raises OverflowError; we give NaT,
    # keep the raw value and say so.
    assert pd.isna(d["date.posix"].iloc[0])
    codes = s.codebook.missing_codes_of("date.posix")
    assert codes.index.tolist() == [0]
    assert codes.iloc[0] > 6e12
    assert any("date.posix" in n and "outside" in n for n in s.codebook.notes)


def test_haven_labelled_num_na(shared_spss: Path) -> None:
    # haven: default read gives 2nd value NA; user_na keeps 9 with na_values == 9, no range.
    s = read(shared_spss, "haven/labelled-num-na.sav")
    v = s.codebook.variables["VAR00002"]
    assert s.data["VAR00002"].tolist()[0] == 1.0
    assert math.isnan(s.data["VAR00002"].tolist()[1])
    assert v.value_labels == {1.0: "This is one"}
    assert v.missing_codes == (9.0,)
    assert v.missing_ranges == ()
    assert s.codebook.missing_codes_of("VAR00002").to_dict() == {1: 9.0}
    assert s.codebook.missing_counts("VAR00002") == {9.0: 1}


def test_haven_labelled_num(shared_spss: Path) -> None:
    # pandas test_spss_metadata on this file.
    s = read(shared_spss, "haven/labelled-num.sav")
    cb = s.codebook
    assert list(s.data.columns) == ["VAR00002"]
    assert cb.variables["VAR00002"].label is None
    assert cb.encoding == "UTF-8"
    assert cb.n_rows == 1
    assert cb.variables["VAR00002"].value_labels == {1.0: "This is one"}
    assert cb.variables["VAR00002"].format == "F8.0"
    assert cb.variables["VAR00002"].missing_ranges == ()
    assert cb.variables["VAR00002"].missing_codes == ()
    assert cb.variables["VAR00002"].measure == "unknown"


def test_haven_labelled_str(shared_spss: Path) -> None:
    s = read(shared_spss, "haven/labelled-str.sav")
    v = s.codebook.variables["gender"]
    assert s.data["gender"].tolist() == ["M", "F"]
    assert v.type == "string"
    assert v.value_labels == {"F": "Female", "M": "Male"}
    assert s.data["gender"].map(v.value_labels).tolist() == ["Male", "Female"]
    assert read(shared_spss, "haven/labelled-str.sav", columns=["gender"]).data.shape == (2, 1)


def test_haven_umlauts(shared_spss: Path) -> None:
    s = read(shared_spss, "haven/umlauts.sav")
    v = s.codebook.variables["var1"]
    assert v.label == "This is an ä-umlaut"
    assert next(iter(v.value_labels.values())) == "the ä umlaut"
    assert s.data["var1"].tolist() == [1, 2, 1, 3]
    assert s.data["var1"].map(v.value_labels).tolist() == [
        "the ä umlaut",
        "the ü umlaut",
        "the ä umlaut",
        "the ö umlaut",
    ]


def test_haven_variable_label(shared_spss: Path) -> None:
    s = read(shared_spss, "haven/variable-label.sav")
    assert s.codebook.variables["sex"].label == "Gender"
    # "labels same type as vector": numeric codes for a numeric variable
    assert all(isinstance(k, float) for k in s.codebook.variables["sex"].value_labels)


def test_haven_iris(shared_spss: Path) -> None:
    # readspss: equal to R's datasets::iris. Column sums of R's iris (exact decimal data).
    s = read(shared_spss, "haven/iris.sav")
    d = s.data
    assert d.shape == (150, 5)
    sums = {
        "Sepal.Length": 876.5,
        "Sepal.Width": 458.6,
        "Petal.Length": 563.7,
        "Petal.Width": 179.9,
    }
    for col, total in sums.items():
        assert d[col].sum() == pytest.approx(total, rel=1e-12)
    labels = s.codebook.variables["Species"].value_labels
    assert labels == {1.0: "setosa", 2.0: "versicolor", 3.0: "virginica"}
    assert d["Species"].map(labels).value_counts().to_dict() == {
        "setosa": 50,
        "versicolor": 50,
        "virginica": 50,
    }


# --- pyreadstat -------------------------------------------------------------------------


def _sample_csv(shared_spss: Path, name: str) -> pd.DataFrame:
    df = pd.read_csv(shared_spss / "pyreadstat" / "basic" / name, na_values=["#NULL!"])
    df["mydate"] = pd.to_datetime(df["mydate"])
    df["dtime"] = pd.to_datetime(df["dtime"])
    df["mytime"] = pd.to_timedelta(df["mytime"])
    return df


def _assert_sample_equal(data: pd.DataFrame, expected: pd.DataFrame) -> None:
    data = data.set_axis([c.lower() for c in data.columns], axis=1)
    assert list(data.columns) == list(expected.columns)
    assert data["mychar"].fillna("").tolist() == expected["mychar"].fillna("").tolist()
    for col in ["mynum", "mylabl", "myord"]:
        np.testing.assert_allclose(data[col], expected[col], rtol=1e-12)
    for col in ["mydate", "dtime"]:
        assert data[col].tolist() == expected[col].tolist() or all(
            (pd.isna(a) and pd.isna(b)) or a == b
            for a, b in zip(data[col], expected[col], strict=True)
        )
    got = data["mytime"].dt.total_seconds().to_numpy()
    np.testing.assert_allclose(got, expected["mytime"].dt.total_seconds().to_numpy())


@pytest.mark.parametrize("name", ["sample.sav", "sample.zsav"])
def test_pyreadstat_sample_sav(shared_spss: Path, name: str) -> None:
    s = read(shared_spss, f"pyreadstat/basic/{name}")
    cb = s.codebook
    _assert_sample_equal(s.data, _sample_csv(shared_spss, "sample.csv"))
    assert cb.n_rows == 5
    assert len([n for n in cb.notes if not n.startswith("stigma-analysis")]) > 0
    assert cb.variables["mychar"].display_width == 9
    assert cb.variables["mychar"].measure == "nominal"
    assert cb.variables["mychar"].type == "string"
    assert cb.variables["myord"].type == "numeric"
    assert cb.encoding == "windows-1252"
    assert cb.variables["mylabl"].value_labels == {1.0: "Male", 2.0: "Female"}
    assert cb.variables["myord"].value_labels == {1.0: "low", 2.0: "medium", 3.0: "high"}
    sub = read(shared_spss, f"pyreadstat/basic/{name}", columns=["mynum", "myord"])
    assert list(sub.data.columns) == ["mynum", "myord"]
    assert list(sub.codebook.variables) == ["mynum", "myord"]


def test_pyreadstat_sample_por(shared_spss: Path) -> None:
    s = read(shared_spss, "pyreadstat/basic/sample.por")
    _assert_sample_equal(s.data, _sample_csv(shared_spss, "sample.csv"))
    assert len([n for n in s.codebook.notes if not n.startswith("stigma-analysis")]) > 0
    assert s.codebook.variables["MYLABL"].value_labels == {1.0: "Male", 2.0: "Female"}
    assert list(read(shared_spss, "pyreadstat/basic/sample.por", columns=["MYNUM"]).data) == [
        "MYNUM"
    ]


def test_pyreadstat_sample_missing(shared_spss: Path) -> None:
    # default read == sample_missing.csv (user-missing -> NaN); user_missing read ==
    # sample_missing_user.csv and missing_ranges['mynum'][0] == {lo: 2000, hi: 3000}.
    s = read(shared_spss, "pyreadstat/basic/sample_missing.sav")
    _assert_sample_equal(s.data, _sample_csv(shared_spss, "sample_missing.csv"))
    mynum = s.codebook.variables["mynum"]
    assert mynum.missing_ranges == ((2000.0, 3000.0),)
    assert mynum.missing_codes == (-1.0,)
    user = _sample_csv(shared_spss, "sample_missing_user.csv")
    for col in ["mynum", "mylabl", "myord"]:
        codes = s.codebook.missing_codes_of(col)
        assert codes.tolist() == user[col].iloc[codes.index].tolist()
        # every cell NaN here but a number in the user-missing oracle is recorded
        expected_rows = np.flatnonzero(s.data[col].isna() & user[col].notna()).tolist()
        assert codes.index.tolist() == expected_rows
    assert s.codebook.missing_reason("mylabl", -1.0) == "undetermined"
    assert s.codebook.missing_counts("mynum") == {-1.0: 1, 2500.0: 1}


def test_pyreadstat_sample_large(shared_spss: Path) -> None:
    import pyreadstat

    s = read(shared_spss, "pyreadstat/basic/sample_large.sav")
    assert s.data.shape == (485, 7)
    plain, _ = pyreadstat.read_sav(shared_spss / "pyreadstat/basic/sample_large.sav")
    pd.testing.assert_series_equal(s.data["mynum"], plain["mynum"])


def test_pyreadstat_hebrew_name(shared_spss: Path) -> None:
    s = read(shared_spss, "pyreadstat/basic/hebrews.sav")
    assert s.data.columns[0] == "ותק_ב"
    assert s.data.shape == (99, 1)


def test_pyreadstat_telugu(shared_spss: Path) -> None:
    s = read(shared_spss, "pyreadstat/basic/tegulu.sav")
    assert s.data.iloc[0, 1] == "నేను గతంలో వాడిన బ"


def test_pyreadstat_test_width(shared_spss: Path) -> None:
    s = read(shared_spss, "pyreadstat/basic/test_width.sav")
    fmt = {k: v.format for k, v in s.codebook.variables.items()}
    assert fmt == {
        "ResponseId": "A18",
        "StartDate": "A1024",
        "Duration__in_seconds_": "F40.2",
        "Finished": "F1.0",
    }
    assert s.codebook.variables["Finished"].type == "numeric"


def test_pyreadstat_ordered_category(shared_spss: Path) -> None:
    # formats_as_ordered_category -> categories ['high', 'low', 'medium'] (label order by code)
    s = read(shared_spss, "pyreadstat/basic/ordered_category.sav")
    labels = s.codebook.variables["Col1"].value_labels
    assert list(labels.values()) == ["high", "low", "medium"]
    assert s.codebook.variables["Col1"].measure == "ordinal"
    assert s.data.shape == (4, 1)


def test_pyreadstat_missing_test(shared_spss: Path) -> None:
    # default read [NaN, 2.0]; user_missing read [1.0, 2.0]; labelled ['missing', '2'].
    s = read(shared_spss, "pyreadstat/missing_data/missing_test.sav")
    assert math.isnan(s.data["var1"].iloc[0])
    assert s.data["var1"].iloc[1] == 2.0
    assert s.codebook.missing_codes_of("var1").to_dict() == {0: 1.0}
    assert s.codebook.missing_reason("var1", 1.0) == "missing"


def test_pyreadstat_missing_char(shared_spss: Path) -> None:
    # default [NaN, 'a']; user_missing ['Z', 'a'] with missing_ranges == [{lo: 'Z', hi: 'Z'}].
    s = read(shared_spss, "pyreadstat/missing_data/missing_char.sav")
    assert pd.isna(s.data["mychar"].iloc[0])
    assert s.data["mychar"].iloc[1] == "a"
    assert s.codebook.variables["mychar"].missing_codes == ("Z",)
    assert s.codebook.missing_codes_of("mychar").to_dict() == {0: "Z"}


def test_pyreadstat_multiple_response(shared_spss: Path) -> None:
    # pyreadstat asserts meta.mr_sets; multiple-response sets are not part of our codebook,
    # so we check that the member variables are all there (read, not lost).
    s = read(shared_spss, "pyreadstat/multiple_response/simple_alltypes.sav")
    assert s.data.shape == (6, 12)
    for name in ["ca_subvar_1", "ca_subvar_2", "ca_subvar_3", "bool1", "bool2", "bool3"]:
        assert name in s.codebook.variables


# --- savReaderWriter ---------------------------------------------------------------------


def test_srw_all_numeric_compressed_equals_uncompressed(shared_spss: Path) -> None:
    a = read(shared_spss, "savreaderwriter/all_numeric.sav").data
    b = read(shared_spss, "savreaderwriter/all_numeric_uncompressed.sav").data
    assert a.shape == (100, 2)
    pd.testing.assert_frame_equal(a, b)
    dt = read(shared_spss, "savreaderwriter/all_numeric_datetime_uncompressed.sav").data
    assert dt.shape == (100, 2)
    assert any(k == "M" for k in dt.dtypes.map(lambda t: t.kind))


def test_srw_german_names(shared_spss: Path) -> None:
    s = read(shared_spss, "savreaderwriter/german.sav")
    assert list(s.data.columns) == [
        "python",
        "programmieren",
        "macht",
        "überhaupt",
        "völlig",
        "spaß",
    ]
    assert len(s.data) == 1
    assert s.codebook.encoding == "windows-1252"


def test_srw_greetings_utf8(shared_spss: Path) -> None:
    s = read(shared_spss, "savreaderwriter/greetings.sav")
    records = s.data[["Bondjoû", "greeting"]].values.tolist()
    assert records[0] == ["Arabic", "السلام عليكم"]
    assert ["Thai", "สวัสดี"] in records
    assert records[-2:] == [["Walloon", "Bondjoû"], ["Telugu", "ఏమండీ"]]
    assert s.codebook.variables["greeting"].label == "السلام عليكم"
    assert s.codebook.variables["Bondjoû"].value_labels == {"Thai": "สวัสดี"}
    assert s.codebook.variables["line"].missing_ranges == ((0.0, 9.0),)
    assert s.codebook.variables["Bondjoû"].missing_codes == ("¡Hola!",)


def test_srw_leading_zero(shared_spss: Path) -> None:
    # savReaderWriter returns ['0000000001', '0000000002']: the variable is numeric with the
    # SPSS N10 format (zero-padded display). We keep the number and the format, which renders
    # exactly those strings.
    s = read(shared_spss, "savreaderwriter/leading_zero.sav")
    v = s.codebook.variables["leading_zero"]
    assert v.format == "N10"
    assert [f"{int(x):010d}" for x in s.data["leading_zero"]] == ["0000000001", "0000000002"]


def test_srw_metadata_copy(shared_spss: Path, tmp_path: Path) -> None:
    from stigma_analysis.io import write_survey

    s = read(shared_spss, "savreaderwriter/metadata_copy_test.sav")
    assert s.codebook.variables["sex"].missing_codes == (9.0,)
    assert s.codebook.variables["job"].missing_codes == (9.0,)
    assert s.codebook.variables["sex"].value_labels == {0.0: "female", 1.0: "male", 2.0: "unclear"}
    assert s.codebook.variables["date"].format == "SDATE10"
    # the upstream test: metadata survives a copy
    back = read_survey(write_survey(s, tmp_path / "copy.sav"))
    assert back.codebook.variables == s.codebook.variables
    pd.testing.assert_frame_equal(back.data, s.data)


def test_srw_dates(shared_spss: Path) -> None:
    # savReaderWriter str2date: 11654150400 -> 1952-02-03; 0 -> 1582-10-14 00:00:00;
    # TIME 1 -> 00:00:01, 86399 -> 23:59:59; DTIME 256215 -> '02 23:10:15';
    # 13508553600 -> '156349 00:00:00' (days).
    s = read(shared_spss, "savreaderwriter/test_dates.sav")
    assert s.data.shape == (4, 13)
    assert s.codebook.file_label is None or "antonia" in s.codebook.file_label
    dates, bad = seconds_to_datetime(np.array([11654150400.0, 0.0]), "datetime")
    assert not bad.any()
    assert pd.Timestamp(dates[0]) == pd.Timestamp("1952-02-03")
    assert pd.Timestamp(dates[1]) == pd.Timestamp("1582-10-14 00:00:00")
    times, _ = seconds_to_datetime(np.array([1.0, 86399.0, 256215.0, 13508553600.0]), "time")
    got = [pd.Timedelta(t) for t in times]
    assert got[0] == pd.Timedelta(seconds=1)
    assert got[1] == pd.Timedelta("23:59:59")
    assert got[2] == pd.Timedelta(days=2, hours=23, minutes=10, seconds=15)
    assert got[3] == pd.Timedelta(days=156349)


def test_srw_zsav(shared_spss: Path) -> None:
    s = read(shared_spss, "savreaderwriter/zlib_compressed.zsav")
    assert list(s.data.columns) == ["var1", "var2", "var3", "bdate"]
    rows = s.data.values.tolist()
    assert [r[0].rstrip() for r in rows] == ["Test1", "Test2"]
    assert [r[1:] for r in rows] == [[1.0, 1.0, "2010-08-11"], [2.0, 1.0, "1910-01-12"]]


# --- PSPP --------------------------------------------------------------------------------


def test_pspp_v13_very_long_strings(shared_spss: Path) -> None:
    s = read(shared_spss, "pspp/tests/v13.sav")
    fmts = [v.format for v in s.codebook.variables.values()]
    assert fmts == ["F8.2", "A255", "A258", "A2000"]
    rows = s.data.values.tolist()
    assert rows[0] == [1.0, "a1" + "A" * 253, "b1" + "B" * 256, "c1" + "C" * 1998]
    assert rows[1] == [2.0, "a2" + "X" * 253, "b2" + "Y" * 256, "c2" + "Z" * 1998]


def test_pspp_v14_very_long_strings(shared_spss: Path) -> None:
    s = read(shared_spss, "pspp/tests/v14.sav")
    row = s.data.iloc[0].to_dict()
    assert row == {
        "vl255": "M" * 255,
        "vl256": "M" * 256,
        "vl1335": "M" * 1335,
        "vl2000": "M" * 2000,
    }
    assert [v.format for v in s.codebook.variables.values()] == ["A255", "A256", "A1335", "A2000"]


def test_pspp_llz_zsav(shared_spss: Path) -> None:
    # PSPP's FACTOR test runs on the whole file; a complete decode is the precondition.
    s = read(shared_spss, "pspp/tests/llz.zsav")
    assert s.data.shape == (4670, 18)
    assert list(s.data.columns)[:6] == ["PZ", "PN", "PS", "NZ", "NN", "NS"]
    assert s.codebook.encoding == "WINDOWS-1252"


# --- R foreign -----------------------------------------------------------------------------


def test_foreign_electric(shared_spss: Path) -> None:
    s = read(shared_spss, "foreign/electric.sav")
    cb = s.codebook
    assert s.data.shape == (240, 13)
    assert cb.encoding == "WINDOWS-1252"
    assert cb.variables["FIRSTCHD"].value_labels == {
        1.0: "NO CHD",
        2.0: "SUDDEN  DEATH",
        3.0: "NONFATALMI",
        5.0: "FATAL   MI",
        6.0: "OTHER   CHD",
    }
    assert cb.variables["DAYOFWK"].value_labels == {
        1.0: "SUNDAY",
        2.0: "MONDAY",
        3.0: "TUESDAY",
        4.0: "WEDNSDAY",
        5.0: "THURSDAY",
        6.0: "FRIDAY",
        7.0: "SATURDAY",
        9.0: "MISSING",
    }
    assert cb.variables["DAYOFWK"].missing_codes == (9.0,)
    assert cb.missing_reason("DAYOFWK", 9) == "MISSING"
    # identical(electric.sav, electric.por) with use.missings: the portable reader honours
    # the declared missing values (they come back NaN) but cannot report them, so the data
    # agree while only the .sav keeps the codes.
    por = read(shared_spss, "foreign/electric.por")
    pd.testing.assert_frame_equal(s.data, por.data)
    assert por.codebook.missing_cells == {}
    assert len(cb.missing_codes_of("DAYOFWK")) == int(s.data["DAYOFWK"].isna().sum())


def test_foreign_mval_bug(shared_spss: Path) -> None:
    # mval_bug.Rout.save: tables of read.spss(use.missings=TRUE) per column.
    s = read(shared_spss, "foreign/mval_bug.sav")
    all_valid = {1.0: 142, 2.0: 104, 3.0: 71, 4.0: 250}
    expected = {
        "Q1_MISSING_NONE": {-3.0: 17, -2.0: 8, -1.0: 5, **all_valid, 99.0: 3},
        "Q1_MISSING_1": {-3.0: 17, -2.0: 8, **all_valid, 99.0: 3},
        "Q1_MISSING_2": {-3.0: 17, **all_valid, 99.0: 3},
        "Q1_MISSING_3": {**all_valid, 99.0: 3},
        "Q1_MISSING_RANGE": {**all_valid, 99.0: 3},
        "Q1_MISSING_LOW": {**all_valid, 99.0: 3},
        "Q1_MISSING_HIGH": {-1.0: 3, **all_valid},
        "Q1_MISSING_RANGE_1": all_valid,
        "Q1_MISSING_LOW_1": all_valid,
        "Q1_MISSING_HIGH_1": all_valid,
    }
    for col, table in expected.items():
        got = s.data[col].value_counts().sort_index().to_dict()
        assert got == table, col
        # valid + recorded user-missing = all 600 rows (no system-missing in this file)
        assert sum(got.values()) + len(s.codebook.missing_codes_of(col)) == 600
    assert s.codebook.variables["Q1_MISSING_LOW"].missing_ranges == ((-math.inf, -1.0),)
    assert s.codebook.variables["Q1_MISSING_HIGH_1"].missing_ranges == ((97.0, math.inf),)
    assert s.codebook.variables["Q1_MISSING_HIGH_1"].missing_codes == (-1.0,)
    assert s.codebook.missing_counts("Q1_MISSING_3") == {-3.0: 17, -2.0: 8, -1.0: 5}
    assert s.codebook.missing_reason("Q1_MISSING_3", -1) == "(-1) Refused"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("foreign/pbc.sav", "foreign/pbcold.sav"),
        ("foreign/pbc.sav", "foreign/pbc.por"),
        ("foreign/sample100.sav", "foreign/sample100.por"),
    ],
)
def test_foreign_twins_identical(shared_spss: Path, a: str, b: str) -> None:
    # identical(pbc.sav, pbcold.sav); all.equal(pbc.sav, pbc.por, tolerance = 1e-15);
    # identical(sample100.sav, sample100.por)
    x, y = read(shared_spss, a).data, read(shared_spss, b).data
    assert list(x.columns) == list(y.columns)
    num = [c for c in x.columns if x[c].dtype.kind == "f"]
    np.testing.assert_allclose(x[num].to_numpy(), y[num].to_numpy(), rtol=1e-15)
    txt = [c for c in x.columns if c not in num]
    assert x[txt].fillna("").map(str.rstrip).equals(y[txt].fillna("").map(str.rstrip))


def test_foreign_spss_long(shared_spss: Path) -> None:
    s = read(shared_spss, "foreign/spss_long.sav")
    assert list(s.data.columns) == ["variable1", "variable2"]
    assert [v.label for v in s.codebook.variables.values()] == ["variable1", "variable2"]
    assert s.codebook.encoding == "US-ASCII"


def test_foreign_testdata(shared_spss: Path) -> None:
    s = read(shared_spss, "foreign/testdata.sav")
    v = s.codebook.variables
    assert s.data.shape == (5, 16)
    assert v["factor_numeric"].missing_ranges == ((-1.0, 0.0),)
    assert v["numeric_long_label"].missing_ranges == ((1.0, 2.0),)
    assert len(v["numeric_long_label"].label or "") > 200
    assert v["factor_n_coded_miss"].missing_codes == (99.0,)
    assert s.codebook.missing_reason("factor_n_coded_miss", 99.0) == "no answer"
    assert v["factor_n_duplicated"].value_labels == {1.0: "A", 2.0: "A", 3.0: "B"}
    assert v["factor_n_long_value_label"].value_labels[2.0].endswith("€")
    assert v["string_miss"].missing_codes == ("a", "b")
    assert v["factor_s_coded_miss"].missing_codes == ("u", "v", "w")
    assert v["string_500"].format == "A500"
    # undeclared values stay as numbers
    assert set(s.data["factor_n_undeclared"].dropna()) - set(v["factor_n_undeclared"].value_labels)


# --- ReadStat.jl, readspss -----------------------------------------------------------------


def test_readstatjl_types(shared_spss: Path) -> None:
    s = read(shared_spss, "readstat_jl/types.sav")
    d = s.data
    assert list(d.columns) == ["vfloat", "vdouble", "vlong", "vint", "vbyte", "vstring"]
    np.testing.assert_allclose(d["vfloat"].iloc[:2], [3.14, 7.0], rtol=1e-7)  # stored as float32
    assert d["vdouble"].iloc[:2].tolist() == [3.14, 7.0]
    for col in ["vlong", "vint", "vbyte"]:
        assert d[col].iloc[:2].tolist() == [2.0, 7.0]
        assert math.isnan(d[col].iloc[2])
    assert d["vstring"].tolist() == ["2", "7", ""]  # empty string, not missing


def test_readspss_cars(shared_spss: Path) -> None:
    # all.equal(read.sav(cars.zsav), datasets::cars): 50 rows, sums of R's cars.
    s = read(shared_spss, "readspss/cars.zsav")
    assert s.data.shape == (50, 2)
    assert s.data["speed"].sum() == 770
    assert s.data["dist"].sum() == 2149


def test_readspss_datetimes(shared_spss: Path) -> None:
    s = read(shared_spss, "readspss/datetimes.sav")
    row = s.data.iloc[0]
    for col in ["d1", "d2", "a1", "a2", "e1", "e2", "j1", "j2", "s1", "s2"]:
        assert row[col] == pd.Timestamp("2013-01-31"), col
    for col in ["q1", "q2", "m1", "m2"]:
        assert row[col] == pd.Timestamp("2013-01-01"), col
    for col in ["w1", "w2"]:
        assert row[col] == pd.Timestamp("2013-01-29"), col
    epoch = pd.Timestamp("1970-01-01")
    assert (row["dt1"] - epoch).total_seconds() == 1359594120
    assert (row["dt2"] - epoch).total_seconds() == 1359594153
    assert (row["dt3"] - epoch).total_seconds() == pytest.approx(1359594153.72, abs=1e-6)
    assert row["w3"] == row["w4"] == 5
    assert row["m3"] == row["m4"] == 1
    assert row["mt1"].total_seconds() == 105276
    assert row["mt2"].total_seconds() == pytest.approx(105276.58, abs=1e-6)
    assert [row[c].total_seconds() for c in ["t1", "t2"]] == [105240, 105276]
    assert row["t3"].total_seconds() == pytest.approx(105276.58, abs=1e-6)
    assert [row[c].total_seconds() for c in ["dt4", "dt5"]] == [105240, 105276]
    assert row["dt6"].total_seconds() == pytest.approx(105276.58, abs=1e-6)


# --- spss_sav (Rust) -----------------------------------------------------------------------


def test_spss_sav_comprehensive(shared_spss: Path) -> None:
    s = read(shared_spss, "spss_sav_rs/comprehensive.sav")
    v = s.codebook.variables
    assert s.data.shape == (2, 6)
    assert v["id"].label == "Identifier"
    assert v["id"].missing_codes == (99.0,)
    for q in ["q1", "q2", "q3"]:
        assert v[q].value_labels == {0.0: "No", 1.0: "Yes"}
    assert v["longstr"].format == "A300"
    assert v["longstr"].value_labels == {"alpha": "First value", "beta": "Second value"}
    assert v["longstr"].missing_codes == ("alpha",)
    assert v["shortstr"].format == "A4"
    assert any("documentary line" in n for n in s.codebook.notes)


def test_spss_sav_compression_schemes_agree(shared_spss: Path) -> None:
    names = ["compression_none", "compression_bytecode", "compression_zlib"]
    surveys = [read(shared_spss, f"spss_sav_rs/{n}.sav") for n in names]
    base = surveys[0]
    for other in surveys[1:]:
        pd.testing.assert_frame_equal(other.data, base.data)
        assert other.codebook.missing_cells == base.codebook.missing_cells
    d = base.data
    assert len(d) == 3
    assert list(d.columns).index("longstr") == 7
    assert base.codebook.variables["longstr"].format == "A300"
    # Data rows of the upstream test, with user-missing cells as NaN here:
    # small 151 (missing 151), big -999999 and 0 (LOWEST THRU 0), text 'cc', longstr 'beta'.
    assert d["id"].tolist() == [1, 2, 3]
    assert d["small"].fillna(-1).tolist() == [0, -1, -100]
    assert d["big"].fillna(-1).tolist() == [1_000_000, -1, -1]
    assert d["frac"].tolist() == [1.5, -0.25, 0.0]
    assert d["sysmis"].isna().all()
    assert d["text"].fillna("?").tolist() == ["aa", "bb", "?"]
    assert d["longstr"].fillna("?").tolist() == ["alpha", "?", "gamma"]
    cb = base.codebook
    assert cb.missing_codes_of("small").to_dict() == {1: 151.0}
    assert cb.missing_codes_of("big").to_dict() == {1: -999999.0, 2: 0.0}
    assert cb.missing_codes_of("text").to_dict() == {2: "cc"}
    assert cb.missing_codes_of("longstr").to_dict() == {1: "beta"}
    assert cb.variables["big"].missing_ranges == ((-math.inf, 0.0),)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("encoding_utf8.sav", "UTF-8"), ("encoding_windows1252.sav", "WINDOWS-1252")],
)
def test_spss_sav_encodings(shared_spss: Path, name: str, encoding: str) -> None:
    s = read(shared_spss, f"spss_sav_rs/{name}")
    cb = s.codebook
    assert cb.encoding == encoding
    assert s.data["prenom"].tolist() == ["café", "naïve"]
    assert cb.file_label == "Fichier de démonstration"
    assert cb.variables["id"].label == "Identifiant"
    assert cb.variables["prenom"].label == "Prénom accentué"
    assert cb.variables["id"].value_labels == {1.0: "Café crème", 2.0: "Thé glacé"}


def test_spss_sav_encoding_override_wins(shared_spss: Path) -> None:
    # "override encoding wins": naming the wrong encoding decodes the UTF-8 bytes as cp1252
    s = read(shared_spss, "spss_sav_rs/encoding_utf8.sav", encoding="WINDOWS-1252")
    assert s.codebook.encoding == "WINDOWS-1252"
    assert s.data["prenom"].tolist() == ["cafÃ©", "naÃ¯ve"]


def test_spss_sav_weighted(shared_spss: Path) -> None:
    s = read(shared_spss, "spss_sav_rs/weighted.sav")
    assert list(s.data.columns) == ["id", "descr", "wgt"]
    assert s.data.shape == (2, 3)


def test_spss_sav_zsav_blocks(shared_spss: Path) -> None:
    # id == row number for all 2000 rows across the zlib block boundary (row 1856)
    s = read(shared_spss, "spss_sav_rs/zsav_blocks.sav")
    assert s.data.shape == (2000, 251)
    assert s.data["id"].tolist() == list(range(1, 2001))

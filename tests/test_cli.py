"""The command line: exit codes, --json keys (docs/FORMATS.md), clean errors, inputs untouched."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import cli
from stigma_analysis.cli import main
from stigma_analysis.study import validate

from .conftest import EXAMPLE_STUDY, ROOT
from .study.test_study import _clean, _planted, _write_study


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _checksums(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_help_is_fast_and_lists_commands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "stigma_analysis", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for cmd in ("describe", "validate", "score", "reliability", "report", "instruments"):
        assert cmd in proc.stdout
    # no heavy imports for --help
    code = "import sys, stigma_analysis.cli as c; c._parser(); print(sorted(m for m in ('pandas','numpy','scipy','statsmodels','matplotlib') if m in sys.modules))"
    mods = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert mods.strip() == "[]"


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["score"], capsys)
    assert code == 2
    assert "required" in err


def test_validate_planted_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = _planted(tmp_path)
    before = _checksums(tmp_path)
    code, out, _ = _run(["validate", str(study), "--json"], capsys)
    assert code == 1
    problems = json.loads(out)
    assert len(problems) == 7
    assert all(set(p) >= {"file", "row", "column", "value", "reason"} for p in problems)
    code, out, _ = _run(["validate", str(study)], capsys)
    assert code == 1
    assert "7 problem(s)" in out
    assert _checksums(tmp_path) == before


def test_invalid_missing_still_refuses_duplicate_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _planted(tmp_path)
    code, _, err = _run(
        ["score", str(study), "--invalid", "missing", "-o", str(tmp_path / "s.csv")], capsys
    )
    assert code == 1
    assert "duplicate id within wave 2" in err
    assert not (tmp_path / "s.csv").exists()


def test_score_refuses_invalid_data_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _planted(tmp_path)
    before = _checksums(tmp_path)
    code, _, err = _run(["score", str(study), "-o", str(tmp_path / "scores.csv")], capsys)
    assert code == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert not (tmp_path / "scores.csv").exists()
    assert _checksums(tmp_path) == before


def test_output_over_an_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _clean(tmp_path)
    before = _checksums(tmp_path)
    code, _, err = _run(["score", str(study), "-o", str(tmp_path / "wave1.csv")], capsys)
    assert code == 1
    assert "wave1.csv: cannot write: refusing to overwrite an input file" in err
    assert _checksums(tmp_path) == before


def test_corrupt_file_is_one_readable_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.sav"
    bad.write_bytes(b"$FL2@(#) IBM SPSS STATISTICS" + b"\x00" * 40)
    code, out, err = _run(["describe", str(bad)], capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "broken.sav" in err


def test_spec_typo_names_file_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _planted(tmp_path)
    text = (
        (tmp_path / "study.yaml")
        .read_text(encoding="utf-8")
        .replace("missing_codes", "missing_code")
    )
    (tmp_path / "study.yaml").write_text(text, encoding="utf-8")
    code, _, err = _run(["validate", str(tmp_path / "study.yaml")], capsys)
    assert code == 1
    assert "study.yaml: missing_code: unknown key" in err


def test_instruments_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["instruments", "--json"], capsys)
    assert code == 0
    ids = {r["id"] for r in json.loads(out)}
    assert {"ismi29", "mspss12"} <= ids
    code, out, _ = _run(["instruments", "ismi29"], capsys)
    assert code == 0
    assert "reverse-keyed: 7, 14, 24, 26, 27" in out
    code, _, err = _run(["instruments", "nope"], capsys)
    assert code == 1
    assert "no shipped instrument 'nope'" in err


needs_example = pytest.mark.skipif(not EXAMPLE_STUDY.exists(), reason="example study not generated")


@needs_example
def test_describe_example_study_json(capsys: pytest.CaptureFixture[str]) -> None:
    before = _checksums(EXAMPLE_STUDY.parent)
    code, out, _ = _run(["describe", str(EXAMPLE_STUDY), "--json"], capsys)
    assert code == 0
    variables = json.loads(out)["variables"]
    keys = {
        "name",
        "label",
        "value_labels",
        "missing_codes",
        "missing_ranges",
        "n_valid",
        "n_missing",
        "n_missing_by_code",
    }
    assert all(keys <= set(v) for v in variables)
    by_name = {v["name"]: v for v in variables}
    assert any(by_name[c]["n_missing_by_code"] for c in by_name if c.startswith("ismi_"))
    assert _checksums(EXAMPLE_STUDY.parent) == before


@needs_example
def test_describe_a_sav_file_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["describe", str(EXAMPLE_STUDY.parent / "wave1.sav"), "--json"], capsys)
    assert code == 0
    variables = json.loads(out)["variables"]
    assert {
        "name",
        "label",
        "value_labels",
        "missing_codes",
        "missing_ranges",
        "n_valid",
        "n_missing",
    } <= set(variables[0])


@needs_example
def test_example_validates_clean_and_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _checksums(EXAMPLE_STUDY.parent)
    code, out, err = _run(["validate", str(EXAMPLE_STUDY)], capsys)
    assert code == 0, out + err
    for ext in ("parquet", "csv", "sav"):
        target = tmp_path / f"scores.{ext}"
        code, out, err = _run(["score", str(EXAMPLE_STUDY), "-o", str(target)], capsys)
        assert code == 0, err
        assert target.exists()
    import pandas as pd

    from stigma_analysis.io import read_survey

    labelled = read_survey(tmp_path / "scores.sav")
    assert labelled.codebook.variables["ismi_total"].label.startswith("ismi29 total (mean of items")
    assert labelled.codebook.variables["site"].value_labels  # Khmer/English site names kept
    # why a covariate is missing survives scoring (97 refused, 98 don't know)
    assert set(labelled.codebook.missing_counts("sexual_violence")) <= {97.0, 98.0, 99.0}
    assert sum(labelled.codebook.missing_counts("sexual_violence").values()) > 0
    scores = pd.read_csv(tmp_path / "scores.csv")
    for col in (
        "resp_id",
        "wave",
        "site",
        "arm",
        "ismi_total",
        "ismi_total_n_answered",
        "ismi_total_excl_sr_band",
    ):
        assert col in scores.columns
    assert _checksums(EXAMPLE_STUDY.parent) == before


@needs_example
def test_reliability_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["reliability", str(EXAMPLE_STUDY), "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    keys = {
        "instrument",
        "scale",
        "n",
        "n_items",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega_total",
    }
    assert rows
    assert all(keys <= set(r) for r in rows)
    ismi = [r for r in rows if r["instrument"] == "ismi29" and r["scale"] == "total"]
    assert ismi
    assert all(0.8 < r["alpha"] < 0.97 for r in ismi)


def test_quickstart_script_prints_usage() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "quickstart.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "quickstart.py report" in proc.stdout


@needs_example
@pytest.mark.parametrize("case", ["missing_folder", "is_a_folder", "read_only"])
def test_unwritable_outputs_fail_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    if case == "missing_folder":
        target = tmp_path / "no" / "such" / "scores.csv"
    elif case == "is_a_folder":
        target = tmp_path / "scores.csv"
        target.mkdir()
    else:
        # root ignores permission bits (CI runs as root): make the final rename fail as a
        # read-only folder would
        import os

        target = tmp_path / "scores.csv"

        def refuse(src: object, dst: object) -> None:
            raise PermissionError(13, "Permission denied", str(dst))

        monkeypatch.setattr(os, "replace", refuse)
    code, _, err = _run(["score", str(EXAMPLE_STUDY), "-o", str(target)], capsys)
    assert code == 1
    assert "scores.csv" in err
    assert "Traceback" not in err
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []


# ----------------------------------------------- robustness: pipes, encodings, long output

_SUBPROCESS_ENV = {k: v for k, v in os.environ.items() if k != "STIGMA_ANALYSIS_DEBUG"}


def _miscoded(folder: Path, n: int = 2000) -> Path:
    """A study whose UCLA items are coded 0-2 instead of 1-3: about 2n out-of-range answers,
    plus one non-numeric answer and a duplicate id (a few other kinds of problem)."""
    rng = np.random.default_rng(11)
    data = pd.DataFrame(
        {
            "rid": [f"R{i:05d}" for i in range(n)],
            "site": rng.integers(1, 4, n),
            **{f"lone{j}": rng.integers(0, 3, n).astype(str) for j in (1, 2, 3)},
        }
    )
    data.loc[5, "lone2"] = "two"
    data.loc[7, "rid"] = "R00006"
    data.to_csv(folder / "wave1.csv", index=False)
    return _write_study(folder, data=[{"path": "wave1.csv", "wave": 1}])


def test_long_validate_is_summarised_but_json_has_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _miscoded(tmp_path)
    expected = validate(study)
    assert len(expected) > 1000
    assert set(expected["kind"]) >= {"value", "id"}

    code, out, _ = _run(["validate", str(study)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) < 2 * cli.SUMMARY_GROUPS + cli.FIRST_PROBLEMS
    assert f"{len(expected)} problem(s)" in lines[0]
    assert lines[-1] == f"... and {len(expected) - 50} more (use --json for all)"
    # the summary counts problems by file, column, kind and reason, largest first
    counts = expected.groupby(["file", "column", "kind", "reason"]).size()
    top = counts.sort_values(ascending=False).index[0]
    first_row = lines[lines.index("Problems by file, column, kind and reason:") + 2]
    assert first_row.split()[:4] == [str(counts.max()), top[0], top[1], top[2]]
    assert first_row.endswith(top[3])
    assert sum(int(line.split()[0]) for line in lines[3 : 3 + len(counts)]) == len(expected)

    code, out, _ = _run(["validate", str(study), "--json"], capsys)
    assert code == 1
    problems = json.loads(out)
    assert len(problems) == len(expected)
    assert problems[0] == json.loads(json.dumps(cli._jsonable(expected.iloc[0].to_dict())))
    assert {p["kind"] for p in problems} == set(expected["kind"])

    # refusing to score reports the same summary, on stderr
    code, out, err = _run(["score", str(study), "-o", str(tmp_path / "s.csv")], capsys)
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) < 2 * cli.SUMMARY_GROUPS + cli.FIRST_PROBLEMS
    assert "more (run `stigma-analysis validate` for all)" in err


def test_json_records_equal_json_dumps(capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.DataFrame(
        {
            "file": ["a/b.sav", "ភ្នំពេញ.csv", None, 'x\n"y"'],
            "row": pd.array([1, None, 3, 4], dtype="Int64"),
            "value": [5.0, "two", float("nan"), 97],
            "flag": [True, False, True, None],
        }
    )
    cli._dump_records(df.iloc[:0])
    assert json.loads(capsys.readouterr().out) == []
    cli._dump_records(df, chunk=3)
    out = capsys.readouterr().out
    expected = [cli._jsonable(r) for r in df.astype(object).to_dict("records")]
    assert json.loads(out) == expected
    assert "ភ្នំពេញ" in out  # UTF-8 console: not escaped
    assert len(out.splitlines()) == len(df) + 2  # one object per line


def test_broken_pipe_exits_quietly(tmp_path: Path) -> None:
    study = _miscoded(tmp_path, n=3000)  # ~1 MB of JSON: more than a pipe buffer
    proc = subprocess.Popen(
        [sys.executable, "-m", "stigma_analysis", "validate", str(study), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_SUBPROCESS_ENV,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    assert proc.stdout.readline().strip() == b"["
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) in (0, 141)
    assert "Traceback" not in err
    assert "Error" not in err


def test_internal_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stigma_analysis import instruments

    def broken() -> None:
        raise RuntimeError("something\nunexpected")

    monkeypatch.setattr(instruments, "list_instruments", broken)
    monkeypatch.delenv("STIGMA_ANALYSIS_DEBUG", raising=False)
    code, out, err = _run(["instruments"], capsys)
    assert code == 1
    assert out == ""
    assert err == (
        "error: internal error (RuntimeError: something unexpected); "
        "please report it with the command you ran\n"
    )
    monkeypatch.setenv("STIGMA_ANALYSIS_DEBUG", "1")  # developers get the traceback
    with pytest.raises(RuntimeError, match="something"):
        main(["instruments"])


@needs_example
def test_describe_on_a_cp1252_console() -> None:
    env = {**_SUBPROCESS_ENV, "PYTHONIOENCODING": "cp1252"}
    for extra in ([], ["--json"]):
        proc = subprocess.run(
            [sys.executable, "-m", "stigma_analysis", "describe", str(EXAMPLE_STUDY), *extra],
            capture_output=True,
            env=env,
            check=False,
            timeout=300,
        )
        err = proc.stderr.decode("cp1252")
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        out = proc.stdout.decode("cp1252")
        if extra:
            out.encode("ascii")  # escaped, so every console can show it
            site = {v["name"]: v for v in json.loads(out)["variables"]}["site"]
            assert "Phnom Penh / ភ្នំពេញ" in site["value_labels"].values()  # exact
        else:
            assert "Phnom Penh / \\u1797" in out


@needs_example
@pytest.mark.parametrize(
    "command",
    [
        ["describe", "{study}"],
        ["describe", "{folder}/wave1.sav", "--json"],
        ["validate", "{study}", "--json"],
        ["score", "{study}", "-o", "{out}/scores.sav"],
        ["reliability", "{study}", "--json"],
        ["instruments", "{folder}/reintegration_index.yaml"],
        [
            "report",
            "{study}",
            "--template",
            "{root}/analysis/programme-evaluation.qmd",
            "-o",
            "{out}",
        ],
    ],
    ids=lambda c: c[0] + ("-json" if "--json" in c else ""),
)
def test_no_command_modifies_its_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    import shutil

    folder = tmp_path / "study"
    shutil.copytree(EXAMPLE_STUDY.parent, folder)
    out = tmp_path / "out"
    out.mkdir()
    before = _checksums(folder)
    args = [
        a.format(study=folder / "study.yaml", folder=folder, out=out, root=ROOT) for a in command
    ]
    code, _, err = _run(args, capsys)
    assert code == 0, err
    assert _checksums(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)


# ----------------------------------------------------------------------------- report options
PARAMS_QMD = """\
---
title: "Parameters"
params:
  study: null
  seed: null
  invalid: raise
---

```{python}
#| label: parameters
#| tags: [parameters]
study = None
seed = None
invalid = "raise"
```

```{python}
#| label: show
from stigma_analysis import report

ctx = report.context(study, {"seed": seed, "invalid": invalid})
print(f"seed={ctx.seed!r} invalid={invalid!r} scored={int(ctx.scores['rses_total'].notna().sum())}")
```
"""


def _small_study(tmp_path: Path, *, invalid_answer: bool = False) -> Path:
    from tests.report.small_studies import pallant_study

    study = pallant_study(tmp_path / "study")
    if invalid_answer:
        frame = pd.read_csv(study.parent / "survey.csv")
        frame.loc[0, "rses_1"] = 7  # outside 1-4
        frame.to_csv(study.parent / "survey.csv", index=False)
    return study


def test_report_takes_document_parameters_and_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _small_study(tmp_path, invalid_answer=True)
    doc = tmp_path / "params.qmd"
    doc.write_text(PARAMS_QMD, encoding="utf-8")
    out = tmp_path / "out"
    base = ["report", str(study), "--template", str(doc), "-o", str(out), "--engine", "builtin"]
    code, _, err = _run([*base, "-P", "seed=4242", "--invalid", "missing"], capsys)
    assert code == 0, err
    import html

    page = html.unescape((out / "params.html").read_text(encoding="utf-8"))
    assert "seed=4242 invalid='missing' scored=120" in page
    # without --invalid missing the invalid answer stops the report, in one line
    code, _, err = _run(base, capsys)
    assert code == 1
    assert err.count("\n") == 1, err
    assert err.startswith("error: params.qmd (cell 'show"), err
    assert "DataValidationError" in err, err
    assert "cannot score" in err, err
    assert "Traceback" not in err


def test_report_parameter_syntax_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _small_study(tmp_path)
    code, _, err = _run(["report", str(study), "-P", "seed", "-o", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "-P expects KEY=VALUE" in err


def test_report_refuses_an_existing_file_as_output_before_rendering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    study = _small_study(tmp_path)
    target = tmp_path / "report.html"
    target.write_text("keep me", encoding="utf-8")
    t0 = time.perf_counter()
    code, _, err = _run(["report", str(study), "-o", str(target)], capsys)
    assert time.perf_counter() - t0 < 3  # refused before any kernel starts
    assert code == 2
    assert "is a file" in err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_a_failing_template_cell_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _small_study(tmp_path)
    failing = ROOT / "tests" / "report" / "fixtures" / "failing.qmd"
    code, _, err = _run(
        [
            "report",
            str(study),
            "--template",
            str(failing),
            "-o",
            str(tmp_path / "o"),
            "--engine",
            "builtin",
        ],
        capsys,
    )
    assert code == 1
    assert err == (
        "error: failing.qmd (cell 'boom'): ValueError: kaboom from the failing cell "
        "(the cell starts at line 12)\n"
    )
    assert "Traceback" not in err
    assert not (tmp_path / "o" / "failing.html").exists()


@needs_example
def test_describe_shows_type_and_observed_range(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["describe", str(EXAMPLE_STUDY.parent / "wave1.sav"), "--json"], capsys)
    assert code == 0
    by_name = {v["name"]: v for v in json.loads(out)["variables"]}
    assert by_name["ismi_1"]["type"] == "numeric"
    assert (by_name["ismi_1"]["min"], by_name["ismi_1"]["max"]) == (1, 4)  # 97-99 are missing
    assert by_name["resp_id"]["type"] == "string"
    assert by_name["resp_id"]["min"] is None
    assert by_name["age"]["max"] is not None  # a file: the data manager sees everything
    code, out, _ = _run(["describe", str(EXAMPLE_STUDY)], capsys)
    assert code == 0
    header = out.splitlines()[0].split()
    assert {"type", "min", "max"} <= set(header)


@needs_example
def test_describe_study_withholds_the_range_of_quasi_identifiers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(["describe", str(EXAMPLE_STUDY), "--json"], capsys)
    assert code == 0
    by_name = {v["name"]: v for v in json.loads(out)["variables"]}
    assert by_name["age"]["min"] is None  # the oldest survivor's age is one person's value
    assert by_name["age"]["max"] is None
    assert (by_name["ismi_1"]["min"], by_name["ismi_1"]["max"]) == (1, 4)

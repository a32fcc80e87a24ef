"""The ``stigma-analysis`` command: parses arguments, calls the API, prints.

Exit codes: 0 success, 1 a data or specification problem (reported in one readable
message, no traceback), 2 a usage error. Commands that report results take ``--json``
(stable keys, for scripts). This module imports only the standard library at import time
so that ``stigma-analysis --help`` is instant.

Robustness: output piped into a reader that stops early (``| head``) ends quietly with exit
code 141 (128 + SIGPIPE, as a shell reports it); a console that cannot show some characters
(Khmer on a cp1252 / cp437 Windows console, ``PYTHONIOENCODING=cp1252``) gets them as
``\\uXXXX`` escapes in tables, and ASCII-escaped but exact JSON. Any other, unexpected exception
is reported as one line ``error: internal error (Type: message); please report it ...`` with
exit code 1. Set the environment variable ``STIGMA_ANALYSIS_DEBUG=1`` to let such exceptions
propagate with their full traceback instead (for developers).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import math
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `... | head`
DEBUG_ENV = "STIGMA_ANALYSIS_DEBUG"
SUMMARY_GROUPS = 40  # readable problem lists: at most this many (file, column, kind, reason) rows
FIRST_PROBLEMS = 50  # ... then this many individual problems


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="stigma-analysis",
        description=(
            "Load, score, check and report survey data on stigma among survivors of trafficking. "
            "Run a command with --help for its options."
        ),
        epilog="Example: stigma-analysis report surveys/example/study.yaml",
    )
    from stigma_analysis import __version__

    p.add_argument("--version", action="version", version=f"stigma-analysis {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    d = sub.add_parser(
        "describe",
        help="codebook of a data file or a study: labels, value labels, missing codes, counts",
        description=(
            "Codebook of a data file or a study. For a study, counts of missing answers "
            "from 1 to privacy.min_cell - 1 are hidden (text: <5; JSON: null, the key listed "
            "in 'suppressed'), with n_valid and n_missing of that variable ([c] in text)."
        ),
    )
    d.add_argument(
        "path",
        metavar="FILE_OR_STUDY",
        help="a .sav/.zsav/.por/.csv/.parquet file, or a study.yaml",
    )
    d.add_argument("--codebook", help="codebook file for a CSV (YAML or CSV)")
    d.add_argument(
        "--encoding", help="text encoding of the file, if it is not detected correctly (e.g. cp874)"
    )
    d.add_argument("--json", action="store_true", help="print JSON with stable keys")
    d.set_defaults(func=_describe)

    v = sub.add_parser("validate", help="list every data problem of a study (exit 1 if any)")
    v.add_argument("study", metavar="STUDY", help="the study.yaml")
    v.add_argument("--json", action="store_true", help="print JSON with stable keys")
    v.set_defaults(func=_validate)

    s = sub.add_parser("score", help="write scale scores, one row per respondent x wave")
    s.add_argument("study", metavar="STUDY", help="the study.yaml")
    s.add_argument(
        "-o", "--output", required=True, help="output file: .parquet, .csv or .sav (with labels)"
    )
    _invalid_option(s)
    s.add_argument("--json", action="store_true", help="print a JSON summary")
    s.set_defaults(func=_score)

    r = sub.add_parser("reliability", help="per instrument scale: n, items, alpha (CI), omega")
    r.add_argument("study", metavar="STUDY", help="the study.yaml")
    r.add_argument(
        "--ci",
        choices=["feldt", "duhachek", "bootstrap", "bca"],
        default="feldt",
        help="interval method",
    )
    r.add_argument("--items", action="store_true", help="also print item statistics")
    r.add_argument("--json", action="store_true", help="print JSON with stable keys")
    r.set_defaults(func=_reliability)

    rep = sub.add_parser(
        "report", help="render the study's reports to HTML (research and programme evaluation)"
    )
    rep.add_argument("study", metavar="STUDY", help="the study.yaml")
    rep.add_argument(
        "--template", metavar="QMD", help="the document (default analysis/reintegration.qmd)"
    )
    rep.add_argument(
        "-o",
        "--output-dir",
        default="_output",
        metavar="DIR",
        help="output folder (default _output)",
    )
    rep.add_argument(
        "--engine", choices=["auto", "quarto", "builtin"], default="auto", help="renderer"
    )
    rep.add_argument(
        "-P",
        "--execute-param",
        dest="params",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a document parameter, as Quarto's -P (e.g. -P seed=7); repeatable",
    )
    _invalid_option(rep)
    rep.add_argument(
        "--format",
        dest="formats",
        action="append",
        metavar="FMT",
        help="html, docx or pdf; repeat or comma-separate for several (default html)",
    )
    rep.set_defaults(func=_report)

    pw = sub.add_parser(
        "power", help="power and minimum detectable effect of a two-arm design clustered by site"
    )
    pw.add_argument("--n-per-arm", type=int, required=True, metavar="N", help="recruited per arm")
    pw.add_argument("--clusters-per-arm", type=int, metavar="K", help="sites per arm (>= 2)")
    pw.add_argument("--icc", type=float, default=0.0, help="intraclass correlation (default 0)")
    pw.add_argument("--cv", type=float, default=0.0, help="coefficient of variation of site sizes")
    pw.add_argument(
        "--pre-post-r", type=float, default=0.0, help="pre-post correlation (ANCOVA; default 0)"
    )
    pw.add_argument("--attrition", type=float, default=0.0, help="share lost before follow-up")
    pw.add_argument("--alpha", type=float, default=0.05, help="two-sided level (default 0.05)")
    pw.add_argument(
        "--effect-size", type=float, nargs="*", default=[], metavar="D", help="effect sizes (d)"
    )
    pw.add_argument("--power", type=float, default=0.8, help="target power for the MDE (0.8)")
    pw.add_argument("--json", action="store_true", help="print JSON with stable keys")
    pw.set_defaults(func=_power)

    ins = sub.add_parser("instruments", help="list the shipped instruments, or show one")
    ins.add_argument("id", nargs="?", metavar="ID", help="an instrument id or a definition file")
    ins.add_argument("--json", action="store_true", help="print JSON")
    ins.set_defaults(func=_instruments)
    return p


def _invalid_option(parser: argparse.ArgumentParser) -> None:
    """``--invalid raise|missing``, the same for every command that scores."""
    parser.add_argument(
        "--invalid",
        choices=["raise", "missing"],
        default="raise",
        help="what to do with invalid answers: stop (default) or treat them as missing",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``stigma-analysis``; returns the exit code."""
    _tolerant_streams()
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    return code


def _run(args: argparse.Namespace) -> int:
    """Run the command; turn expected problems (and, last, unexpected ones) into one message."""
    from stigma_analysis.errors import DataValidationError, StigmaAnalysisError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = int(args.func(args))
        except BrokenPipeError:
            raise
        except DataValidationError as exc:
            _err(str(exc))
            _print_problems(
                exc.failure_cases, stream=sys.stderr, more="run `stigma-analysis validate` for all"
            )
            code = EXIT_PROBLEM
        except StigmaAnalysisError as exc:
            _err(str(exc))
            code = EXIT_PROBLEM
        except KeyboardInterrupt:
            _err("interrupted")
            code = 130
        except Exception as exc:  # last resort: one line, no traceback (unless debugging)
            if os.environ.get(DEBUG_ENV, "") not in {"", "0"}:
                raise
            _err(
                f"internal error ({type(exc).__name__}: {_one_line(str(exc))}); "
                "please report it with the command you ran"
            )
            code = EXIT_PROBLEM
    seen: set[str] = set()
    for w in caught:
        msg = str(w.message)
        if msg not in seen and not issubclass(w.category, DeprecationWarning):
            seen.add(msg)
            print(f"warning: {msg}", file=sys.stderr)
    return code


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tolerant_streams() -> None:
    """Characters the console cannot encode are printed as escapes instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            # a closed or detached stream: leave it alone
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at devnull so that the exit flush cannot fail again.

    The recipe of the Python documentation (``signal`` module, "Note on SIGPIPE").
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests)
        pass


def _utf8_stdout() -> bool:
    enc = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(enc).name == "utf-8"
    except LookupError:
        return False


ERROR_LIMIT = 1000  # characters of one error line: a message quoting a huge value is cut


def _say_guessed(codebooks: Iterable[Any]) -> None:
    """On stderr, which files were read in a guessed text encoding (their text may be wrong)."""
    for cb in codebooks:
        if cb.encoding_guessed:
            print(f"read {cb.source} as {cb.encoding} (guessed)", file=sys.stderr)
        for note in cb.notes:
            if note.startswith("read with ") and "separator (detected" in note:
                print(f"{cb.source}: {note}", file=sys.stderr)


def _err(msg: str) -> None:
    if len(msg) > ERROR_LIMIT:
        msg = msg[: ERROR_LIMIT - 3] + "..."
    print(f"error: {msg}", file=sys.stderr)


def _print_table(df: Any, *, stream: Any = None, limit: int | None = None) -> None:
    import pandas as pd

    stream = stream or sys.stdout
    more = 0
    if limit is not None and len(df) > limit:
        df, more = df.head(limit), len(df) - limit
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        print(df.to_string(index=False), file=stream)
    if more:
        print(f"... and {more} more (use --json for all)", file=stream)


def _print_problems(problems: Any, *, stream: Any = None, more: str = "use --json for all") -> None:
    """Readable problem list of any length: counts by (file, column, kind, reason), then the
    first problems one by one, then how many were left out."""
    stream = stream or sys.stdout
    if len(problems) > FIRST_PROBLEMS:
        keys = [k for k in ("file", "column", "kind", "reason") if k in problems.columns]
        counts = (
            problems.groupby(keys, dropna=False, sort=False)
            .size()
            .rename("n")
            .reset_index()
            .sort_values("n", ascending=False, kind="stable")
        )
        head = counts.head(SUMMARY_GROUPS)[["n", *keys]]
        print("Problems by file, column, kind and reason:", file=stream)
        print(_left_aligned(head), file=stream)
        if len(counts) > len(head):
            rest = counts["n"].iloc[len(head) :].sum()
            print(f"... and {len(counts) - len(head)} more groups ({rest} problems)", file=stream)
        print(f"\nThe first {FIRST_PROBLEMS} problems:", file=stream)
    first = problems.head(FIRST_PROBLEMS)
    if "reason" in first.columns:  # the long text last
        first = first[[c for c in first.columns if c != "reason"] + ["reason"]]
    print(_left_aligned(first), file=stream)
    if len(problems) > FIRST_PROBLEMS:
        print(f"... and {len(problems) - FIRST_PROBLEMS} more ({more})", file=stream)


def _left_aligned(df: Any) -> str:
    """A small table as text: numbers right-aligned, text left-aligned (long reasons read better)."""
    import pandas as pd

    columns = []
    for c in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        cells = [str(c)] + ["" if pd.isna(x) else str(x) for x in df[c].astype(object)]
        width = max(len(x) for x in cells)
        columns.append([x.rjust(width) if numeric else x.ljust(width) for x in cells])
    return "\n".join("  ".join(row).rstrip() for row in zip(*columns, strict=True))


def _jsonable(x: Any) -> Any:
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if x is None or isinstance(x, str | int | float | bool):
        return x
    try:
        import pandas as pd

        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return str(x)


def _dump(obj: Any) -> None:
    print(json.dumps(_jsonable(obj), ensure_ascii=not _utf8_stdout(), indent=2))


def _dump_records(df: Any, *, chunk: int = 50_000) -> None:
    """A table as one JSON array, one object per line, written in chunks (fast for 10^6 rows).

    Each distinct cell value of a column is encoded once (``json.dumps`` after the same
    conversion as :func:`_dump`: missing values and nan become null), then the lines are
    assembled column by column; the result equals ``json.dumps`` of the records.
    """
    import numpy as np
    import pandas as pd

    ascii_only = not _utf8_stdout()
    keys = [json.dumps(str(c), ensure_ascii=ascii_only) + ": " for c in df.columns]
    out = sys.stdout
    out.write("[")
    for start in range(0, len(df), chunk):
        part = df.iloc[start : start + chunk]
        lines = np.full(len(part), "{", dtype=object)
        for i, key in enumerate(keys):
            col = part.iloc[:, i]
            if pd.api.types.is_integer_dtype(col):  # row numbers: fast path
                missing = col.isna().to_numpy()
                cells = col.fillna(0).to_numpy(dtype=np.int64).astype(str).astype(object)
                cells[missing] = "null"
            else:
                codes, uniques = pd.factorize(col, use_na_sentinel=True)
                encoded = [json.dumps(_jsonable(u), ensure_ascii=ascii_only) for u in uniques]
                cells = np.array([*encoded, "null"], dtype=object)[codes]  # code -1: missing
            lines = lines + ((", " + key) if i else key) + cells
        lines = lines + "}"
        out.write(("\n  " if start == 0 else ",\n  ") + ",\n  ".join(lines.tolist()))
    out.write("\n]\n" if len(df) else "]\n")


def _is_study(path: str) -> bool:
    p = Path(path)
    return p.suffix.lower() in {".yaml", ".yml"} or p.is_dir()


# ------------------------------------------------------------------------- commands


def _describe(args: argparse.Namespace) -> int:
    min_cell = None
    if _is_study(args.path):
        from stigma_analysis.study import load_study

        study = load_study(args.path)
        _say_guessed(study.codebooks.values())
        min_cell = study.spec.privacy.min_cell
        records = _suppress_missing_counts(_study_variables(study), min_cell)
    else:
        from stigma_analysis.io import describe_records, read_survey

        if args.encoding is not None and Path(args.path).suffix.lower() == ".csv":
            try:
                codecs.lookup(args.encoding)
            except LookupError:
                _err(
                    f"--encoding {args.encoding!r} is not an encoding name "
                    "(use one such as utf-8, cp1252, cp874, latin-1)"
                )
                return EXIT_PROBLEM
        survey = read_survey(args.path, codebook=args.codebook, encoding=args.encoding)
        _say_guessed([survey.codebook])
        records = describe_records(survey)
    if args.json:
        _dump(
            {"variables": records}
            if min_cell is None
            else {"min_cell": min_cell, "variables": records}
        )
        return EXIT_OK
    import pandas as pd

    rows = []
    for r in records:
        hidden = set(r.get("suppressed") or ())
        vl = r.get("value_labels") or {}
        rows.append(
            {
                "name": r["name"],
                "label": (r.get("label") or "")[:40],
                "value_labels": "; ".join(f"{k}={v}" for k, v in list(vl.items())[:4])
                + (" ..." if len(vl) > 4 else ""),
                "type": r.get("type") or "",
                "min": "" if r.get("min") is None else r["min"],
                "max": "" if r.get("max") is None else r["max"],
                "missing_codes": ", ".join(str(c) for c in r.get("missing_codes") or []),
                "n_valid": _shown_count(r, "n_valid", hidden, min_cell),
                "n_missing": _shown_count(r, "n_missing", hidden, min_cell),
            }
        )
        if min_cell is not None:  # a study: missing answers by code, small ones as <5
            rows[-1]["missing_by_code"] = ", ".join(
                f"{code}={'<' + str(min_cell) if n is None else n}"
                for code, n in (r.get("n_missing_by_code") or {}).items()
            )
    _print_table(pd.DataFrame(rows))
    return EXIT_OK


def _shown_count(record: dict[str, Any], key: str, hidden: set[str], min_cell: int | None) -> Any:
    """A count of the text codebook: ``<5`` when small, ``[c]`` when hidden to protect one."""
    if key not in hidden:
        return record.get(key)
    return f"<{min_cell}" if key in record.get("suppressed_small", ()) else "[c]"


def _suppress_missing_counts(records: list[dict[str, Any]], min_cell: int) -> list[dict[str, Any]]:
    """Hide small missing-value counts of a study's codebook (``describe STUDY``).

    A count of respondents who refused one question is published data about few survivors.
    Counts of a missing code (``n_missing_by_code``) and ``n_missing`` from 1 to
    ``min_cell - 1`` become ``None``; when any is hidden, so are ``n_missing`` and
    ``n_valid`` of that variable (``n_missing`` less the shown codes, or the row count less
    ``n_valid``, would give a hidden count back). ``suppressed`` lists the hidden keys
    (``"n_missing_by_code.98"``), ``suppressed_small`` those hidden for being small.
    """
    out = []
    for rec in records:
        rec = dict(rec)
        by_code = dict(rec.get("n_missing_by_code") or {})
        small = [f"n_missing_by_code.{c}" for c, n in by_code.items() if 0 < n < min_cell]
        n_missing = int(rec.get("n_missing") or 0)
        if 0 < n_missing < min_cell:
            small.append("n_missing")
        hidden = list(small)
        if small:
            hidden += [k for k in ("n_missing", "n_valid") if k not in hidden]
        for key in hidden:
            if key.startswith("n_missing_by_code."):
                by_code[key.split(".", 1)[1]] = None
            else:
                rec[key] = None
        rec["n_missing_by_code"] = by_code
        rec["suppressed"] = hidden
        rec["suppressed_small"] = small
        out.append(rec)
    return out


def _study_variables(study: Any) -> list[dict[str, Any]]:
    """One record per variable of the combined study table, with missing counts by code."""
    from stigma_analysis.io import Survey, describe_records

    seen: dict[str, dict[str, Any]] = {}
    for wave, cb in sorted(study.codebooks.items()):
        part = study.data[study.data[study.wave] == wave]
        cols = [c for c in cb.variables if c in part.columns]
        recs = describe_records(Survey(data=part[cols].reset_index(drop=True), codebook=cb))
        for r in recs:
            agg = seen.setdefault(
                r["name"], {**r, "n_valid": 0, "n_missing": 0, "n_missing_by_code": {}}
            )
            agg["n_valid"] += int(r.get("n_valid") or 0)
            agg["n_missing"] += int(r.get("n_missing") or 0)
            for key, pick in (("min", min), ("max", max)):
                if r.get(key) is not None:
                    agg[key] = r[key] if agg.get(key) is None else pick(agg[key], r[key])
    miss = study.missing
    if not miss.empty:
        for (col, code), n in miss.groupby(["column", "code"]).size().items():
            if col in seen:
                key = f"{code:g}" if isinstance(code, float) else str(code)
                seen[col]["n_missing_by_code"][key] = int(n)
    # one person's value must not be printed: the range of a quasi-identifier (the oldest
    # survivor's age) or of a column that looks personal is withheld
    withheld = set(study.spec.privacy.quasi_identifiers) | set(study.pii["column"])
    withheld.add(study.id)
    for col, rec in seen.items():
        if col in withheld:
            rec["min"] = rec["max"] = None
        rec.setdefault("n_missing_by_code", {})
        rec["n_missing_by_code"] = dict(sorted(rec["n_missing_by_code"].items()))
        del col
    return list(seen.values())


def _validate(args: argparse.Namespace) -> int:
    from stigma_analysis.study import load_study

    study = load_study(args.study)
    _say_guessed(study.codebooks.values())
    problems = study.validate()
    if args.json:
        _dump_records(problems)
    elif problems.empty:
        print(f"{args.study}: no problems found ({len(study.data)} rows, waves {study.waves})")
    else:
        print(f"{args.study}: {len(problems)} problem(s)")
        _print_problems(problems)
    return EXIT_OK if problems.empty else EXIT_PROBLEM


def _score(args: argparse.Namespace) -> int:
    from stigma_analysis.io import write_survey
    from stigma_analysis.scoring import labelled_scores, score
    from stigma_analysis.study import load_study

    study = load_study(args.study)
    _say_guessed(study.codebooks.values())
    # before scoring: personal columns would be copied into the scores (DisclosureError, exit 1)
    study.disclosure_policy()
    scores = score(study, on_invalid=args.invalid)
    out = Path(args.output)
    written = write_survey(labelled_scores(study, scores), out, protect=_score_inputs(study))
    summary = {"output": str(written), "rows": len(scores), "columns": len(scores.columns)}
    if args.json:
        _dump(summary)
    else:
        print(
            f"wrote {written}: {len(scores)} rows (respondent x wave), {len(scores.columns)} columns"
        )
    return EXIT_OK


def _score_inputs(study: Any) -> list[Path]:
    """Files ``score -o`` must never overwrite: the study's inputs and its pseudonym key.

    Overwriting the key file would silently change every pseudonym of the next run.
    """
    protected = list(study.files)
    key_file = study.spec.privacy.key_file
    if key_file:
        protected.append(study.folder / key_file)
    return protected


def _reliability(args: argparse.Namespace) -> int:
    from stigma_analysis.reliability import item_statistics, reliability_table
    from stigma_analysis.study import load_study

    study = load_study(args.study)
    _say_guessed(study.codebooks.values())
    table = reliability_table(study, ci=args.ci, seed=study.spec.seed)
    if args.json:
        _dump(table.to_dict("records"))
        return EXIT_OK
    cols = [
        c
        for c in [
            "instrument",
            "scale",
            "wave",
            "n",
            "n_items",
            "alpha",
            "alpha_ci_low",
            "alpha_ci_high",
            "omega_total",
        ]
        if c in table.columns
    ]
    view = table[cols].copy()
    for c in ["alpha", "alpha_ci_low", "alpha_ci_high", "omega_total"]:
        if c in view:
            view[c] = view[c].round(3)
    print(
        f"Reliability ({table['estimator'].iloc[0] if 'estimator' in table and len(table) else ''}; CI: {args.ci})"
    )
    _print_table(view)
    if args.items:
        for b in study.instruments:
            print(f"\n{b.name} ({b.instrument.id}): item statistics")
            _print_table(item_statistics(study.data, b.instrument, columns=b.columns).round(3))
    return EXIT_OK


def _documents(template: str | None) -> list[Path]:
    """The report documents: --template, else every .qmd in analysis/ (here, or in the checkout)."""
    if template:
        doc = Path(template)
        if not doc.exists():
            raise SystemExit(_usage(f"report template not found: {doc}"))
        return [doc]
    for folder in (Path.cwd() / "analysis", Path(__file__).resolve().parents[1] / "analysis"):
        docs = sorted(folder.glob("*.qmd"))
        if docs:
            return docs
    raise SystemExit(_usage("no report documents found in ./analysis; name one with --template"))


def _report_params(pairs: Sequence[str]) -> dict[str, Any]:
    """``-P key=value`` pairs as document parameters (values read as YAML scalars: 7 is a number).

    ``key:value`` (Quarto's own spelling) is accepted too.
    """
    import yaml

    params: dict[str, Any] = {}
    for pair in pairs:
        sep = "=" if "=" in pair else ":"
        key, found, value = pair.partition(sep)
        key = key.strip()
        if not found or not key.isidentifier():
            raise SystemExit(_usage(f"-P expects KEY=VALUE (e.g. -P seed=7); got {pair!r}"))
        if key == "study":
            raise SystemExit(_usage("-P study=... : give the study as the STUDY argument"))
        try:
            params[key] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            params[key] = value
    return params


def _report(args: argparse.Namespace) -> int:
    from stigma_analysis.errors import RenderError
    from stigma_analysis.report import render
    from stigma_analysis.study import load_study

    params = _report_params(args.params)
    if args.invalid != "raise":
        params["invalid"] = args.invalid
    out = Path(args.output_dir)
    if out.exists() and not out.is_dir():
        raise SystemExit(
            _usage(f"-o {out}: is a file; give a folder for the reports (it is created if needed)")
        )
    formats = [f.strip() for v in (args.formats or ["html"]) for f in v.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("html", "docx", "pdf")]
    if bad or not formats:
        return _usage(f"--format must be html, docx or pdf; got {', '.join(bad) or 'nothing'}")
    formats = list(dict.fromkeys(formats))
    documents = _documents(args.template)
    # refuse before starting a kernel: unresolved personal columns (DisclosureError, exit 1)
    load_study(args.study).disclosure_policy()
    for doc in documents:
        try:
            written = render(
                doc,
                args.study,
                output_dir=out,
                engine=args.engine,
                params=params,
                formats=formats,
            )
        except RenderError as exc:
            if os.environ.get(DEBUG_ENV, "") not in {"", "0"}:
                raise
            _err(_one_line(_render_failure(exc)))
            return EXIT_PROBLEM
        for o in written:
            print(f"wrote {o}")
    return EXIT_OK


def _power(args: argparse.Namespace) -> int:
    import pandas as pd

    from stigma_analysis.evaluation import minimum_detectable_effect, power

    design = {
        "n_per_arm": args.n_per_arm,
        "clusters_per_arm": args.clusters_per_arm,
        "icc": args.icc,
        "cv": args.cv,
        "pre_post_r": args.pre_post_r,
        "attrition": args.attrition,
        "alpha": args.alpha,
    }
    try:
        mde = minimum_detectable_effect(target_power=args.power, **design)
        rows = [power(effect_size=d, **design) for d in args.effect_size]
    except ValueError as exc:
        return _usage(str(exc))
    table = pd.DataFrame(
        {"effect_size": [r.effect_size for r in rows], "power": [r.power for r in rows]}
    )
    keys = ("design_effect", "variance_factor", "n_analysed_per_arm", "effective_n_per_arm", "df")
    if args.json:
        _dump(
            {
                "design": {**design, **{k: getattr(mde, k) for k in keys}},
                "power": table.to_dict("records"),
                "minimum_detectable_effect": {"power": mde.power, "effect_size": mde.effect_size},
            }
        )
        return EXIT_OK
    clusters = f", {args.clusters_per_arm} sites per arm" if args.clusters_per_arm else ""
    print(
        f"Two-arm design: {args.n_per_arm} per arm{clusters}; design effect "
        f"{mde.design_effect:.3f}, effective n per arm {mde.effective_n_per_arm:.1f}, "
        f"df {mde.df:g}, alpha {args.alpha:g}"
    )
    if rows:
        _print_table(table.round(4))
    print(f"minimum detectable effect at power {mde.power:g}: d = {mde.effect_size:.3f}")
    return EXIT_OK


def _render_failure(exc: Any) -> str:
    """A failed render in one line: document, cell and the error, without the traceback."""
    cause = str(exc.cause).strip().splitlines()
    head = cause[0] if cause else "failed"
    where = f" (cell {exc.cell!r})" if exc.cell else ""
    return f"{exc.document.name}{where}: {head}"


def _usage(msg: str) -> int:
    _err(msg)
    return EXIT_USAGE


def _instruments(args: argparse.Namespace) -> int:
    from stigma_analysis.instruments import list_instruments, load_instrument

    if not args.id:
        table = list_instruments()
        if args.json:
            _dump(table.to_dict("records"))
        else:
            _print_table(table)
        return EXIT_OK
    ins = load_instrument(args.id)
    info = ins.model_dump(by_alias=True)
    info["scales"] = {s: list(ins.scale_items(s)) for s in ins.scales}
    if args.json:
        _dump(info)
        return EXIT_OK
    print(f"{ins.id}: {ins.name}  [{ins.status}]")
    print(f"  construct: {ins.construct}; scoring: {ins.scoring}; min_answered: {ins.min_answered}")
    print(
        f"  response: {ins.response.min:g}-{ins.response.max:g}  "
        + ", ".join(f"{k:g}={v}" for k, v in ins.response.labels.items())
    )
    print(f"  reverse-keyed: {', '.join(ins.reverse) or 'none'}")
    for s in ins.scales:
        items = ins.scale_items(s)
        print(f"  scale {s} ({len(items)} items): {', '.join(items)}")
    for s, bands in ins.cutoffs.items():
        print(f"  cut-offs on {s}: " + "; ".join(f"{b.label} from {b.from_:g}" for b in bands))
    print(f"  citation: {ins.citation}")
    print(f"  licence: {ins.licence}")
    for k, v in ins.sources.items():
        print(f"  source of {k}: {v}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

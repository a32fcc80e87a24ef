"""Run every benchmark in one process and write the combined table to ``RESULTS.md``.

    python benchmarks/run_all.py            # full sizes (about 10 minutes on 2 cores)
    python benchmarks/run_all.py --quick    # small sizes, prints only (unless --output)
    python benchmarks/run_all.py --only alpha,read

Each workload's ``main(argv)`` is called with the sizes below (the same options as running the
script by itself); its rows are collected, printed, checked against the targets of issue 8 and
written, with the machine description, to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common
from _common import Row

HERE = Path(__file__).resolve().parent

# workload -> (module, full argv, quick argv)
WORKLOADS: dict[str, tuple[str, list[str], list[str]]] = {
    "scoring": ("bench_scoring", ["--repeat", "3"], ["--n", "100000", "--repeat", "1"]),
    "alpha": ("bench_alpha", ["--repeat", "5", "--r-repeat", "1"], ["--n", "100000"]),
    "bootstrap": ("bench_bootstrap", ["--repeat", "3", "--r-repeat", "1"], ["--n-boot", "200"]),
    "read": (
        "bench_read",
        ["--repeat", "3", "--r-repeat", "2"],
        ["--n", "100000", "--repeat", "1", "--r-repeat", "1"],
    ),
    "mediation": ("bench_mediation", ["--repeat", "5"], ["--n-boot", "1000", "--repeat", "3"]),
    "imputation": (
        "bench_imputation",
        ["--repeat", "3", "--r-repeat", "3", "--sm-repeat", "1"],
        ["--m", "5", "--repeat", "1", "--r-repeat", "1"],
    ),
    "report": ("bench_report", ["--repeat", "5"], ["--repeat", "3"]),
}


def _run_workload(module: str, argv: list[str]) -> list[Row]:
    """Import the script and call its ``main``; collect the rows it prints."""
    mod = importlib.import_module(module)
    collected: list[Row] = []
    printer = getattr(mod, "print_table")  # noqa: B009 (module attribute, for mypy)

    def collect(rows: list[Row], *, baseline: str) -> None:
        collected.extend(rows)
        printer(rows, baseline=baseline)

    setattr(mod, "print_table", collect)  # noqa: B010 - bench_scoring's main() returns nothing: capture its table
    old_argv = sys.argv
    sys.argv = [module, *argv]
    try:
        mod.main(argv) if module != "bench_scoring" else mod.main()
    finally:
        sys.argv = old_argv
        setattr(mod, "print_table", printer)  # noqa: B010
    return collected


# ----------------------------------------------------------------------------- machine
def _cmd(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine() -> dict[str, str]:
    import numpy
    import pandas

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    versions = {"numpy": numpy.__version__, "pandas": pandas.__version__}
    for name in ("scipy", "statsmodels", "pingouin", "pyreadstat"):
        try:
            versions[name] = importlib.import_module(name).__version__
        except Exception:  # absent or broken peer: note it, do not stop
            versions[name] = "not installed"
    r = _cmd(
        "Rscript",
        "-e",
        'cat(R.version.string, "; psych", as.character(packageVersion("psych")), "; haven", as.character(packageVersion("haven")), "; mice", as.character(packageVersion("mice")))',
    )
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": _cmd("nproc") or str(os.cpu_count()),
        "cpu": cpu or "unknown",
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "R": r or "Rscript not available",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": _cmd("git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"),
        "dirty": ", ".join(
            line.split(maxsplit=1)[-1]
            for line in _cmd(
                "git", "-C", str(HERE.parent), "status", "--porcelain", "--", "stigma_analysis"
            ).splitlines()
        ),
    }


# ----------------------------------------------------------------------------- targets
def _find(rows: list[Row], tool: str) -> Row | None:
    return next((r for r in rows if r.tool.startswith(tool) and r.seconds is not None), None)


def _ratio(rows: list[Row], peer: str, ours: str = "stigma_analysis") -> float | None:
    a, b = _find(rows, peer), next((r for r in rows if r.tool == ours and r.seconds), None)
    return None if a is None or b is None else a.seconds / b.seconds  # type: ignore[operator]


def _inverse(x: float | None) -> float | None:
    return None if x is None else 1 / x


def targets(results: dict[str, list[Row]], quick: bool) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target of issue 8 that was run."""
    out: list[tuple[str, str, str]] = []

    def add(label: str, value: float | None, fmt: str, ok: Callable[[float], bool]) -> None:
        if value is None:
            out.append((label, "not measured (peer skipped?)", "-"))
        else:
            out.append((label, fmt.format(value), "met" if ok(value) else "**missed**"))

    if "scoring" in results:
        rs = results["scoring"]
        add(
            "scoring: >= 50x faster than psych::scoreItems",
            _ratio(rs, "R psych::scoreItems"),
            "{:.1f}x",
            lambda v: v >= 50,
        )
        add(
            "scoring: <= 2x numpy nanmean floor",
            _inverse(_ratio(rs, "numpy nanmean")),
            "{:.2f}x",
            lambda v: v <= 2,
        )
        ours = _find(rs, "stigma_analysis")
        if ours is not None and ours.peak_mb is not None and "=" in ours.note:
            v = float(ours.note.rsplit("=", 1)[1])
            add("scoring: peak memory <= 3x item matrix", v, "{:.2f}x", lambda v: v <= 3)
    if "alpha" in results:
        add(
            "alpha + item stats: faster than pingouin.cronbach_alpha",
            _ratio(results["alpha"], "pingouin"),
            "{:.2f}x",
            lambda v: v > 1,
        )
    if "bootstrap" in results:
        rs = results["bootstrap"]
        add(
            "bootstrap CI (percentile): >= 20x faster than psych::alpha(n.iter)",
            _ratio(rs, "R psych"),
            "{:.1f}x",
            lambda v: v >= 20,
        )
        add(
            "bootstrap CI (BCa): >= 20x faster than psych::alpha(n.iter)",
            _ratio(rs, "R psych", "stigma_analysis (BCa)"),
            "{:.1f}x",
            lambda v: v >= 20,
        )
    if "read" in results:
        rs = results["read"]
        r1 = _ratio(rs, "pyreadstat.read_sav(user_missing=True)")
        add(
            "read .sav: <= 1.15x pyreadstat.read_sav(user_missing=True)",
            _inverse(r1),
            "{:.3f}x",
            lambda v: v <= 1.15,
        )
        ours = _find(rs, "stigma_analysis")
        if ours is not None and "overhead" in ours.extra:
            add(
                "read .sav: read_survey / its own pyreadstat.read_sav call <= 1.15 (profiled run)",
                1 + ours.extra["overhead"],
                "{:.3f}x",
                lambda v: v <= 1.15,
            )
        r2 = _ratio(rs, "pyreadstat.read_sav()")
        add(
            "read .sav: <= 1.15x plain pyreadstat.read_sav()",
            _inverse(r2),
            "{:.3f}x",
            lambda v: v <= 1.15,
        )
    if "mediation" in results:
        rs = results["mediation"]
        add(
            "mediation: >= 10x faster than pingouin",
            _ratio(rs, "pingouin"),
            "{:.1f}x",
            lambda v: v >= 10,
        )
        p = _find(rs, "pingouin")
        if p is not None:
            same = "same point estimates" in p.note
            out.append(
                (
                    "mediation: same point estimates as pingouin",
                    p.note.split("; ", 1)[-1],
                    "met" if same else "**missed**",
                )
            )
    if "imputation" in results:
        rs = results["imputation"]
        add(
            "imputation: no slower than R mice (ratio R / ours)",
            _ratio(rs, "R mice"),
            "{:.2f}x",
            lambda v: v >= 1,
        )
        add(
            "imputation: >= 3x faster than statsmodels MICE",
            _ratio(rs, "statsmodels"),
            "{:.1f}x",
            lambda v: v >= 3,
        )
    if "report" in results:
        for r in results["report"]:
            if r.workload.startswith("render") and r.tool == "stigma_analysis":
                label = f"{r.workload}: < 60 s"
                add(label, r.seconds, "{:.1f} s", lambda v: v < 60)
        h = _find(
            [r for r in results["report"] if r.workload.startswith("stigma-analysis")],
            "stigma_analysis",
        )
        add(
            "stigma-analysis --help: < 0.5 s",
            None if h is None else h.seconds,
            "{:.3f} s",
            lambda v: v < 0.5,
        )
    if quick:
        out = [(a, b, c + " (quick sizes)") for a, b, c in out]
    return out


# ----------------------------------------------------------------------------- output
def table_lines(rows: list[Row]) -> list[str]:
    base = {r.workload: r.seconds for r in rows if r.tool == "stigma_analysis" and r.seconds}
    lines = [
        "| workload | tool | median s | x ours | peak MB | note |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = (
            ""
            if r.seconds is None or not base.get(r.workload)
            else f"{r.seconds / base[r.workload]:.2f}"
        )
        secs = "skipped" if r.seconds is None else f"{r.seconds:.3f}"
        peak = "" if r.peak_mb is None else f"{r.peak_mb:.0f}"
        note = r.note.replace("|", "/")
        lines.append(f"| {r.workload} | {r.tool} | {secs} | {ratio} | {peak} | {note} |")
    return lines


def write_results(
    path: Path, results: dict[str, list[Row]], info: dict[str, Any], quick: bool, seconds: float
) -> None:
    rows = [r for rs in results.values() for r in rs]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python benchmarks/run_all.py{' --quick' if quick else ''}` on {now} "
        f"(all workloads in one run, {seconds / 60:.1f} min; repository at {info['commit']}"
        + (f"; library files with uncommitted edits: {info['dirty']}" if info["dirty"] else "")
        + ").",
        "",
        f"- Machine: {info['nproc']} cores (`nproc`), {info['cpu']}, {info['memory']} RAM; {info['os']}",
        f"- Load average at the start: {info['load']} (the machine is shared; peers and ours run "
        "side by side in the same run, so the ratios are comparable, the seconds less so)",
        f"- Python {info['python']}; {info['versions']}",
        f"- R: {info['R']}",
        "",
        "Times are medians of repeated runs (R: timed inside R with `system.time`, data "
        "generated or read in R before the clock starts). `x ours` = tool time / our time for the "
        "same workload (above 1: we are faster). Peak MB: tracemalloc peak of Python and numpy "
        "allocations during one run (ours and Python peers only).",
        "",
        *table_lines(rows),
        "",
        "## Targets (issue 8)",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        *[f"| {a} | {b.replace('|', '/')} | {c} |" for a, b, c in targets(results, quick)],
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


START, END = "<!-- results:start -->", "<!-- results:end -->"


def update_readme(readme: Path, results_md: Path) -> bool:
    """Copy RESULTS.md (without its title) between the markers in the README."""
    if not readme.exists():
        return False
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return False
    body = (
        results_md.read_text(encoding="utf-8")
        .split("\n", 2)[2]
        .replace("## Targets", "### Targets")
    )
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    readme.write_text(f"{head}{START}\n{body.strip()}\n{END}{tail}", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="small sizes (a smoke test, not for targets)"
    )
    ap.add_argument("--only", help="comma-separated workloads: " + ", ".join(WORKLOADS))
    ap.add_argument(
        "--output", type=Path, help="results file (default: RESULTS.md; none with --quick)"
    )
    args = ap.parse_args(argv)
    names = list(WORKLOADS) if not args.only else [s.strip() for s in args.only.split(",")]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workloads {unknown}; choose from {', '.join(WORKLOADS)}")
    info = machine()
    print(f"# {info['nproc']} cores, {info['cpu']}; load {info['load']}", flush=True)
    t0 = time.perf_counter()
    results: dict[str, list[Row]] = {}
    for name in names:
        module, full, quick = WORKLOADS[name]
        print(f"\n## {name}", flush=True)
        t1 = time.perf_counter()
        try:
            results[name] = _run_workload(module, quick if args.quick else full)
        except Exception as exc:  # one broken workload must not lose the others
            results[name] = [
                Row(
                    name, "stigma_analysis", None, note=f"FAILED: {type(exc).__name__}: {exc}"[:300]
                )
            ]
            print(f"FAILED: {exc!r}", flush=True)
        if name == "report":
            # Also time the documents as they are on disk when they differ from HEAD.
            import bench_report

            dirty = [
                d
                for d in bench_report.DOCUMENTS
                if bench_report._git("status", "--porcelain", "--", d).strip()
            ]
            if dirty:
                extra = bench_report.render_rows(tuple(dirty), source="worktree")
                for r in extra:
                    r.workload += " (working tree)"
                _common.print_table(extra, baseline="stigma_analysis")
                results[name] += extra
        print(f"({name}: {time.perf_counter() - t1:.0f} s)", flush=True)
    seconds = time.perf_counter() - t0
    print("\n## Targets")
    for a, b, c in targets(results, args.quick):
        print(f"- {a}: {b} -> {c}")
    out = args.output or (None if args.quick else HERE / "RESULTS.md")
    if out is not None:
        write_results(out, results, info, args.quick, seconds)
        print(f"\nwrote {out} ({seconds / 60:.1f} min)")
        if (
            out == HERE / "RESULTS.md"
            and args.only is None
            and update_readme(HERE / "README.md", out)
        ):
            print(f"updated the table in {HERE / 'README.md'}")


if __name__ == "__main__":
    main()

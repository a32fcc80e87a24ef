"""Shared helpers for the side-by-side benchmarks: timing, peak memory, R, the result table.

Every benchmark script generates its data (seeded), times our code and the peers in the same
run (medians of ``repeat`` runs), and prints one table with ratios. R peers run when
``Rscript`` and the packages are installed; otherwise they are skipped with a note.
"""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import subprocess
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    workload: str
    tool: str
    seconds: float | None
    peak_mb: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def timed(fn: Callable[[], Any], *, repeat: int = 3, warmup: int = 1) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs (after ``warmup``) and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def peak_memory_mb(fn: Callable[[], Any]) -> float:
    """Peak memory allocated while ``fn`` runs (numpy and Python allocations, via tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def r_available(*packages: str) -> str | None:
    """None when Rscript and the packages are there, else the reason they are not."""
    if shutil.which("Rscript") is None:
        return "Rscript not installed"
    names = ",".join(f'"{p}"' for p in packages)
    code = f"cat(all(sapply(c({names}), requireNamespace, quietly=TRUE)))"
    out = subprocess.run(
        ["Rscript", "-e", code], capture_output=True, text=True, check=False
    ).stdout
    return None if out.strip() == "TRUE" else f"R packages missing: {', '.join(packages)}"


def run_r(code: str, *, timeout: float = 1800) -> dict[str, Any]:
    """Run R code that prints one JSON object on its last line (with jsonlite)."""
    proc = subprocess.run(
        ["Rscript", "-e", code], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_table(rows: list[Row], *, baseline: str) -> None:
    """Print the rows with the ratio of each tool's time to ``baseline`` (ours)."""
    base = {r.workload: r.seconds for r in rows if r.tool == baseline and r.seconds}
    print("| workload | tool | median s | x ours | peak MB | note |")
    print("|---|---|---:|---:|---:|---|")
    for r in rows:
        ratio = (
            ""
            if r.seconds is None or not base.get(r.workload)
            else f"{r.seconds / base[r.workload]:.2f}"
        )
        secs = "skipped" if r.seconds is None else f"{r.seconds:.3f}"
        peak = "" if r.peak_mb is None else f"{r.peak_mb:.0f}"
        print(f"| {r.workload} | {r.tool} | {secs} | {ratio} | {peak} | {r.note} |")


def timed_interleaved(
    fns: dict[str, Callable[[], Any]], *, repeat: int = 3, warmup: int = 0
) -> dict[str, float]:
    """Median wall time of each function over ``repeat`` rounds in which they take turns.

    On a shared machine the load drifts over minutes; running the contenders in turn (rather
    than all runs of one, then all of the next) spreads that drift evenly over them, so their
    ratios are steadier than with :func:`timed` one after the other.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}

"""Reading a 1,000,000 x 30 SPSS ``.sav`` file with all its metadata.

The file (uncompressed, about 240 MB) is written once per run with pyreadstat into a temporary
folder: 30 Likert items (1-4) with variable labels, value labels and user-missing codes
97/98/99 declared, about 5% of the cells holding one of those codes.

Ours: ``stigma_analysis.io.read_survey`` (data with user-missing cells as NaN, codebook with
labels, and the sparse record of which cell held which missing code). Peers:
``pyreadstat.read_sav(user_missing=True)`` (codes kept, no bookkeeping), plain
``pyreadstat.read_sav()`` (codes turned into NaN, which code is lost),
``pyreadstat.read_file_multiprocessing`` (one process per core) and R ``haven::read_sav`` (timed
inside R on the same file). The Python readers take turns in each round (see
``_common.timed_interleaved``); one extra profiled run splits our time into pyreadstat's read and our
bookkeeping, a ratio that does not depend on the machine's load.

    python benchmarks/bench_read.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _common import Row, peak_memory_mb, print_table, r_available, run_r, timed_interleaved

K = 30
CODES = (97.0, 98.0, 99.0)


def write_file(path: Path, n: int, seed: int = 3) -> None:
    import pyreadstat

    rng = np.random.default_rng(seed)
    X = rng.integers(1, 5, size=(n, K)).astype(float)
    miss = rng.random((n, K)) < 0.05
    X[miss] = rng.choice(np.asarray(CODES), size=int(miss.sum()))
    names = [f"q{i}" for i in range(1, K + 1)]
    df = pd.DataFrame(X, columns=names)
    labels = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Agree", 4.0: "Strongly agree"}
    labels |= {97.0: "Don't know", 98.0: "Refused", 99.0: "Not asked"}
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels=[f"Item {i} of the benchmark scale" for i in range(1, K + 1)],
        variable_value_labels=dict.fromkeys(names, labels),
        missing_ranges={c: list(CODES) for c in names},
        variable_measure=dict.fromkeys(names, "ordinal"),
    )


def bookkeeping_seconds(path: Path) -> tuple[float, float]:
    """One ``read_survey`` run split into pyreadstat's ``read_sav`` and the rest (ours)."""
    import pyreadstat

    from stigma_analysis.io import read_survey

    inner: list[float] = []
    original = pyreadstat.read_sav

    def timed_read_sav(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            inner.append(time.perf_counter() - t0)

    pyreadstat.read_sav = timed_read_sav
    try:
        gc.collect()
        t0 = time.perf_counter()
        read_survey(path)
        total = time.perf_counter() - t0
    finally:
        pyreadstat.read_sav = original
    return total, sum(inner)


def run(*, n: int = 1_000_000, repeat: int = 3, r_repeat: int = 3) -> list[Row]:
    import pyreadstat

    from stigma_analysis.io import read_survey

    rows: list[Row] = []
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="stigma-bench-") as tmp:
        path = Path(tmp) / "bench.sav"
        write_file(path, n)
        mb = path.stat().st_size / 2**20
        w = f"read .sav {n:,} x {K} ({mb:.0f} MB)"
        fns: dict[str, Callable[[], object]] = {
            "stigma_analysis": lambda: read_survey(path),
            "pyreadstat.read_sav(user_missing=True)": lambda: pyreadstat.read_sav(
                str(path), user_missing=True
            ),
            "pyreadstat.read_sav()": lambda: pyreadstat.read_sav(str(path)),
            f"pyreadstat multiprocessing ({cores} proc)": (
                lambda: pyreadstat.read_file_multiprocessing(
                    pyreadstat.read_sav, str(path), num_processes=cores, user_missing=True
                )
            ),
        }
        med = timed_interleaved(fns, repeat=repeat)  # file is in the page cache: no warm-up
        sv = read_survey(path)
        n_cells = sum(len(c) for c in sv.codebook.missing_cells.values())
        del sv
        total, inner = bookkeeping_seconds(path)
        notes = {
            "stigma_analysis": f"read_survey; {n_cells:,} missing-code cells recorded; in one "
            f"profiled run {total:.2f} s = pyreadstat.read_sav {inner:.2f} s + ours "
            f"{total - inner:.2f} s ({(total - inner) / inner:.1%})",
            "pyreadstat.read_sav(user_missing=True)": "codes kept (what read_survey calls)",
            "pyreadstat.read_sav()": "codes -> NaN, which code is lost",
        }
        peaks = {
            "stigma_analysis": peak_memory_mb(fns["stigma_analysis"]),
            "pyreadstat.read_sav(user_missing=True)": peak_memory_mb(
                fns["pyreadstat.read_sav(user_missing=True)"]
            ),
        }
        for name, t in med.items():
            note = notes.get(name, "read_file_multiprocessing(user_missing=True)")
            extra = {"overhead": (total - inner) / inner} if name == "stigma_analysis" else {}
            rows.append(Row(w, name, t, peaks.get(name), note, extra))

        why = r_available("haven", "jsonlite")
        if why:
            rows.append(Row(w, "R haven::read_sav", None, note=why))
        else:
            p = str(path).replace("\\", "/")
            code = f"""
            suppressPackageStartupMessages(library(haven))
            t <- sapply(1:{r_repeat}, function(i) system.time(d <- read_sav("{p}"))[["elapsed"]])
            cat(jsonlite::toJSON(list(seconds = median(t)), auto_unbox = TRUE), "\\n")
            """
            rows.append(Row(w, "R haven::read_sav", run_r(code)["seconds"], note="timed in R"))
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--r-repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows = run(n=args.n, repeat=args.repeat, r_repeat=args.r_repeat)
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()

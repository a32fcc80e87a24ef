"""Reading a 1,000,000 x 30 SPSS ``.sav`` file with all its metadata.

The file (uncompressed, about 240 MB) is written once per run with pyreadstat into a temporary
folder: 30 Likert items (1-4) with variable labels, value labels and user-missing codes
97/98/99 declared, about 5% of the cells holding one of those codes.

Ours: ``stigma_analysis.io.read_survey`` (data with user-missing cells as NaN, codebook with
labels, and the sparse record of which cell held which missing code). Peers:
``pyreadstat.read_sav(user_missing=True)`` (codes kept, no bookkeeping), plain
``pyreadstat.read_sav()`` (codes turned into NaN, which code is lost),
``pyreadstat.read_file_multiprocessing`` (2 processes) and R ``haven::read_sav`` (timed inside
R on the same file).

    python benchmarks/bench_read.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _common import Row, peak_memory_mb, print_table, r_available, run_r, timed

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


def run(*, n: int = 1_000_000, repeat: int = 3, r_repeat: int = 3) -> list[Row]:
    import pyreadstat

    from stigma_analysis.io import read_survey

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="stigma-bench-") as tmp:
        path = Path(tmp) / "bench.sav"
        write_file(path, n)
        mb = path.stat().st_size / 2**20
        w = f"read .sav {n:,} x {K} ({mb:.0f} MB)"

        def ours() -> object:
            return read_survey(path)

        t, sv = timed(ours, repeat=repeat)
        n_cells = sum(len(c) for c in sv.codebook.missing_cells.values())
        rows.append(
            Row(
                w,
                "stigma_analysis",
                t,
                peak_memory_mb(ours),
                f"read_survey; {n_cells:,} missing-code cells recorded",
            )
        )

        def um() -> object:
            return pyreadstat.read_sav(str(path), user_missing=True)

        t, _ = timed(um, repeat=repeat)
        rows.append(
            Row(w, "pyreadstat.read_sav(user_missing=True)", t, peak_memory_mb(um), "codes kept")
        )

        def plain() -> object:
            return pyreadstat.read_sav(str(path))

        t, _ = timed(plain, repeat=repeat)
        rows.append(
            Row(w, "pyreadstat.read_sav()", t, peak_memory_mb(plain), "codes -> NaN, code lost")
        )

        cores = os.cpu_count() or 1

        def mp() -> object:
            return pyreadstat.read_file_multiprocessing(
                pyreadstat.read_sav, str(path), num_processes=cores, user_missing=True
            )

        t, _ = timed(mp, repeat=repeat)
        rows.append(
            Row(
                w,
                f"pyreadstat multiprocessing ({cores} proc)",
                t,
                None,
                "read_file_multiprocessing(user_missing=True)",
            )
        )

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

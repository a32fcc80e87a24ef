"""Alpha with item statistics on 1,000,000 respondents x 10 Likert items (1-4, 5% missing).

Ours: ``stigma_analysis.reliability.alpha`` (pairwise-complete covariances as psych, Feldt CI,
item-total correlations, alpha-if-dropped, item means/SDs). Peers: ``pingouin.cronbach_alpha``
(alpha and its CI only) and R ``psych::alpha`` (everything ours gives; timed inside R on data of
the same shape generated in R, so file transfer is not counted).

    python benchmarks/bench_alpha.py [--n 1000000] [--repeat 3] [--r-repeat 1]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd
from _common import Row, peak_memory_mb, print_table, r_available, run_r, timed_interleaved

from stigma_analysis.reliability import alpha

K = 10


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """Correlated 1-4 answers (one common factor) with 5% of cells missing."""
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 1))
    z = 0.6 * f + 0.8 * rng.standard_normal((n, K))
    X = np.digitize(z, [-0.8, 0.0, 0.8]).astype(float) + 1.0
    X[rng.random((n, K)) < 0.05] = np.nan
    return pd.DataFrame(X, columns=[f"q{i}" for i in range(1, K + 1)])


def run(n: int = 1_000_000, repeat: int = 3, r_repeat: int = 1) -> list[Row]:
    df = make_data(n)
    w = f"alpha + item stats {n:,} x {K}"
    rows = []

    def ours() -> Any:
        return alpha(df)

    try:
        import pingouin as pg
    except ImportError:
        pg = None

    def peer() -> Any:
        return pg.cronbach_alpha(df)

    # ours and pingouin take turns (steadier ratio on a shared machine)
    med = timed_interleaved(
        {"ours": ours, **({"peer": peer} if pg is not None else {})}, repeat=repeat, warmup=1
    )
    t, res = med["ours"], ours()
    item_mb = n * K * 8 / 2**20
    peak = peak_memory_mb(ours)
    rows.append(
        Row(
            w,
            "stigma_analysis",
            t,
            peak,
            f"alpha={res.alpha:.4f}; peak / item matrix ({item_mb:.0f} MB) = {peak / item_mb:.2f}",
        )
    )
    if pg is None:
        rows.append(Row(w, "pingouin.cronbach_alpha", None, note="pingouin not installed"))
    else:
        t, (a, _) = med["peer"], peer()
        rows.append(
            Row(
                w,
                "pingouin.cronbach_alpha",
                t,
                peak_memory_mb(peer),
                f"alpha + CI only; alpha={a:.4f}",
            )
        )

    why = r_available("psych", "jsonlite")
    if why:
        rows.append(Row(w, "R psych::alpha", None, note=why))
    else:
        code = f"""
        suppressPackageStartupMessages(library(psych)); set.seed(1)
        n <- {n}; k <- {K}
        z <- 0.6 * rnorm(n) + 0.8 * matrix(rnorm(n * k), n, k)
        X <- matrix(findInterval(z, c(-0.8, 0, 0.8)) + 1, n, k)
        X[runif(n * k) < .05] <- NA
        colnames(X) <- paste0("q", 1:k); X <- as.data.frame(X)
        a <- NULL
        t <- sapply(1:{r_repeat}, function(i) system.time(a <<- psych::alpha(X))[["elapsed"]])
        cat(jsonlite::toJSON(list(seconds = median(t), alpha = a$total$raw_alpha),
                             auto_unbox = TRUE, digits = NA), "\\n")
        """
        out = run_r(code)
        rows.append(
            Row(
                w,
                "R psych::alpha",
                out["seconds"],
                note=f"timed in R; alpha={out['alpha']:.4f} (R-generated data)",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--r-repeat", type=int, default=1)
    args = ap.parse_args(argv)
    rows = run(args.n, args.repeat, args.r_repeat)
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()

"""Alpha with a 1,000-resample bootstrap CI on 10,000 respondents x 10 items (1-4, 5% missing).

Ours: ``alpha(..., ci="bootstrap", n_boot=1000)`` (percentile) and ``ci="bca"`` (adds the
jackknife for the acceleration). Peer: R ``psych::alpha(n.iter = 1000)`` (bootstrap percentile
interval; timed inside R on data of the same shape generated in R).

    python benchmarks/bench_bootstrap.py [--n 10000] [--n-boot 1000]
"""

from __future__ import annotations

import argparse

from _common import Row, peak_memory_mb, print_table, r_available, run_r, timed
from bench_alpha import K, make_data

from stigma_analysis.reliability import alpha


def run(n: int = 10_000, n_boot: int = 1000, repeat: int = 3, r_repeat: int = 1) -> list[Row]:
    df = make_data(n, seed=2)
    w = f"alpha bootstrap CI, {n_boot:,} resamples, {n:,} x {K}"
    rows = []
    for ci in ("bootstrap", "bca"):

        def ours(ci: str = ci) -> object:
            return alpha(df, ci=ci, n_boot=n_boot)  # type: ignore[arg-type]

        t, res = timed(ours, repeat=repeat)
        rows.append(
            Row(
                w,
                "stigma_analysis" if ci == "bootstrap" else "stigma_analysis (BCa)",
                t,
                peak_memory_mb(ours),
                f"ci='{ci}': [{res.ci_low:.4f}, {res.ci_high:.4f}]",
            )
        )
    why = r_available("psych", "jsonlite")
    if why:
        rows.append(Row(w, "R psych::alpha(n.iter)", None, note=why))
    else:
        code = f"""
        suppressPackageStartupMessages(library(psych)); set.seed(2)
        n <- {n}; k <- {K}
        z <- 0.6 * rnorm(n) + 0.8 * matrix(rnorm(n * k), n, k)
        X <- matrix(findInterval(z, c(-0.8, 0, 0.8)) + 1, n, k)
        X[runif(n * k) < .05] <- NA
        colnames(X) <- paste0("q", 1:k); X <- as.data.frame(X)
        a <- NULL
        t <- sapply(1:{r_repeat}, function(i)
          system.time(a <<- psych::alpha(X, n.iter = {n_boot}))[["elapsed"]])
        ci <- quantile(a$boot[, 1], c(.025, .975))
        cat(jsonlite::toJSON(list(seconds = median(t), lo = ci[[1]], hi = ci[[2]]),
                             auto_unbox = TRUE, digits = NA), "\\n")
        """
        out = run_r(code)
        rows.append(
            Row(
                w,
                "R psych::alpha(n.iter)",
                out["seconds"],
                note=f"timed in R; percentile [{out['lo']:.4f}, {out['hi']:.4f}] (R-generated data)",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--r-repeat", type=int, default=1)
    args = ap.parse_args(argv)
    rows = run(args.n, args.n_boot, args.repeat, args.r_repeat)
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()

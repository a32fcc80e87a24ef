"""Scoring 1,000,000 respondents x 30 Likert items (1-4, 5% missing) into 3 scales.

Ours: reversal, prorating (80% rule), three subscales and cut-off bands, from a DataFrame.
Peers: numpy ``nanmean`` over the same columns (the floor: no reversal, no rule, no bands),
and R ``psych::scoreItems`` (impute = "none") on data of the same shape and distribution
generated in R (timed inside R, so file transfer is not counted).

    python benchmarks/bench_scoring.py [--n 1000000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _common import Row, peak_memory_mb, print_table, r_available, run_r, timed

from stigma_analysis.instruments import Instrument
from stigma_analysis.scoring import score_instrument

K = 30


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 5, size=(n, K)).astype(float)
    X[rng.random((n, K)) < 0.05] = np.nan
    return pd.DataFrame(X, columns=[f"q{i}" for i in range(1, K + 1)])


INSTRUMENT = Instrument.from_dict(
    {
        "id": "bench",
        "name": "benchmark",
        "status": "validated",
        "response": {"min": 1, "max": 4},
        "items": list(range(1, K + 1)),
        "reverse": [2, 5, 11, 17, 23],
        "min_answered": 0.8,
        "scales": {"a": list(range(1, 11)), "b": list(range(11, 21)), "c": list(range(21, 31))},
        "cutoffs": {
            s: [{"label": "low", "from": 1}, {"label": "high", "from": 2.5}] for s in "abc"
        },
    }
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    df = make_data(args.n)
    w = f"score {args.n:,} x {K} into 3 scales"
    rows = []

    def ours() -> pd.DataFrame:
        return score_instrument(df, INSTRUMENT, columns="q{item}")

    t, _ = timed(ours, repeat=args.repeat)
    item_mb = args.n * K * 8 / 2**20
    peak = peak_memory_mb(ours)
    rows.append(
        Row(
            w,
            "stigma_analysis",
            t,
            peak,
            f"peak / item matrix ({item_mb:.0f} MB) = {peak / item_mb:.2f}",
        )
    )

    cols = [[f"q{i}" for i in range(s, s + 10)] for s in (1, 11, 21)]

    def floor() -> list[np.ndarray]:
        return [np.nanmean(df[c].to_numpy(), axis=1) for c in cols]

    t, _ = timed(floor, repeat=args.repeat)
    rows.append(
        Row(w, "numpy nanmean (floor)", t, peak_memory_mb(floor), "no reversal, rule or bands")
    )

    why = r_available("psych")
    if why:
        rows.append(Row(w, "R psych::scoreItems", None, note=why))
    else:
        code = f"""
        suppressPackageStartupMessages(library(psych)); set.seed(1)
        n <- {args.n}; X <- matrix(sample(1:4, n*{K}, TRUE), n, {K}); X[runif(n*{K}) < .05] <- NA
        colnames(X) <- paste0("q", 1:{K}); X <- as.data.frame(X)
        keys <- list(a = c("q1","-q2","q3","q4","-q5","q6","q7","q8","q9","q10"),
                     b = c("-q11", paste0("q", 12:16), "-q17", paste0("q", 18:20)),
                     c = c(paste0("q", 21:22), "-q23", paste0("q", 24:30)))
        t <- sapply(1:{args.repeat}, function(i) system.time(scoreItems(keys, X, impute = "none"))[["elapsed"]])
        cat(jsonlite::toJSON(list(seconds = median(t)), auto_unbox = TRUE), "\\n")
        """
        rows.append(Row(w, "R psych::scoreItems", run_r(code)["seconds"], note="impute = 'none'"))
    print_table(rows, baseline="stigma_analysis")


if __name__ == "__main__":
    main()

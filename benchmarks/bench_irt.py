"""Graded response model: 29 items x 4 categories x 1,000 respondents (an ISMI-29-sized form).

Ours: ``stigma_analysis.irt.irt`` (EM on 61 quadrature points + L-BFGS polish to the maximum),
timed without and with standard errors (observed information). mirt cannot run on this machine
(no CRAN access), so it is not timed here. The peer is girth's ``grm_mml`` (PyPI ``girth``;
marginal maximum likelihood, no standard errors), run when installed (``pip install girth``
into your environment; it is not a dependency). Both get the same seeded data; the table also
reports how close each one's slopes are to the generating values.

    python benchmarks/bench_irt.py [--n 1000] [--items 29] [--repeat 3]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd
from _common import Row, print_table, timed_interleaved

from stigma_analysis.irt import irt


def make_data(n: int, n_items: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """GRM answers 1-4 with slopes in [0.8, 2.2] and spread thresholds; 2% missing."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.8, 2.2, n_items)
    d = np.sort(rng.normal(0, 0.6, (n_items, 3)) + np.array([2.0, 0.0, -2.0]), axis=1)[:, ::-1]
    theta = rng.standard_normal(n)
    u = rng.random((n, n_items))
    X = np.empty((n, n_items))
    for j in range(n_items):
        star = 1 / (1 + np.exp(-(a[j] * theta[:, None] + d[j][None, :])))
        X[:, j] = 1 + (u[:, j : j + 1] < star).sum(axis=1)
    X[rng.random((n, n_items)) < 0.02] = np.nan
    return pd.DataFrame(X, columns=[f"q{i}" for i in range(1, n_items + 1)]), a


def run(n: int = 1000, n_items: int = 29, repeat: int = 3) -> list[Row]:
    df, a_true = make_data(n, n_items)
    w = f"GRM {n:,} x {n_items} items, 4 categories"
    rows = []

    def ours_no_se() -> Any:
        return irt(df, se=False)

    def ours() -> Any:
        return irt(df)

    fns: dict[str, Any] = {"ours_no_se": ours_no_se, "ours": ours}
    try:
        from girth import grm_mml
    except ImportError:
        grm_mml = None
    if grm_mml is not None:
        # girth wants complete integer data (items x people); it treats missing as invalid
        complete = df.dropna().to_numpy(dtype=int).T

        def peer() -> Any:
            return grm_mml(complete)

        fns["peer"] = peer
    med = timed_interleaved(fns, repeat=repeat, warmup=1)
    res = ours()
    rmse = float(np.sqrt(np.mean((res.a - a_true) ** 2)))
    rows.append(
        Row(
            w,
            "stigma_analysis (se=False)",
            med["ours_no_se"],
            note=f"{res.n_iter} EM cycles + polish; converged={res.converged}; slope RMSE {rmse:.3f}",
        )
    )
    rows.append(
        Row(
            w,
            "stigma_analysis",
            med["ours"],
            note=f"with observed-information SEs ({res.n_par} parameters); loglik {res.loglik:.2f}",
        )
    )
    rows.append(Row(w, "R mirt::mirt(itemtype='graded')", None, note="mirt not installable here"))
    if grm_mml is None:
        rows.append(Row(w, "girth.grm_mml", None, note="girth not installed"))
    else:
        out = peer()
        a_g = np.asarray(out["Discrimination"])
        rmse_g = float(np.sqrt(np.mean((a_g - a_true) ** 2)))
        rows.append(
            Row(
                w,
                "girth.grm_mml",
                med["peer"],
                note=f"complete cases only ({complete.shape[1]} rows), no SEs; slope RMSE {rmse_g:.3f}",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--items", type=int, default=29)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows = run(args.n, args.items, args.repeat)
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()

"""Ordinal measurement invariance of a 29-item, five-factor scale (ISMI-like) across 4 groups.

Ours: ``stigma_analysis.structure.invariance(ordered=True)`` — configural, thresholds, metric and
scalar models (Wu & Estabrook 2016) by WLSMV, scaled-shifted tests, Satorra (2000) differences.
Peer: R ``semTools::measEq.syntax(ID.cat = "Wu.Estabrook.2016")`` + ``lavaan::cfa(estimator =
"WLSMV")`` for the same four levels + ``lavTestLRT(method = "satorra.2000")``, timed inside R on
the same data (written to a temporary CSV before timing).

    python benchmarks/bench_invariance.py [--n 600] [--groups 4] [--repeat 3] [--r-repeat 1]
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _common import Row, print_table, r_available, run_r, timed

from stigma_analysis.structure import invariance

SUBSCALES = {"al": 6, "se": 7, "de": 5, "sw": 6, "sr": 5}  # 29 items


def make_data(n: int, groups: int, seed: int = 15) -> tuple[pd.DataFrame, str]:
    """Four ordered categories per item; groups differ a little in factor means."""
    rng = np.random.default_rng(seed)
    m = len(SUBSCALES)
    phi = np.full((m, m), 0.4) + 0.6 * np.eye(m)
    cols, lines = [], []
    for f, k in SUBSCALES.items():
        names = [f"{f}{i}" for i in range(1, k + 1)]
        cols += names
        lines.append(f"{f} =~ " + " + ".join(names))
    lam = rng.uniform(0.55, 0.85, len(cols))
    which = np.repeat(np.arange(m), list(SUBSCALES.values()))
    frames = []
    per = n // groups
    for g in range(groups):
        eta = rng.multivariate_normal(np.full(m, 0.15 * g), phi, per)
        z = lam * eta[:, which] + np.sqrt(1 - lam**2) * rng.standard_normal((per, len(cols)))
        X = np.digitize(z, [-0.7, 0.1, 0.9]) + 1
        frames.append(pd.DataFrame(X, columns=cols).assign(site=f"site{g + 1}"))
    return pd.concat(frames, ignore_index=True), "\n".join(lines)


def run(n: int = 600, groups: int = 4, repeat: int = 3, r_repeat: int = 1) -> list[Row]:
    data, model = make_data(n, groups)
    w = f"ordinal invariance 29 items x {groups} groups, n={len(data)}"

    def ours() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return invariance(data, model, group="site", ordered=True)

    t, tab = timed(ours, repeat=repeat, warmup=1)
    chis = ", ".join(f"{x:.2f}" for x in tab["chisq_scaled"])
    rows = [Row(w, "stigma_analysis", t, note=f"4 levels + 3 Satorra tests; chisq.scaled {chis}")]
    why = r_available("lavaan", "semTools", "jsonlite")
    if why:
        rows.append(Row(w, "R lavaan + semTools", None, note=why))
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inv.csv"
        data.to_csv(path, index=False)
        code = f"""
        suppressPackageStartupMessages({{library(lavaan); library(semTools)}})
        d <- read.csv("{path}"); items <- setdiff(names(d), "site")
        model <- "{model.replace(chr(10), "; ")}"
        eq <- list("", "thresholds", c("thresholds", "loadings"),
                   c("thresholds", "loadings", "intercepts"))
        run <- function() {{
          fits <- lapply(eq, function(e) {{
            syn <- measEq.syntax(model, data = d, ordered = items, parameterization = "delta",
                                 ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
                                 group = "site", group.equal = e)
            cfa(as.character(syn), data = d, ordered = items, group = "site",
                estimator = "WLSMV", parameterization = "delta")
          }})
          for (k in 2:4) lavTestLRT(fits[[k - 1]], fits[[k]], method = "satorra.2000")
          sapply(fits, function(f) fitMeasures(f, "chisq.scaled"))
        }}
        chi <- NULL
        t <- sapply(1:{r_repeat}, function(i) system.time(chi <<- run())[["elapsed"]])
        cat(jsonlite::toJSON(list(seconds = median(t), chisq = unname(chi)), digits = NA,
                             auto_unbox = TRUE), "\\n")
        """
        out = run_r(code)
    chis_r = ", ".join(f"{x:.2f}" for x in out["chisq"])
    rows.append(
        Row(w, "R lavaan + semTools", out["seconds"], note=f"timed in R; chisq.scaled {chis_r}")
    )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--groups", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--r-repeat", type=int, default=1)
    args = ap.parse_args(argv)
    rows = run(args.n, args.groups, args.repeat, args.r_repeat)
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()

"""Multiple imputation (m = 20, 10 iterations, PMM) plus a pooled linear regression, 600 respondents.

Data: four Likert items (1-5), age, years since exit and a wellbeing score, about 10% of the
cells missing (MAR on age) in everything except age. Model:
``wellbeing ~ q1 + q2 + q3 + q4 + age + years_out``.

Ours: ``stigma_analysis.models.fit_imputed(..., m=20, n_iter=10, method="pmm",
cov_type="nonrobust")`` (impute, fit all 20 regressions, pool by Rubin's rules). Peers:
statsmodels ``MICE`` (``MICEData`` with its default PMM imputer, ``MICE(formula, OLS).fit(
n_burnin=10, n_imputations=20)``: one chain, 10 burn-in cycles, then one cycle per data set)
and R ``mice(m = 20, maxit = 10, method = "pmm")`` + ``pool(with(imp, lm(...)))``, timed
inside R on the same data (written to a CSV file that R reads before the clock starts).

    python benchmarks/bench_imputation.py [--n 600] [--m 20]
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import Row, peak_memory_mb, print_table, r_available, run_r, timed

from stigma_analysis.models import fit_imputed

FORMULA = "wellbeing ~ q1 + q2 + q3 + q4 + age + years_out"


def make_data(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.standard_normal(n)
    items = {
        f"q{i}": np.clip(np.round(3 + 0.9 * f + rng.normal(0, 0.9, n)), 1, 5) for i in range(1, 5)
    }
    age = rng.normal(32, 9, n).round()
    years = np.clip(rng.gamma(2.0, 1.5, n), 0, None).round(1)
    wellbeing = 50 - 4 * f + 0.1 * (age - 32) + 0.8 * years + rng.normal(0, 6, n)
    df = pd.DataFrame({**items, "age": age, "years_out": years, "wellbeing": wellbeing.round(1)})
    p = 0.10 * (1 + 0.5 * np.tanh((age - 32) / 9))[:, None]  # MAR on age, ~10% on average
    cols = [c for c in df.columns if c != "age"]
    mask = rng.random((n, len(cols))) < p
    for j, c in enumerate(cols):
        df.loc[mask[:, j], c] = np.nan
    return df


def run(
    *,
    n: int = 600,
    m: int = 20,
    n_iter: int = 10,
    repeat: int = 3,
    r_repeat: int = 3,
    sm_repeat: int = 1,
) -> list[Row]:
    df = make_data(n)
    w = f"MI m = {m}, {n_iter} it + pooled lm, n = {n}"
    rows = []

    def ours() -> pd.DataFrame:
        return fit_imputed(df, FORMULA, m=m, n_iter=n_iter, method="pmm", cov_type="nonrobust")

    t, res = timed(ours, repeat=repeat)
    b = res.set_index("term")["estimate"]
    rows.append(
        Row(w, "stigma_analysis", t, peak_memory_mb(ours), f"fit_imputed; b(q1) = {b['q1']:.3f}")
    )

    try:
        import statsmodels.api as sm
        from statsmodels.imputation.mice import MICE, MICEData
    except ImportError:
        rows.append(Row(w, "statsmodels MICE", None, note="statsmodels not installed"))
    else:

        def peer() -> object:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                imp = MICEData(df.copy())
                return MICE(FORMULA, sm.OLS, imp).fit(n_burnin=n_iter, n_imputations=m)

        t, sres = timed(peer, repeat=sm_repeat, warmup=0)
        q1 = sres.params[list(sres.model.exog_names).index("q1")]
        rows.append(
            Row(
                w,
                "statsmodels MICE",
                t,
                None,
                f"n_burnin={n_iter}, n_imputations={m}; b(q1) = {q1:.3f}",
            )
        )

    why = r_available("mice", "jsonlite")
    if why:
        rows.append(Row(w, "R mice + pool", None, note=why))
    else:
        with tempfile.TemporaryDirectory(prefix="stigma-bench-") as tmp:
            csv = Path(tmp) / "mi.csv"
            df.to_csv(csv, index=False, na_rep="NA")
            code = f"""
            suppressPackageStartupMessages(library(mice))
            d <- read.csv("{csv.as_posix()}")
            f <- function() pool(with(mice(d, m = {m}, maxit = {n_iter}, method = "pmm",
                                           printFlag = FALSE, seed = 1),
                                      lm({FORMULA})))
            p <- NULL
            t <- sapply(1:{r_repeat}, function(i) system.time(p <<- f())[["elapsed"]])
            s <- summary(p)
            cat(jsonlite::toJSON(list(seconds = median(t), q1 = s$estimate[s$term == "q1"]),
                                 auto_unbox = TRUE, digits = NA), "\\n")
            """
            out = run_r(code)
        rows.append(
            Row(
                w,
                "R mice + pool",
                out["seconds"],
                note=f"timed in R; b(q1) = {out['q1']:.3f}",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--m", type=int, default=20)
    ap.add_argument("--n-iter", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--r-repeat", type=int, default=3)
    ap.add_argument("--sm-repeat", type=int, default=1, help="statsmodels runs (slow)")
    args = ap.parse_args(argv)
    rows = run(
        n=args.n,
        m=args.m,
        n_iter=args.n_iter,
        repeat=args.repeat,
        r_repeat=args.r_repeat,
        sm_repeat=args.sm_repeat,
    )
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()

"""Side-by-side timings of the models' heavy workloads against peers, in one run.

Run from the repository root:  python -m tests.models.timing_models
(``tests/models/test_timing.py`` runs it under ``pytest -m slow`` and checks the ratios.)

1. Mediation with 5,000 bootstrap resamples on 600 respondents: ours vs
   ``pingouin.mediation_analysis`` (same data, same n_boot).
2. Multiple imputation (m = 20, 10 iterations) + pooled OLS on the 600-row data set of
   ``tests/results/mice_pool_data.csv``: ours vs statsmodels' ``MICE`` (n_burnin = 10,
   20 imputations, n_skip = 0: its least work) and, when ``Rscript`` with mice is available,
   R's ``mice(m = 20, maxit = 10)`` + ``pool(with(imp, lm(...)))`` timed inside R.
Each timing is the median of `repeats` runs (the slow peers: fewer runs).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from stigma_analysis.models import fit_imputed, mediation

RESULTS = Path(__file__).resolve().parents[1] / "results"
FORMULA = "wellbeing ~ stigma + support + age + C(site)"


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def mediation_data(n: int = 600, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = -0.4 * m - 0.1 * x + rng.normal(size=n)
    return pd.DataFrame({"rejection": x, "stigma": m, "wellbeing": y, "age": rng.normal(30, 8, n)})


def time_mediation(repeats: int = 5) -> dict[str, float]:
    import pingouin as pg

    d = mediation_data()
    kw = {"covariates": ["age"], "n_boot": 5000, "seed": 1}
    ours = _median_time(
        lambda: mediation(d, x="rejection", m="stigma", y="wellbeing", **kw), repeats
    )
    peer = _median_time(
        lambda: pg.mediation_analysis(
            d, x="rejection", m="stigma", y="wellbeing", covar=["age"], n_boot=5000, seed=1
        ),
        max(1, repeats // 2),
    )
    return {"ours": ours, "pingouin": peer}


def _statsmodels_mice(d: pd.DataFrame) -> object:
    import statsmodels.api as sm
    from statsmodels.imputation.mice import MICE, MICEData

    num = d.assign(site=d["site"].map({"A": 0.0, "B": 1.0, "C": 2.0}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' MICE warns about its own internals
        imp = MICEData(num)
        return MICE(FORMULA, sm.OLS, imp, n_skip=0).fit(n_burnin=10, n_imputations=20)


def _r_mice_seconds(csv: Path, repeats: int) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    code = f"""
    suppressPackageStartupMessages(library(mice))
    dat <- read.csv("{csv}", stringsAsFactors = TRUE)
    f <- function() summary(pool(with(mice(dat, m = 20, maxit = 10, seed = 1, printFlag = FALSE),
                                      lm(wellbeing ~ stigma + support + age + site))))
    t <- sapply(seq_len({repeats}), function(i) system.time(f())[["elapsed"]])
    cat(median(t), "\\n")
    """
    try:
        out = subprocess.run(
            ["Rscript", "-e", code], capture_output=True, text=True, timeout=600, check=True
        )
        return float(out.stdout.strip().split()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None


def time_imputation(repeats: int = 5, with_r: bool = True) -> dict[str, float | None]:
    csv = RESULTS / "mice_pool_data.csv"
    d = pd.read_csv(csv)
    fit_imputed(d, FORMULA, m=2, n_iter=1)  # warm the lazy imports
    ours = _median_time(lambda: fit_imputed(d, FORMULA, m=20, n_iter=10, seed=1), repeats)
    peer = _median_time(lambda: _statsmodels_mice(d), max(1, repeats // 2))
    r = _r_mice_seconds(csv, 3) if with_r else None
    return {"ours": ours, "statsmodels_mice": peer, "r_mice": r}


def main() -> None:
    med = time_mediation()
    imp = time_imputation()
    rows = [
        ("mediation 5,000 boot, n=600", "ours", med["ours"], 1.0),
        ("", "pingouin.mediation_analysis", med["pingouin"], med["pingouin"] / med["ours"]),
        ("MI m=20 x 10 it + pooled OLS, n=600", "ours", imp["ours"], 1.0),
        (
            "",
            "statsmodels MICE",
            imp["statsmodels_mice"],
            (imp["statsmodels_mice"] or np.nan) / (imp["ours"] or np.nan),
        ),
    ]
    if imp["r_mice"] is not None:
        rows.append(
            ("", "R mice 3.15 + pool", imp["r_mice"], imp["r_mice"] / (imp["ours"] or np.nan))
        )
    print(f"{'workload':38} {'engine':30} {'median s':>9} {'peer/ours':>9}")
    for w, e, s, r in rows:
        print(f"{w:38} {e:30} {s:9.3f} {r:9.1f}")


if __name__ == "__main__":
    main()

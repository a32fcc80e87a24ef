"""Simple mediation with 5,000 bootstrap resamples on 600 respondents (one covariate).

Ours: ``stigma_analysis.models.mediation`` (percentile and BCa intervals for every path).
Peer: ``pingouin.mediation_analysis(n_boot=5000)`` (percentile interval; the point estimates of
the paths must agree with ours, checked and reported in the note).

    python benchmarks/bench_mediation.py [--n 600] [--n-boot 5000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _common import Row, peak_memory_mb, print_table, timed

from stigma_analysis.models import mediation


def make_data(n: int, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(30, 8, n)
    x = rng.normal(size=n)
    m = 0.4 * x + 0.01 * age + rng.normal(size=n)
    y = 0.3 * m + 0.1 * x - 0.01 * age + rng.normal(size=n)
    return pd.DataFrame({"rejection": x, "self_stigma": m, "wellbeing": y, "age": age})


def run(n: int = 600, n_boot: int = 5000, repeat: int = 5) -> list[Row]:
    df = make_data(n)
    w = f"mediation, {n_boot:,} resamples, n = {n}"
    kw = {"x": "rejection", "m": "self_stigma", "y": "wellbeing"}
    rows = []

    def ours() -> pd.DataFrame:
        return mediation(
            df, x="rejection", m="self_stigma", y="wellbeing", covariates=["age"], n_boot=n_boot
        )

    t, res = timed(ours, repeat=repeat)
    rows.append(Row(w, "stigma_analysis", t, peak_memory_mb(ours), "percentile + BCa"))
    try:
        import pingouin as pg
    except ImportError:
        rows.append(Row(w, "pingouin.mediation_analysis", None, note="pingouin not installed"))
        return rows

    def peer() -> pd.DataFrame:
        return pg.mediation_analysis(df, **kw, covar=["age"], n_boot=n_boot, seed=1)

    t, pres = timed(peer, repeat=repeat)
    # pingouin rows: "self_stigma ~ X" (a), "Y ~ self_stigma", Total, Direct, Indirect.
    # pingouin's "Y ~ M" row is y on m without x (not the b path of ours, y ~ x + m), so it is
    # left out of the comparison; indirect = a * b is compared instead.
    ours_est = res.set_index("path")["estimate"]
    theirs = pres.set_index("path")["coef"]
    pairs = {
        "a": ours_est["a"] - theirs["self_stigma ~ X"],
        "total": ours_est["total"] - theirs["Total"],
        "direct": ours_est["direct"] - theirs["Direct"],
        "indirect": ours_est["indirect"] - theirs["Indirect"],
    }
    diff = max(abs(v) for v in pairs.values())
    same = "same point estimates" if diff < 1e-10 else "POINT ESTIMATES DIFFER"
    rows.append(
        Row(
            w,
            "pingouin.mediation_analysis",
            t,
            peak_memory_mb(peer),
            f"percentile only; {same} (max |diff| {diff:.1e} over a, direct, total, indirect)",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--n-boot", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    rows = run(args.n, args.n_boot, args.repeat)
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()

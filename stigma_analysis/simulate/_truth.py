"""The truth record of a simulated study: parameters, implied effects, targets and realised values.

Private helper of :mod:`stigma_analysis.simulate`. Scores here are computed with plain numpy
(mean of the answered items when at least 80 % are answered; 97/98/99 are missing), so the
truth file does not depend on the package's scoring module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.simulate._model import (
    _ISMI_SUBSCALES,
    CONSTRUCTS,
    ITEM_SPECS,
    LANGUAGE_SHARES,
    LANGUAGES,
    MSPSS_SUBSCALES,
    REINT_DOMAINS,
    RSES_NEGATIVE,
    SITE_SHARES,
    SITES,
    _thresholds,
    structural_moments,
)

__all__ = ["CALIBRATION_TARGETS", "build_truth", "observed_scores"]

SR_ITEMS = _ISMI_SUBSCALES["stigma_resistance"][0]

# name: (target, tolerance used by the tests at n = 20,000, row of docs/calibration.md)
CALIBRATION_TARGETS: dict[str, tuple[float, float, str]] = {
    "ismi_excl_sr_mean": (2.35, 0.05, "A1"),
    "ismi_excl_sr_sd": (0.55, 0.05, "A1"),
    "ismi_excl_sr_share_elevated": (0.375, 0.035, "A3 (35-40%)"),
    "alpha_ismi_excl_sr": (0.90, 0.03, "A4"),
    "alpha_ismi_total": (0.90, 0.03, "A4"),
    "r_ismi_depression": (0.40, 0.05, "A5"),
    "r_ismi_self_esteem": (-0.50, 0.05, "A7"),
    "r_ismi_social_support": (-0.25, 0.05, "A9"),
    "r_ismi_reintegration": (-0.40, 0.05, "A10"),
    "r_discrimination_ismi": (0.45, 0.05, "A11"),
    "r_stigma_resistance_ismi": (-0.50, 0.05, "A12"),
    "hscl_depression_share_175": (0.60, 0.04, "A14"),
    "hscl_anxiety_share_175": (0.43, 0.04, "A15"),
    "sexual_violence_share": (0.35, 0.03, "A19"),
    "mspss_mean": (4.5, 0.15, "A30 [U]"),
    "mspss_sd": (1.2, 0.15, "A30 [U]"),
    "rses_sum_mean": (27.0, 1.0, "A31 [U] (26-28)"),
    "rses_sum_sd": (4.0, 0.5, "A31 [U]"),
    "retention_wave2": (0.85, 0.02, "A27"),
    "retention_wave3": (0.70, 0.02, "A27"),
    "intervention_d_wave2": (0.35, 0.05, "A29"),
    "intervention_d_wave3": (0.25, 0.05, "A29"),
    "item_nonresponse_share": (0.03, 0.01, "A26 (2-4%)"),
}


def _scale(
    df: pd.DataFrame, cols: Sequence[str], *, reverse: Sequence[str] = (), lo: int = 1, hi: int = 4
) -> np.ndarray:
    x = df[list(cols)].to_numpy(dtype=float, copy=True)
    x[x >= 97] = np.nan
    for c in reverse:
        j = list(cols).index(c)
        x[:, j] = lo + hi - x[:, j]
    answered = np.isfinite(x).sum(axis=1)
    need = math.ceil(0.8 * len(cols) - 1e-9)
    total = np.nansum(x, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(answered >= need, total / answered, np.nan)


def _alpha(
    df: pd.DataFrame, cols: Sequence[str], *, reverse: Sequence[str] = (), lo: int = 1, hi: int = 4
) -> float:
    x = df[list(cols)].to_numpy(dtype=float, copy=True)
    x = x[(x < 97).all(axis=1)]
    for c in reverse:
        j = list(cols).index(c)
        x[:, j] = lo + hi - x[:, j]
    k = x.shape[1]
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1)))


def observed_scores(data: pd.DataFrame) -> pd.DataFrame:
    """Scale means per row of the raw data (numpy; >= 80 % answered; codes >= 97 missing).

    Columns: ``ismi_excl_sr``, ``ismi_total`` (29 items, SR reversed), ``ismi_sr``, ``eds``,
    ``mspss``, ``hscl_anxiety``, ``hscl_depression``, ``rses_sum`` (10 x the mean, negatively
    worded items reversed), ``reint``.
    """
    ismi24 = [f"ismi_{i}" for i in range(1, 30) if i not in SR_ITEMS]
    ismi29 = [f"ismi_{i}" for i in range(1, 30)]
    rses = [f"rses_{i}" for i in range(1, 11)]
    reint = [f"reint_{p}{j}" for _, p in REINT_DOMAINS for j in (1, 2, 3)]
    return pd.DataFrame(
        {
            "ismi_excl_sr": _scale(data, ismi24),
            "ismi_total": _scale(data, ismi29, reverse=[f"ismi_{i}" for i in SR_ITEMS]),
            "ismi_sr": _scale(data, [f"ismi_{i}" for i in SR_ITEMS]),
            "eds": _scale(data, [f"eds_{i}" for i in range(1, 10)], hi=6),
            "mspss": _scale(data, [f"mspss_{i}" for i in range(1, 13)], hi=7),
            "hscl_anxiety": _scale(data, [f"hscl_{i}" for i in range(1, 11)]),
            "hscl_depression": _scale(data, [f"hscl_{i}" for i in range(11, 26)]),
            "rses_sum": 10 * _scale(data, rses, reverse=[f"rses_{i}" for i in RSES_NEGATIVE]),
            "reint": _scale(data, reint),
        },
        index=data.index,
    )


def _r(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def _d(score: np.ndarray, arm: np.ndarray) -> float:
    """Cohen's d, comparison minus intervention (positive = less stigma with the intervention)."""
    a, b = score[(arm == 1) & np.isfinite(score)], score[(arm == 2) & np.isfinite(score)]
    return float((b.mean() - a.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))


def realised_calibration(data: pd.DataFrame, n: int) -> dict[str, float]:
    """The calibration quantities computed on simulated raw data (baseline unless stated)."""
    w1 = data[data["wave"] == 1]
    s1 = observed_scores(w1)
    out: dict[str, float] = {}
    is24 = s1["ismi_excl_sr"].to_numpy()
    out["ismi_excl_sr_mean"] = float(np.nanmean(is24))
    out["ismi_excl_sr_sd"] = float(np.nanstd(is24, ddof=1))
    out["ismi_excl_sr_share_elevated"] = float(np.mean(is24[np.isfinite(is24)] >= 2.5))
    ismi24 = [f"ismi_{i}" for i in range(1, 30) if i not in SR_ITEMS]
    out["alpha_ismi_excl_sr"] = _alpha(w1, ismi24)
    out["alpha_ismi_total"] = _alpha(
        w1, [f"ismi_{i}" for i in range(1, 30)], reverse=[f"ismi_{i}" for i in SR_ITEMS]
    )
    out["alpha_ismi_stigma_resistance"] = _alpha(w1, [f"ismi_{i}" for i in SR_ITEMS])
    out["r_ismi_depression"] = _r(is24, s1["hscl_depression"].to_numpy())
    out["r_ismi_self_esteem"] = _r(is24, s1["rses_sum"].to_numpy())
    out["r_ismi_social_support"] = _r(is24, s1["mspss"].to_numpy())
    out["r_ismi_reintegration"] = _r(is24, s1["reint"].to_numpy())
    out["r_discrimination_ismi"] = _r(s1["eds"].to_numpy(), is24)
    out["r_stigma_resistance_ismi"] = _r(s1["ismi_sr"].to_numpy(), is24)
    for name, col in (("depression", "hscl_depression"), ("anxiety", "hscl_anxiety")):
        v = s1[col].to_numpy()
        out[f"hscl_{name}_share_175"] = float(np.mean(v[np.isfinite(v)] >= 1.75))
    sv = w1["sexual_violence"].to_numpy()
    out["sexual_violence_share"] = float(np.mean(sv[sv < 97]))
    out["mspss_mean"] = float(np.nanmean(s1["mspss"]))
    out["mspss_sd"] = float(np.nanstd(s1["mspss"], ddof=1))
    out["rses_sum_mean"] = float(np.nanmean(s1["rses_sum"]))
    out["rses_sum_sd"] = float(np.nanstd(s1["rses_sum"], ddof=1))
    waves = sorted(int(w) for w in data["wave"].unique())
    for w in waves[1:]:
        out[f"retention_wave{w}"] = float((data["wave"] == w).sum() / n)
        sw = data[data["wave"] == w]
        out[f"intervention_d_wave{w}"] = _d(
            observed_scores(sw)["ismi_excl_sr"].to_numpy(), sw["arm"].to_numpy()
        )
    items = [s.column for s in ITEM_SPECS]
    x = data[items].to_numpy(dtype=float)
    out["item_nonresponse_share"] = float(np.mean(x >= 97))
    for code in (97, 98, 99):
        out[f"item_code_{code}_share"] = float(np.mean(x == code))
    return out


def _clean(obj: Any, digits: int = 4) -> Any:
    """Plain Python types, floats rounded (stable, readable YAML)."""
    if isinstance(obj, Mapping):
        return {str(k) if not isinstance(k, int) else k: _clean(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v, digits) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = round(float(obj), digits)
        return 0.0 if v == 0 else v
    return obj


def _measurement() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prefix, name in (
        ("ismi", "ismi29"),
        ("eds", "eds9"),
        ("mspss", "mspss12"),
        ("hscl", "hscl25"),
        ("rses", "rses10"),
        ("reint", "reintegration_index"),
    ):
        specs = [s for s in ITEM_SPECS if s.column.split("_")[0] == prefix]
        out[name] = {
            "categories": specs[0].n_cat,
            "items": {
                s.column: {
                    "construct": s.construct,
                    "loading": s.loading,
                    **({"factor": s.group, "factor_loading": s.group_loading} if s.group else {}),
                    **({"cross_loadings": dict(s.cross)} if s.cross else {}),
                    "baseline_mean": s.mean,
                    "thresholds": [float(x) for x in _thresholds(s)],
                }
                for s in specs
            },
        }
    out["note"] = (
        "y* = loading * construct + factor_loading * factor + cross loadings + sqrt(1 - sum of squared "
        "loadings) * N(0,1); item = 1 + number of thresholds below y*; thresholds are an evenly spaced "
        "grid shifted so that the baseline item mean equals baseline_mean. Subscale factors are N(0,1), "
        "half stable across waves. RSES negatively worded items load negatively (raw agreement) and share "
        "the rses_negative wording factor."
    )
    out["mspss_subscales"] = {k: list(v) for k, v in MSPSS_SUBSCALES.items()}
    return out


def build_truth(
    params: Mapping[str, Any],
    *,
    data: pd.DataFrame,
    facts: Mapping[str, Any],
    n: int,
    waves: int,
    seed: int,
    missing: bool,
    attrition: bool,
) -> dict[str, Any]:
    """The truth record written to ``truth.yaml`` and returned as ``SimulatedStudy.truth``."""
    mom = structural_moments(params)
    paths = params["paths"]
    total = mom["total_effects"]
    b_se = paths["self_esteem"].get("self_stigma", 0.0) * paths["reintegration"].get(
        "self_esteem", 0.0
    )
    b_ss = paths["social_support"].get("self_stigma", 0.0) * paths["reintegration"].get(
        "social_support", 0.0
    )
    effects = {
        "scale": "latent, standardised (every construct N(0,1) in the baseline population)",
        "self_stigma_on_reintegration": {
            "direct": paths["reintegration"].get("self_stigma", 0.0),
            "via_self_esteem": b_se,
            "via_social_support": b_ss,
            # every path through depression (also self_stigma -> social_support -> depression)
            "via_depression": paths["reintegration"].get("depression", 0.0)
            * float(total.loc["depression", "self_stigma"]),
            "total": float(total.loc["reintegration", "self_stigma"]),
        },
        "discrimination_on_self_stigma": paths["self_stigma"].get("discrimination", 0.0),
        "self_stigma_on_depression": {
            "direct": paths["depression"].get("self_stigma", 0.0),
            "total": float(total.loc["depression", "self_stigma"]),
        },
        "self_stigma_on_self_esteem": paths["self_esteem"].get("self_stigma", 0.0),
        "self_stigma_on_social_support": paths["social_support"].get("self_stigma", 0.0),
        "sexual_violence_on_depression_total": float(total.loc["depression", "sexual_violence"]),
        "intervention_on_self_stigma": {
            f"wave_{t + 1}": float(
                params["intervention_effect"][min(t, len(params["intervention_effect"]) - 1)]
            )
            for t in range(waves)
        },
        "intervention_on_reintegration_total": {
            f"wave_{t + 1}": float(
                params["intervention_effect"][min(t, len(params["intervention_effect"]) - 1)]
            )
            * float(total.loc["reintegration", "self_stigma"])
            for t in range(waves)
        },
        "age_on_social_support": paths["social_support"].get("age_z", 0.0),
    }
    corr = mom["correlation"]
    total_nonzero = {
        v: {
            k: float(x)
            for k, x in total.loc[v].items()
            if abs(float(x)) > 1e-12 and not str(k).startswith("site_")
        }
        for v in CONSTRUCTS
    }
    realised = realised_calibration(data, n)
    calibration = {
        name: {
            "target": target,
            "realised": realised.get(name),
            "test_tolerance_n20000": tol,
            "source": row,
        }
        for name, (target, tol, row) in CALIBRATION_TARGETS.items()
        if name in realised
    }
    truth = {
        "generator": "stigma_analysis.simulate.simulate_study",
        "seed": seed,
        "n": n,
        "waves": waves,
        "missing": missing,
        "attrition": attrition,
        "design": {
            "sites": {
                code: {"name": en, "name_khmer": km, "share": share}
                for (code, en, km), share in zip(SITES, SITE_SHARES, strict=True)
            },
            "arm": {
                "codes": {1: "intervention", 2: "comparison"},
                "allocation": "1:1, randomised within site",
            },
            "language": {
                "codes": dict(LANGUAGES),
                "shares_within_site": {
                    code: dict(zip([name for _, name in LANGUAGES], shares, strict=True))
                    for (code, _, _), shares in zip(SITES, LANGUAGE_SHARES, strict=True)
                },
                "measurement": "the same item model in every language version (no differential "
                "item functioning): the example is invariant across languages by construction",
                "stream": "drawn within sites from a random stream of its own ([seed, 0x4C414E47]),"
                " constant over waves; no other column depends on it",
            },
            "wave_spacing_years": params["age"]["years_per_wave"],
            "missing_codes": {97: "refused", 98: "don't know", 99: "not applicable"},
        },
        "effects": effects,
        "parameters": params,
        "structural": {
            "residual_variance": mom["residual_variance"],
            "intercept": mom["intercept"],
            "baseline_correlation": {
                v: {w: float(corr.loc[v, w]) for w in CONSTRUCTS} for v in CONSTRUCTS
            },
            "total_effects": total_nonzero,
        },
        "measurement": _measurement(),
        "notes": {
            "paths": "eta_v = intercept_v + sum(path * parent) + site_shift_v[site] + time_trend_v * (wave - 1)"
            " + intervention_effect[wave] * [arm = 1 and v = self_stigma] + residual_v",
            "residuals": "residual_v = sqrt(residual_variance_v) * (sqrt(stability_v) * u_v + sqrt(1 - stability_v)"
            " * w_v,wave), u and w N(0,1); anxiety and depression residuals correlated (residual_correlations)",
            "working": "logit P(working) = intercept + per_wave * (wave - 1) + economic_slope * economic_domain;"
            " economic_domain = 0.7 reintegration + 0.7 economic-empowerment domain factor",
            "attrition": "monotone; logit P(stay at wave t | present at t-1) = a_t + sum(attrition_slopes * z(observed"
            " baseline score)); a_t solved so that the expected retention equals the target",
            "age": "age_z standardises the exact baseline age (Beta(beta_a, beta_b) on [min, max + 1)); the"
            " age column is the floor of the exact age plus years_per_wave * (wave - 1)",
            "months_exploited": "exp(N(log_mean, log_sd)) rounded and clipped to [min, max];"
            " months_exploited_z = (log months - log_mean) / log_sd before rounding",
            "rounding": "numbers in this record are rounded to 4 decimals; the generator uses full precision",
        },
        "realised_retention": facts.get("retention"),
        "calibration": calibration,
        "realised_other": {k: v for k, v in realised.items() if k not in CALIBRATION_TARGETS},
    }
    return _clean(truth)

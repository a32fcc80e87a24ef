"""The generating model of :mod:`stigma_analysis.simulate`: latent structure, items, missingness.

Private: the public entry points are :func:`stigma_analysis.simulate.simulate_study` and
:func:`stigma_analysis.simulate.write_example_study`. Everything here is vectorised over
respondents; the only Python loops run over constructs, items and waves.

The model, in one paragraph. Exogenous person characteristics (site, sexual violence, months
exploited, age) drive a recursive linear system of standardised latent constructs per wave:
experienced discrimination → internalised stigma → stigma resistance, self-esteem, social
support, anxiety, depression → reintegration. Each construct's residual is split into a stable
person part and an occasion part (``stability``), so waves correlate. The intervention lowers
internalised stigma from wave 2 on; its effects on everything else run through the paths.
Items are thresholded normal responses (an ordinal probit measurement model) to the
constructs, with subscale-specific factors. Refusals, "don't know" answers, "not applicable"
skips and MAR attrition are then laid over the complete data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CONSTRUCTS",
    "ITEM_SPECS",
    "LANGUAGES",
    "LANGUAGE_SHARES",
    "SITES",
    "ItemSpec",
    "default_parameters",
    "draw_language",
    "generate",
]

# --------------------------------------------------------------------------- design constants
SITES: tuple[tuple[int, str, str], ...] = (
    (1, "Phnom Penh", "ភ្នំពេញ"),
    (2, "Siem Reap", "សៀមរាប"),
    (3, "Battambang", "បាត់ដំបង"),
    (4, "Poipet", "ប៉ោយប៉ែត"),
)
SITE_SHARES = (0.30, 0.25, 0.25, 0.20)

# The language version each respondent answered in (code, name), and its shares within each
# site (rows follow SITES). The measurement model is the same in every version: the example is
# invariant across languages by construction.
LANGUAGES: tuple[tuple[int, str], ...] = ((1, "Khmer"), (2, "Thai"), (3, "Vietnamese"))
LANGUAGE_SHARES: tuple[tuple[float, float, float], ...] = (
    (0.55, 0.20, 0.25),
    (0.60, 0.30, 0.10),
    (0.50, 0.40, 0.10),
    (0.35, 0.55, 0.10),
)
# Its own random stream (entropy [seed, _LANGUAGE_STREAM]): drawing the language leaves every
# other draw of a seed, hence every other column, exactly as it was.
_LANGUAGE_STREAM = 0x4C414E47

# Latent constructs in causal order (the order in which they are generated).
CONSTRUCTS: tuple[str, ...] = (
    "discrimination",  # experienced discrimination / social rejection (EDS-9)
    "self_stigma",  # internalised stigma (ISMI-29 without stigma resistance)
    "stigma_resistance",  # ISMI-29 stigma resistance subscale (raw direction)
    "self_esteem",  # RSES-10
    "social_support",  # MSPSS-12
    "anxiety",  # HSCL-25 items 1-10
    "depression",  # HSCL-25 items 11-25
    "reintegration",  # the synthetic reintegration index
)
EXOGENOUS: tuple[str, ...] = ("sexual_violence", "months_exploited_z", "age_z")


def default_parameters() -> dict[str, Any]:
    """The generating parameters (every number the truth file reports), as plain data.

    Paths are standardised: every construct has mean 0 and variance 1 in the baseline
    population; ``sexual_violence`` is 0/1, ``months_exploited_z`` is the standardised
    log of months exploited, ``age_z`` the standardised baseline age.
    """
    return {
        "paths": {
            "discrimination": {"sexual_violence": 0.40, "months_exploited_z": 0.15},
            "self_stigma": {"discrimination": 0.47, "sexual_violence": 0.15},
            "stigma_resistance": {"self_stigma": -0.66},
            "self_esteem": {"self_stigma": -0.62},
            "social_support": {"self_stigma": -0.30, "age_z": 0.05},
            "anxiety": {
                "self_stigma": 0.36,
                "discrimination": 0.10,
                "sexual_violence": 0.45,
                "months_exploited_z": 0.12,
            },
            "depression": {
                "self_stigma": 0.34,
                "discrimination": 0.08,
                "social_support": -0.12,
                "sexual_violence": 0.35,
                "months_exploited_z": 0.12,
            },
            "reintegration": {
                "self_stigma": -0.25,
                "self_esteem": 0.22,
                "social_support": 0.18,
                "depression": -0.12,
                "age_z": 0.08,
            },
        },
        # correlation of the anxiety and depression residuals (general distress)
        "residual_correlations": {"anxiety~depression": 0.55},
        # site intercept shifts (latent SD units, before centring on the population mean)
        "site_shifts": {
            "discrimination": [0.0, -0.15, 0.20, 0.35],
            "self_stigma": [0.0, 0.10, -0.10, 0.20],
            "depression": [0.0, 0.05, 0.15, 0.20],
            "anxiety": [0.0, 0.05, 0.10, 0.15],
            "reintegration": [0.0, 0.10, -0.05, -0.25],
        },
        # share of each residual's variance that is a stable person trait (wave-to-wave corr.)
        "stability": {
            "discrimination": 0.55,
            "self_stigma": 0.60,
            "stigma_resistance": 0.55,
            "self_esteem": 0.65,
            "social_support": 0.60,
            "anxiety": 0.45,
            "depression": 0.50,
            "reintegration": 0.60,
        },
        # change per wave after baseline for everybody (latent SD units, direct effect)
        "time_trend": {
            "self_stigma": -0.05,
            "depression": -0.10,
            "anxiety": -0.10,
            "reintegration": 0.10,
        },
        # direct effect of the intervention arm on self-stigma, by wave (wave 1 = baseline = 0)
        "intervention_effect": [0.0, -0.40, -0.28],
        "sexual_violence_prevalence": 0.35,
        "months_exploited": {"log_mean": float(np.log(14.0)), "log_sd": 0.85, "min": 1, "max": 96},
        "age": {"min": 15, "max": 35, "beta_a": 2.2, "beta_b": 3.0, "years_per_wave": 0.5},
        "working": {"intercept": 0.15, "economic_slope": 1.1, "per_wave": 0.25},
        "retention": [1.0, 0.85, 0.70],
        # attrition log-odds per SD of the observed baseline score (MAR)
        "attrition_slopes": {"hscl_depression": -0.45, "ismi_total_excl_sr": -0.35},
        "missing": {
            "refusal": {"default": 0.010, "eds": 0.003, "ismi_de": 0.04, "sexual_violence": 0.07},
            # whole sections refused at once (share of interviews): the discrimination questions
            "refusal_block": {"eds": 0.05},
            "dont_know": {
                "default": 0.006,
                "mspss": 0.012,
                "eds": 0.002,
                "reint": 0.010,
                "months_exploited": 0.06,
            },
            "person_heterogeneity_shape": 1.2,
            "not_applicable": "reint_eco2 and reint_eco3 are skipped (99) for respondents not working",
        },
    }


# --------------------------------------------------------------------------- measurement model
@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One item: its column, categories and the probit model that generates it."""

    column: str
    n_cat: int  # codes 1..n_cat
    construct: str  # the latent it measures
    loading: float  # on the construct (negative: agreement means *less* of it)
    group: str  # subscale-specific factor ("" = none)
    group_loading: float
    mean: float  # target item mean at baseline (raw codes)
    spread: float  # half-width of the threshold grid (latent SD units)
    cross: tuple[tuple[str, float], ...] = ()  # extra loadings on other constructs


_ISMI_SUBSCALES: dict[str, tuple[tuple[int, ...], float]] = {
    # subscale: (items, target raw item mean)  -- docs/calibration.md row 2 shifted to a 2.35 total
    "alienation": ((1, 5, 8, 16, 17, 21), 2.32),
    "stereotype_endorsement": ((2, 6, 10, 18, 19, 23, 29), 2.02),
    "discrimination_experience": ((3, 15, 22, 25, 28), 2.72),
    "social_withdrawal": ((4, 9, 11, 12, 13, 20), 2.50),
    "stigma_resistance": ((7, 14, 24, 26, 27), 2.50),
}
MSPSS_SUBSCALES = {
    "significant_other": (1, 2, 5, 10),
    "family": (3, 4, 8, 11),
    "friends": (6, 7, 9, 12),
}
RSES_NEGATIVE = (2, 5, 6, 8, 9)  # Rosenberg 1965 order
REINT_DOMAINS: tuple[tuple[str, str], ...] = (
    ("safety", "saf"),
    ("legal_protection", "leg"),
    ("mental_wellbeing", "men"),
    ("economic_empowerment", "eco"),
    ("social_support", "soc"),
    ("physical_wellbeing", "phy"),
)


def _jitter(n: int, scale: float, key: int) -> np.ndarray:
    # Fixed item-to-item variation: part of the instrument, not of the sample, so it does not
    # depend on the user's seed.
    return np.random.default_rng(key).uniform(-scale, scale, n)


def _item_specs() -> tuple[ItemSpec, ...]:
    specs: list[ItemSpec] = []
    # ISMI-29: the four stigma subscales load on self_stigma, stigma resistance on its own latent.
    ismi: dict[int, ItemSpec] = {}
    for sub, (items, mean) in _ISMI_SUBSCALES.items():
        jit = _jitter(len(items), 0.15, 29 + len(sub))
        for k, item in enumerate(items):
            if sub == "stigma_resistance":
                ismi[item] = ItemSpec(
                    f"ismi_{item}", 4, "stigma_resistance", 0.58, sub, 0.0, mean + jit[k], 1.0
                )
            else:
                cross = (("discrimination", 0.15),) if sub == "discrimination_experience" else ()
                ismi[item] = ItemSpec(
                    f"ismi_{item}", 4, "self_stigma", 0.535, sub, 0.30, mean + jit[k], 0.85, cross
                )
    specs += [ismi[i] for i in range(1, 30)]
    # EDS-9: 1 = never ... 6 = almost every day; right-skewed.
    jit = _jitter(9, 0.25, 9)
    specs += [
        ItemSpec(f"eds_{i}", 6, "discrimination", 0.74, "", 0.0, 2.35 + jit[i - 1], 1.3)
        for i in range(1, 10)
    ]
    # MSPSS-12, 1-7, three source factors.
    jit = _jitter(12, 0.25, 12)
    group_of = {i: g for g, items in MSPSS_SUBSCALES.items() for i in items}
    specs += [
        ItemSpec(f"mspss_{i}", 7, "social_support", 0.62, group_of[i], 0.45, 4.5 + jit[i - 1], 1.2)
        for i in range(1, 13)
    ]
    # HSCL-25: anxiety 1-10, depression 11-25.
    jit = _jitter(25, 0.18, 25)
    specs += [
        ItemSpec(f"hscl_{i}", 4, "anxiety", 0.66, "", 0.0, 1.80 + jit[i - 1], 1.0)
        for i in range(1, 11)
    ]
    specs += [
        ItemSpec(f"hscl_{i}", 4, "depression", 0.66, "", 0.0, 1.97 + jit[i - 1], 1.0)
        for i in range(11, 26)
    ]
    # RSES-10: raw agreement; negatively worded items measure low self-esteem and share a
    # wording (method) factor.
    jit = _jitter(10, 0.12, 10)
    for i in range(1, 11):
        neg = i in RSES_NEGATIVE
        raw_mean = (5 - 2.72 - jit[i - 1]) if neg else 2.72 + jit[i - 1]
        specs.append(
            ItemSpec(
                f"rses_{i}",
                4,
                "self_esteem",
                -0.58 if neg else 0.58,
                "rses_negative" if neg else "",
                0.30 if neg else 0.0,
                raw_mean,
                1.6,
            )
        )
    # Reintegration index: six domains x 3 items; 4 = lowest vulnerability.
    jit = _jitter(18, 0.20, 18)
    k = 0
    for domain, prefix in REINT_DOMAINS:
        for j in (1, 2, 3):
            specs.append(
                ItemSpec(
                    f"reint_{prefix}{j}",
                    4,
                    "reintegration",
                    0.56,
                    f"reint_{domain}",
                    0.45,
                    2.62 + jit[k],
                    1.0,
                )
            )
            k += 1
    return tuple(specs)


ITEM_SPECS: tuple[ItemSpec, ...] = _item_specs()


# --------------------------------------------------------------------------- structural model
def structural_moments(params: Mapping[str, Any]) -> dict[str, Any]:
    """Residual variances and intercepts that make every construct N(0, 1) at baseline.

    Returns ``{"residual_variance": {construct: psi}, "intercept": {construct: a},
    "correlation": DataFrame, "total_effects": DataFrame}``: ``correlation`` is the implied
    baseline correlation matrix of the constructs (the population truth for their true scores);
    ``total_effects`` (rows: constructs, columns: every variable) sums direct and indirect paths,
    ``(I - B)^-1 - I``.
    """
    p_sv = float(params["sexual_violence_prevalence"])
    names = [
        "sexual_violence",
        "months_exploited_z",
        "age_z",
        *(f"site_{s[0]}" for s in SITES),
        *CONSTRUCTS,
    ]
    idx = {v: i for i, v in enumerate(names)}
    m = len(names)
    shares = np.asarray(SITE_SHARES)
    # exogenous covariance: independent person characteristics; one-hot sites
    cov = np.zeros((m, m))
    cov[0, 0] = p_sv * (1 - p_sv)
    cov[1, 1] = cov[2, 2] = 1.0
    s0 = idx["site_1"]
    cov[s0 : s0 + 4, s0 : s0 + 4] = np.diag(shares) - np.outer(shares, shares)
    mean = np.zeros(m)
    mean[0] = p_sv
    mean[s0 : s0 + 4] = shares
    # B[v, k] = coefficient of k in v's equation (site dummies carry the site shifts)
    B = np.zeros((m, m))
    for v, preds in params["paths"].items():
        for k, b in preds.items():
            B[idx[v], idx[k]] = b
    for v, shifts in params["site_shifts"].items():
        B[idx[v], s0 : s0 + 4] = shifts
    resid_corr = {tuple(k.split("~")): r for k, r in params["residual_correlations"].items()}
    psi: dict[str, float] = {}
    intercept: dict[str, float] = {}
    n_exo = s0 + 4
    # residual covariance of constructs, built sequentially (recursive system)
    E = np.zeros((m, m))  # covariance contributed by residuals
    for v in CONSTRUCTS:
        i = idx[v]
        b = B[i, :i]
        explained = float(b @ cov[:i, :i] @ b)
        if explained >= 1:
            raise ValueError(
                f"paths into {v!r} explain {explained:.2f} of its variance; must be < 1"
            )
        psi[v] = 1.0 - explained
        E[i, i] = psi[v]
        for (a, c), r in resid_corr.items():
            if c == v:
                E[i, idx[a]] = E[idx[a], i] = r * np.sqrt(psi[a] * psi[v])
        # cov(v, earlier) = b' cov(P, earlier) + cov(e_v, earlier's residual parts)
        A = np.linalg.inv(np.eye(i + 1) - B[: i + 1, : i + 1])
        # covariance of the first i+1 variables from exogenous cov and residual cov
        base = np.zeros((i + 1, i + 1))
        base[:n_exo, :n_exo] = cov[:n_exo, :n_exo]
        base[n_exo:, n_exo:] = E[n_exo : i + 1, n_exo : i + 1]
        cov[: i + 1, : i + 1] = A @ base @ A.T
        intercept[v] = -float(B[i, :i] @ mean[:i])
        mean[i] = 0.0
    C = cov[n_exo:, n_exo:]
    corr = pd.DataFrame(C, index=list(CONSTRUCTS), columns=list(CONSTRUCTS))
    # total effects (direct + all indirect paths): (I - B)^-1 - I
    total = np.linalg.inv(np.eye(m) - B) - np.eye(m)
    total_effects = pd.DataFrame(total, index=names, columns=names).loc[list(CONSTRUCTS)]
    return {
        "residual_variance": psi,
        "intercept": intercept,
        "correlation": corr,
        "total_effects": total_effects,
    }


# --------------------------------------------------------------------------- generation
@cache
def _thresholds(spec: ItemSpec) -> np.ndarray:
    """Thresholds on the N(0, 1) response scale giving the target item mean at baseline."""
    from scipy.special import ndtr

    base = np.linspace(-spec.spread, spec.spread, spec.n_cat - 1)
    lo, hi = -8.0, 8.0
    for _ in range(80):  # bisection on the shift c: E[y] = 1 + sum Phi(c - tau_k)
        c = (lo + hi) / 2
        if 1 + float(ndtr(c - base).sum()) < spec.mean:
            lo = c
        else:
            hi = c
    out = base - (lo + hi) / 2
    out.setflags(write=False)  # cached and shared: read-only
    return out


def _logit_intercept(eta: np.ndarray, target: float) -> float:
    """Intercept a with mean(expit(a + eta)) == target (bisection)."""
    from scipy.special import expit

    lo, hi = -20.0, 20.0
    for _ in range(100):
        a = (lo + hi) / 2
        if float(expit(a + eta).mean()) < target:
            lo = a
        else:
            hi = a
    return (lo + hi) / 2


def generate(
    *,
    n: int,
    waves: int,
    rng: np.random.Generator,
    params: Mapping[str, Any],
    missing: bool,
    attrition: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Simulate the study: (long item data with codes, latents, realised design facts).

    The phases run in a fixed order, each drawing from ``rng`` in turn (so a seed gives the
    same study byte for byte): persons, latent constructs per wave, item answers, working
    status, the long table, missing codes, then attrition.
    """
    persons = _draw_persons(n, rng, params)
    lat_rows = _draw_latents(persons, waves, rng, params)
    waves_items, economic = _draw_items(lat_rows, n, waves, rng)
    working = _draw_working(economic, n, rng, params)
    data, latents = _assemble(
        persons, lat_rows, waves_items, economic=economic, working=working, params=params
    )
    facts: dict[str, Any] = {}
    if missing:
        data = _with_missing_codes(data, n, rng, params)
    present = np.ones((waves, n), dtype=bool)
    if attrition and waves > 1:
        present = _draw_attrition(data, n, waves, rng, params)
    latents["observed"] = present.reshape(-1)
    data = data.loc[present.reshape(-1)].reset_index(drop=True)
    facts["retention"] = [float(present[t].mean()) for t in range(waves)]
    return data, latents, facts


def draw_language(site: np.ndarray, seed: int) -> np.ndarray:
    """The language version of each person (codes of LANGUAGES), drawn within their site from
    a stream of its own, so that adding it changes no other draw of the seed."""
    rng = np.random.default_rng([int(seed), _LANGUAGE_STREAM])
    u = rng.random(len(site))
    out = np.empty(len(site), dtype=np.int64)
    codes = np.array([code for code, _ in LANGUAGES])
    for k, (code, _, _) in enumerate(SITES):
        members = site == code
        cum = np.cumsum(LANGUAGE_SHARES[k])
        out[members] = codes[
            np.minimum(np.searchsorted(cum, u[members], side="right"), len(codes) - 1)
        ]
    return out


def _draw_persons(n: int, rng: np.random.Generator, params: Mapping[str, Any]) -> dict[str, Any]:
    """Time-constant person facts: site, randomised arm, age, sexual violence, months exploited."""
    site = rng.choice(np.arange(1, len(SITES) + 1), size=n, p=SITE_SHARES)
    # arm: randomised 1:1 within site (1 = intervention, 2 = comparison)
    arm = np.empty(n, dtype=np.int64)
    for code in range(1, len(SITES) + 1):
        members = np.flatnonzero(site == code)
        labels = np.tile([1, 2], len(members) // 2 + 1)[: len(members)]
        arm[members] = rng.permutation(labels)
    a = params["age"]
    age_exact = a["min"] + (a["max"] - a["min"] + 1) * rng.beta(a["beta_a"], a["beta_b"], n)
    age_exact = np.minimum(age_exact, a["max"] + 0.999)
    age_mean = a["min"] + (a["max"] - a["min"] + 1) * a["beta_a"] / (a["beta_a"] + a["beta_b"])
    ab = a["beta_a"] + a["beta_b"]
    age_sd = (a["max"] - a["min"] + 1) * np.sqrt(a["beta_a"] * a["beta_b"] / (ab**2 * (ab + 1)))
    age_z = (age_exact - age_mean) / age_sd
    sv = (rng.random(n) < params["sexual_violence_prevalence"]).astype(np.int64)
    me = params["months_exploited"]
    log_months = me["log_mean"] + me["log_sd"] * rng.standard_normal(n)
    months = np.clip(np.round(np.exp(log_months)), me["min"], me["max"]).astype(np.int64)
    months_z = (log_months - me["log_mean"]) / me["log_sd"]
    return {
        "n": n,
        "site": site,
        "arm": arm,
        "age_exact": age_exact,
        "age_z": age_z,
        "sexual_violence": sv,
        "months": months,
        "months_z": months_z,
    }


def _draw_latents(
    persons: Mapping[str, Any], waves: int, rng: np.random.Generator, params: Mapping[str, Any]
) -> list[dict[str, np.ndarray]]:
    """Latent construct scores per wave: structural paths, a stable and an occasion residual."""
    n, site, arm = persons["n"], persons["site"], persons["arm"]
    moments = structural_moments(params)
    psi, intercept = moments["residual_variance"], moments["intercept"]
    exo = {
        "sexual_violence": persons["sexual_violence"].astype(float),
        "months_exploited_z": persons["months_z"],
        "age_z": persons["age_z"],
    }
    site_onehot = (site[:, None] == np.arange(1, len(SITES) + 1)[None, :]).astype(float)
    # residuals: stable part + occasion part; anxiety/depression residuals correlated
    resid_corr = {tuple(k.split("~")): r for k, r in params["residual_correlations"].items()}

    def correlated_normals(size: tuple[int, ...]) -> dict[str, np.ndarray]:
        z = {v: rng.standard_normal(size) for v in CONSTRUCTS}
        for (a1, a2), r in resid_corr.items():
            z[a2] = r * z[a1] + np.sqrt(1 - r**2) * z[a2]
        return z

    stable = correlated_normals((n,))
    occasion = correlated_normals((waves, n))

    lat_rows = []
    for t in range(waves):
        eta: dict[str, np.ndarray] = {}
        for v in CONSTRUCTS:
            rho = params["stability"][v]
            e = np.sqrt(psi[v]) * (np.sqrt(rho) * stable[v] + np.sqrt(1 - rho) * occasion[v][t])
            val = intercept[v] + e
            for k, b in params["paths"].get(v, {}).items():
                val = val + b * (exo[k] if k in exo else eta[k])
            if v in params["site_shifts"]:
                val = val + site_onehot @ np.asarray(params["site_shifts"][v], dtype=float)
            val = val + params["time_trend"].get(v, 0.0) * t
            if v == "self_stigma":
                val = val + _wave_value(params["intervention_effect"], t) * (arm == 1)
            eta[v] = val
        lat_rows.append(eta)
    return lat_rows


def _draw_items(
    lat_rows: Sequence[Mapping[str, np.ndarray]], n: int, waves: int, rng: np.random.Generator
) -> tuple[list[dict[str, np.ndarray]], list[np.ndarray]]:
    """Complete item answers per wave from the ordinal threshold model, and the economic domain."""
    specs = ITEM_SPECS
    groups = sorted({s.group for s in specs if s.group})
    stable_g = {g: rng.standard_normal(n) for g in groups}
    waves_items: list[dict[str, np.ndarray]] = []
    economic: list[np.ndarray] = []
    for t in range(waves):
        gfac = {
            g: np.sqrt(0.5) * stable_g[g] + np.sqrt(0.5) * rng.standard_normal(n) for g in groups
        }
        cols: dict[str, np.ndarray] = {}
        noise = rng.standard_normal((len(specs), n))
        for j, s in enumerate(specs):
            signal = s.loading * lat_rows[t][s.construct]
            load2 = s.loading**2
            if s.group:
                signal = signal + s.group_loading * gfac[s.group]
                load2 += s.group_loading**2
            for c, lam in s.cross:
                signal = signal + lam * lat_rows[t][c]
                load2 += lam**2
            ystar = signal + np.sqrt(1 - load2) * noise[j]
            cols[s.column] = 1 + (ystar[:, None] > _thresholds(s)[None, :]).sum(axis=1)
        waves_items.append(cols)
        economic.append(
            0.7 * lat_rows[t]["reintegration"] + 0.7 * gfac["reint_economic_empowerment"]
        )
    return waves_items, economic


def _draw_working(
    economic: Sequence[np.ndarray], n: int, rng: np.random.Generator, params: Mapping[str, Any]
) -> list[np.ndarray]:
    """Working status per wave (time-varying), driven by the economic domain."""
    from scipy.special import expit

    w = params["working"]
    return [
        (
            rng.random(n)
            < expit(w["intercept"] + w["per_wave"] * t + w["economic_slope"] * economic[t])
        ).astype(np.int64)
        for t, _ in enumerate(economic)
    ]


def _assemble(
    persons: Mapping[str, Any],
    lat_rows: Sequence[Mapping[str, np.ndarray]],
    waves_items: Sequence[Mapping[str, np.ndarray]],
    *,
    economic: Sequence[np.ndarray],
    working: Sequence[np.ndarray],
    params: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long data (all persons, all waves, before attrition) and the long latent table."""
    n = persons["n"]
    ids = np.array([f"S{i:04d}" for i in range(1, n + 1)], dtype=object)
    item_cols = [s.column for s in ITEM_SPECS]
    heads = []
    lat_frames = []
    for t, eta in enumerate(lat_rows):
        ages = np.floor(persons["age_exact"] + params["age"]["years_per_wave"] * t).astype(np.int64)
        head = {
            "resp_id": ids,
            "wave": np.full(n, t + 1, dtype=np.int64),
            "site": persons["site"],
            "arm": persons["arm"],
            "age": ages,
            "sexual_violence": persons["sexual_violence"],
            "months_exploited": persons["months"],
            "working": working[t],
        }
        heads.append(head)
        lat_frames.append(
            pd.DataFrame(
                {
                    **head,
                    "age_z": persons["age_z"],
                    "months_exploited_z": persons["months_z"],
                    **eta,
                    "economic_domain": economic[t],
                }
            )
        )
    latents = pd.concat(lat_frames, ignore_index=True)
    long: dict[str, np.ndarray] = {k: np.concatenate([h[k] for h in heads]) for k in heads[0]}
    for c in ("age", "sexual_violence", "months_exploited", "working"):
        long[c] = long[c].astype(float)
    # answers as one (rows x items) float matrix; the DataFrame is built once from it
    # (column-wise DataFrame assignment of ~100 columns is slow)
    values = np.vstack(
        [np.column_stack([items[c] for c in item_cols]) for items in waves_items]
    ).astype(float)
    data = pd.DataFrame({**long, **dict(zip(item_cols, values.T, strict=True))})
    return data, latents


def _with_missing_codes(
    data: pd.DataFrame, n: int, rng: np.random.Generator, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Lay refused / don't know / not applicable codes on the items and two sensitive facts."""
    item_cols = [s.column for s in ITEM_SPECS]
    cols = [*item_cols, "sexual_violence", "months_exploited"]
    laid = _lay_missing(
        data[cols].to_numpy(dtype=float),
        cols,
        working=data["working"].to_numpy(dtype=float),
        n_persons=n,
        rng=rng,
        m=params["missing"],
    )
    others = [c for c in data.columns if c not in cols]
    out = pd.DataFrame({c: data[c].to_numpy() for c in others})
    out["sexual_violence"], out["months_exploited"] = laid[:, -2], laid[:, -1]
    items = pd.DataFrame(laid[:, : len(item_cols)], columns=item_cols)
    out = pd.concat([out, items], axis=1)
    return out[list(data.columns)]


def _draw_attrition(
    data: pd.DataFrame, n: int, waves: int, rng: np.random.Generator, params: Mapping[str, Any]
) -> np.ndarray:
    """Who is present at each wave: monotone dropout, MAR on observed baseline depression and stigma."""
    from scipy.special import expit

    present = np.ones((waves, n), dtype=bool)
    base = data.iloc[:n]
    score = np.zeros(n)
    for name, slope in params["attrition_slopes"].items():
        cols_ = _attrition_columns(name)
        vals = base[cols_].to_numpy(dtype=float, copy=True)
        vals[vals >= 97] = np.nan
        with np.errstate(invalid="ignore"):
            answered = np.isfinite(vals).sum(axis=1)
            obs = np.nanmean(np.where(answered[:, None] > 0, vals, 0.0), axis=1)
        obs = np.where(answered > 0, obs, np.nanmean(obs[answered > 0]))
        score = score + slope * (obs - obs.mean()) / obs.std()
    retention = _retention(params["retention"], waves)
    for t in range(1, waves):
        # conditional retention among those present at t-1, calibrated to the cumulative target
        target = retention[t] / retention[t - 1]
        at_risk = present[t - 1]
        a0 = _logit_intercept(score[at_risk], target)
        stay = rng.random(n) < expit(a0 + score)
        present[t] = present[t - 1] & stay
    return present


def _wave_value(values: Sequence[float], t: int) -> float:
    if not values:
        return 0.0
    return float(values[min(t, len(values) - 1)])


def _retention(values: Sequence[float], waves: int) -> list[float]:
    out = [float(v) for v in values[:waves]]
    while len(out) < waves:
        out.append(out[-1] * 0.85)
    return out


def _attrition_columns(name: str) -> list[str]:
    if name == "hscl_depression":
        return [f"hscl_{i}" for i in range(11, 26)]
    if name == "ismi_total_excl_sr":
        sr = set(_ISMI_SUBSCALES["stigma_resistance"][0])
        return [f"ismi_{i}" for i in range(1, 30) if i not in sr]
    raise ValueError(f"unknown attrition score {name!r}")


def _lay_missing(
    values: np.ndarray,
    cols: list[str],
    *,
    working: np.ndarray,
    n_persons: int,
    rng: np.random.Generator,
    m: Mapping[str, Any],
) -> np.ndarray:
    """Codes 97 (refused), 98 (don't know) and 99 (not applicable) laid over ``values``.

    ``values`` is (rows x cols), rows ordered wave by wave with ``n_persons`` rows per wave;
    the last two columns are the baseline facts ``sexual_violence`` and ``months_exploited``.
    """
    n_rows = values.shape[0]
    refusal, dont_know = m["refusal"], m["dont_know"]
    de_items = {f"ismi_{i}" for i in _ISMI_SUBSCALES["discrimination_experience"][0]}

    def rate(table: Mapping[str, float], col: str) -> float:
        if col in table:
            return float(table[col])
        if col in de_items and "ismi_de" in table:
            return float(table["ismi_de"])
        prefix = col.split("_", maxsplit=1)[0]
        return float(table.get(prefix, table["default"]))

    r_ref = np.array([rate(refusal, c) for c in cols])
    r_dk = np.array([rate(dont_know, c) for c in cols])
    shape = float(m["person_heterogeneity_shape"])
    # some respondents refuse (or do not know) much more than others: gamma multipliers, mean 1
    mult_ref = np.asarray(rng.gamma(shape, 1 / shape, n_rows))
    mult_dk = np.asarray(rng.gamma(shape, 1 / shape, n_rows))
    u = rng.random((n_rows, len(cols)))
    # the baseline facts (sexual violence, months exploited) are one answer per person, carried
    # to every wave: use the person's wave-1 draws for every wave
    person = np.arange(n_rows) % n_persons
    facts = np.isin(np.arange(len(cols)), [len(cols) - 2, len(cols) - 1])[None, :]
    u[:, -2:] = u[person][:, -2:]
    mult_ref_p = np.where(facts, mult_ref[person][:, None], mult_ref[:, None])
    mult_dk_p = np.where(facts, mult_dk[person][:, None], mult_dk[:, None])
    p_ref = np.minimum(mult_ref_p * r_ref[None, :], 0.9)
    p_dk = np.minimum(mult_dk_p * r_dk[None, :], 0.9)
    codes = np.where(u < p_ref, 97.0, np.where(u < p_ref + p_dk, 98.0, np.nan))
    # section refusals: every item of the block refused in that interview
    for prefix, p_block in m.get("refusal_block", {}).items():
        block = [j for j, c in enumerate(cols) if c.split("_", maxsplit=1)[0] == prefix]
        refuse = rng.random(n_rows) < np.minimum(mult_ref * float(p_block), 0.9)
        codes[np.ix_(refuse, np.asarray(block, dtype=np.intp))] = 97.0
    out = np.where(np.isnan(codes), values, codes)
    # not applicable: the work-related economic items for respondents not working
    not_working = working == 0
    for c in ("reint_eco2", "reint_eco3"):
        out[not_working, cols.index(c)] = 99.0
    return out

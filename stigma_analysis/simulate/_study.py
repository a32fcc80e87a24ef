"""Synthetic studies with a known truth: the bundled example, test data and teaching material.

:func:`simulate_study` draws a multi-wave survey of trafficking survivors from a documented
latent-variable model (internalised stigma, experienced discrimination, self-esteem, social
support, anxiety, depression, reintegration) calibrated to published figures
(``docs/calibration.md``), with item responses from an ordinal threshold model, realistic
missing-data codes and MAR attrition. :func:`write_example_study` writes it as a study folder:
SPSS files per wave with labels and user-missing codes, ``study.yaml``, the user-defined
``reintegration_index.yaml`` and ``truth.yaml``.

Regenerate the bundled example with::

    python -m stigma_analysis.simulate surveys/example
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EXAMPLE_SEED", "SimulatedStudy", "simulate_study", "write_example_study"]

EXAMPLE_SEED = 131
"""The seed of the bundled example study in ``surveys/example``.

Chosen among seeds 1-150 at n = 600: of the samples whose share with an elevated ISMI score lies
in the published 35-40 % and whose intervention effect visibly fades (d at wave 2 above d at
wave 3 by more than 0.05), the one whose figures lie closest to the calibration targets (sum of
squared deviations in units of the tolerances in ``truth.yaml``). A teaching example should show
the published effects without unusual sampling noise; any seed draws from the same model."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedStudy:
    """A simulated study and the truth that generated it.

    Attributes
    ----------
    data : DataFrame
        Long raw data, one row per respondent and wave attended (dropouts have no rows after
        they leave). Columns: ``resp_id`` (``"S0001"``...), ``wave`` (1, 2, ...), ``site``
        (1-4), ``arm`` (1 = intervention, 2 = comparison), ``language`` (the language version
        answered: 1 = Khmer, 2 = Thai, 3 = Vietnamese; drawn within sites, the same over waves,
        from a random stream of its own), ``age`` (years, 15-35 at baseline),
        ``sexual_violence`` (0/1), ``months_exploited`` (1-96), ``working`` (0/1), then the
        items ``ismi_1..ismi_29``, ``eds_1..eds_9``, ``mspss_1..mspss_12``,
        ``hscl_1..hscl_25``, ``rses_1..rses_10`` and the 18 ``reint_*`` items. Answers are
        raw codes (floats); 97 = refused, 98 = don't know, 99 = not applicable.
    truth : dict
        The generating parameters and the effects they imply (see ``truth.yaml`` and
        Notes). ``truth["effects"]`` holds the headline coefficients, e.g.
        ``truth["effects"]["self_stigma_on_reintegration"]["direct"]``.
    latents : DataFrame
        The true construct scores, one row per respondent and wave *including* waves after
        dropout: the design columns of ``data`` (without missing codes), ``age_z`` and
        ``months_exploited_z`` (the standardised exogenous variables of the model), the eight
        constructs (``discrimination``, ``self_stigma``, ``stigma_resistance``,
        ``self_esteem``, ``social_support``, ``anxiety``, ``depression``,
        ``reintegration``; N(0, 1) in the baseline population), ``economic_domain`` (drives
        ``working``) and ``observed`` (bool: the row is in ``data``).
    """

    data: pd.DataFrame
    truth: dict[str, Any] = field(repr=False)
    latents: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The long raw data (a copy)."""
        return self.data.copy()


def simulate_study(
    *,
    n: int = 600,
    waves: int = 3,
    seed: int = EXAMPLE_SEED,
    paths: Mapping[str, Mapping[str, float]] | None = None,
    intervention_effect: Sequence[float] | None = None,
    retention: Sequence[float] | None = None,
    missing: bool = True,
    attrition: bool = True,
) -> SimulatedStudy:
    """Simulate a multi-wave survey of trafficking survivors with a known generating model.

    Parameters
    ----------
    n : int
        Respondents at baseline (at least 20).
    waves : int
        Number of waves (1 to 10); wave 1 is the baseline, before the intervention.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives identical data.
    paths : mapping, optional
        Overrides of the standardised structural coefficients, ``{outcome: {predictor: b}}``,
        merged into the defaults, e.g. ``{"reintegration": {"self_stigma": 0.0}}`` for a null
        direct effect. Outcomes and predictors are construct names or ``sexual_violence``,
        ``months_exploited_z``, ``age_z``; a predictor must come earlier in the causal order
        (``discrimination``, ``self_stigma``, ``stigma_resistance``, ``self_esteem``,
        ``social_support``, ``anxiety``, ``depression``, ``reintegration``).
    intervention_effect : sequence of float, optional
        Direct effect of the intervention arm on latent self-stigma per wave (latent SD units;
        negative = less stigma); the last value carries on to later waves. Default
        ``[0, -0.40, -0.28]``, about d = 0.35 at wave 2 and 0.25 at wave 3 on the observed
        24-item ISMI mean.
    retention : sequence of float, optional
        Target share of the baseline sample present at each wave. Default
        ``[1.0, 0.85, 0.70]``; later waves lose 15 % more each.
    missing : bool
        Lay refusals (97), "don't know" (98) and "not applicable" skips (99) over the items.
    attrition : bool
        Let respondents drop out (monotone, MAR on baseline observed depression and
        self-stigma).

    Returns
    -------
    SimulatedStudy
        ``data`` (long raw items with codes), ``truth`` (dict) and ``latents``.

    Notes
    -----
    Constructs follow a recursive linear model, standardised at baseline:
    ``eta_v = a_v + sum_k b_vk x_k + site_v[s] + trend_v (t - 1) + delta_t [arm = 1 and
    v = self_stigma] + e_vt``, with residual ``e_vt = sqrt(psi_v) (sqrt(rho_v) u_v +
    sqrt(1 - rho_v) w_vt)`` (a stable and an occasion part). ``psi_v`` and ``a_v`` are solved
    so that each construct is N(0, 1) in the baseline population. Item ``j`` is
    ``y = 1 + #{k: lambda_j eta + gamma_j f_g + sqrt(1 - lambda_j^2 - gamma_j^2) eps > tau_jk}``
    with subscale factor ``f_g`` and thresholds ``tau_jk`` placed so that the baseline item
    mean hits its target. Attrition: ``logit P(stay at t | present at t-1) = a_t - 0.45
    z(dep_1) - 0.35 z(ismi_1)``, ``z`` the standardised observed baseline scores, ``a_t``
    solved for the retention targets. Calibration targets and sources: docs/calibration.md.

    References
    ----------
    Du et al. (2023) J Affect Disord 332:327 (self-stigma correlates); Kiss et al. (2015)
    Lancet Glob Health 3:e154 (HSCL prevalences); Ritsher, Otilingam & Grajales (2003)
    Psychiatry Res 121:31 (ISMI).

    Checked against: the docs/calibration.md targets on n = 20,000 (tests/test_simulate.py).
    """
    from stigma_analysis.simulate import _model as model
    from stigma_analysis.simulate import _truth as truth_mod

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 20:
        raise ValueError(f"n must be an integer of at least 20, got {n!r}")
    if isinstance(waves, bool) or not isinstance(waves, int | np.integer) or not 1 <= waves <= 10:
        raise ValueError(f"waves must be an integer from 1 to 10, got {waves!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    params = model.default_parameters()
    if paths is not None:
        _merge_paths(params["paths"], paths)
    if intervention_effect is not None:
        params["intervention_effect"] = [float(x) for x in intervention_effect]
    if retention is not None:
        values = [float(x) for x in retention]
        if (
            not values
            or values[0] != 1.0
            or any(not 0 < b <= a for a, b in itertools.pairwise(values))
        ):
            raise ValueError(
                f"retention must start at 1.0 and not increase, each in (0, 1], got {values}"
            )
        params["retention"] = values
    rng = np.random.default_rng(int(seed))
    data, latents, facts = model.generate(
        n=int(n), waves=int(waves), rng=rng, params=params, missing=missing, attrition=attrition
    )
    data, latents = _with_language(data, latents, int(seed))
    truth = truth_mod.build_truth(
        params,
        data=data,
        facts=facts,
        n=int(n),
        waves=int(waves),
        seed=int(seed),
        missing=missing,
        attrition=attrition,
    )
    return SimulatedStudy(data=data, truth=truth, latents=latents)


def _with_language(
    data: pd.DataFrame, latents: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the ``language`` column (after ``arm``): a person's language version, constant over
    waves, drawn within sites from its own stream (no other column changes)."""
    from stigma_analysis.simulate._model import draw_language

    first = latents[latents["wave"] == 1]
    language = pd.Series(
        draw_language(first["site"].to_numpy(), seed), index=first["resp_id"].to_numpy()
    )
    out = []
    for frame in (data, latents):
        values = language.reindex(frame["resp_id"].to_numpy()).to_numpy()
        frame = frame.copy()
        frame.insert(list(frame.columns).index("arm") + 1, "language", values)
        out.append(frame)
    return out[0], out[1]


def _merge_paths(
    into: dict[str, dict[str, float]], paths: Mapping[str, Mapping[str, float]]
) -> None:
    from stigma_analysis.simulate._model import CONSTRUCTS, EXOGENOUS

    order = {c: i for i, c in enumerate(CONSTRUCTS)}
    for outcome, preds in paths.items():
        if outcome not in order:
            raise ValueError(
                f"paths: unknown outcome {outcome!r}; allowed: {', '.join(CONSTRUCTS)}"
            )
        for pred, b in preds.items():
            if pred not in EXOGENOUS and pred not in order:
                allowed = ", ".join((*EXOGENOUS, *CONSTRUCTS))
                raise ValueError(
                    f"paths[{outcome!r}]: unknown predictor {pred!r}; allowed: {allowed}"
                )
            if pred not in EXOGENOUS and order[pred] >= order[outcome]:
                raise ValueError(
                    f"paths[{outcome!r}]: {pred!r} does not come before {outcome!r} in the causal order"
                )
            into.setdefault(outcome, {})[pred] = float(b)


def write_example_study(
    folder: str | Path, *, seed: int = EXAMPLE_SEED, n: int = 600
) -> SimulatedStudy:
    """Write a simulated study folder: wave SPSS files, study.yaml, instrument and truth files.

    Parameters
    ----------
    folder : path
        Output folder (created if needed). Existing files of the same names are replaced;
        ``README.md`` is left alone.
    seed : int
        Seed passed to :func:`simulate_study` (the bundled example uses ``EXAMPLE_SEED``).
    n : int
        Respondents at baseline.

    Returns
    -------
    SimulatedStudy
        What was written.

    Notes
    -----
    Files written: ``wave1.sav`` ... (pyreadstat ``write_sav``; variable and value labels,
    some in Khmer, user-missing codes 97/98/99 on every item and covariate, measure levels),
    ``study.yaml``, ``reintegration_index.yaml`` and ``truth.yaml``. The creation date and time
    in each SPSS header are set to a fixed value (``01 Jan 26 00:00:00``) so that the same seed
    gives byte-identical files.
    """
    from stigma_analysis.simulate import _write as writer

    study = simulate_study(n=n, seed=seed)
    writer.write_folder(study, Path(folder))
    return study


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m stigma_analysis.simulate FOLDER [--seed N] [--n N]``: write an example study."""
    parser = argparse.ArgumentParser(
        prog="python -m stigma_analysis.simulate",
        description="Write the synthetic example study to FOLDER.",
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=EXAMPLE_SEED)
    parser.add_argument("--n", type=int, default=600)
    args = parser.parse_args(argv)
    write_example_study(args.folder, seed=args.seed, n=args.n)
    return 0

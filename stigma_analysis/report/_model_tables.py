"""Model tables: fit the study's declared models on their waves and tabulate them by people, not rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from stigma_analysis.study import Study


# ----------------------------------------------------------------------------- models
_FACTOR = re.compile(r"^C\((\w+)\)\[T\.(.+)\]$")


def _code(text: str) -> Any:
    try:
        f = float(text)
    except ValueError:
        return text
    return f


def model_table(
    result: Any, *, data: pd.DataFrame, study: Study | None = None, id: str | None = None
) -> pd.DataFrame:
    """A model's coefficients with readable terms and the people behind each factor level.

    Parameters
    ----------
    result : ModelResult
        From :func:`~stigma_analysis.models.fit_model` / :func:`fit_study_models`.
    data : pandas.DataFrame
        The rows the model was fitted on (to count the people of each factor level).
    study : Study, optional
        For value labels of coded factor levels, and its id column.
    id : str, optional
        The respondent id column (default: the study's). Counts are of distinct respondents:
        three waves of two people are 2, not 6, so the gate hides a 2-person level.

    Returns
    -------
    pandas.DataFrame
        Columns ``term`` (``site: Siem Reap`` for ``C(site)[T.2.0]``), ``n`` (distinct
        respondents in the model with that level of a factor term; all respondents in the model
        otherwise), ``estimate, se, ci_low, ci_high, p``, and for binomial models
        ``odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high``. A statistic of a level with
        fewer than ``min_cell`` people is hidden by the disclosure gate.
    """
    coef = result.coefficients
    id_col = id if id is not None else (study.id if study is not None else None)

    def people(rows: pd.DataFrame) -> int:
        if id_col is not None and id_col in rows.columns:
            return int(rows[id_col].nunique())
        return len(rows)

    n_model = people(data) if len(data) else int(result.summary["n"].iloc[0])
    terms, ns = [], []
    for term in coef["term"]:
        m = _FACTOR.match(str(term))
        if m:
            col, level = m.group(1), _code(m.group(2))
            labels = study.value_labels(col) if study is not None else {}
            terms.append(f"{col}: {labels.get(level, m.group(2))}")
            if col in data.columns:
                values = data[col]
                hit = values == level
                if not hit.any():
                    hit = values.astype(str) == m.group(2)
                ns.append(people(data[hit.to_numpy()]))
            else:
                ns.append(n_model)
        else:
            terms.append("intercept" if term == "Intercept" else str(term))
            ns.append(n_model)
    out = pd.DataFrame({"term": terms, "n": np.asarray(ns, dtype="int64")})
    cols = ["estimate", "se", "ci_low", "ci_high", "p"]
    if result.family == "binomial":
        cols += ["odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high"]
    for c in cols:
        out[c] = coef[c].to_numpy(float)
    return out


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _model_columns(formula: str, columns: Sequence[str]) -> list[str]:
    """The data columns a formula names (its identifiers that are columns)."""
    names = set(_NAME.findall(formula))
    return [c for c in columns if c in names]


@dataclass(frozen=True, kw_only=True)
class StudyModel:
    """A model of the study file, fitted on its declared waves.

    Attributes
    ----------
    name, family : str
    result : ModelResult
    data : pandas.DataFrame
        The rows the model used (declared waves, complete on its columns).
    waves : list of int
        The waves it used.
    n_rows, n_people : int
        Rows and distinct respondents in the model.
    errors : str
        How the standard errors treat repeated respondents, in words.
    options : dict
        The options passed to :func:`~stigma_analysis.models.fit_model` (``groups``,
        ``re_formula``, ``cluster``), to refit the same model (e.g. after imputation).
    """

    name: str
    family: str
    result: Any
    data: pd.DataFrame
    waves: list[int]
    n_rows: int
    n_people: int
    errors: str
    options: dict[str, Any]


def fit_study_models(study: Study, scores: pd.DataFrame | None = None) -> dict[str, StudyModel]:
    """Fit every model of the study file on its declared waves, with honest standard errors.

    A model uses the rows of its ``waves`` (default every wave). When those rows hold some
    respondents more than once, a single-level model (gaussian, binomial, ordinal, poisson,
    negative binomial) gets standard errors clustered by respondent (CR1, as
    ``sandwich::vcovCL`` / Stata's ``vce(cluster id)``) unless the study file names another
    ``cluster``; ``mixed``, ``binomial_mixed`` and ``gee`` models account for them by their
    ``groups``. A ``gee`` model with ``gee_cov: ar1`` uses the wave column as its time unless the
    model names ``time``.

    Returns
    -------
    dict of str to StudyModel
        In the order of the study file.
    """
    from stigma_analysis.models import fit_model
    from stigma_analysis.scoring import score

    scores = score(study) if scores is None else scores
    out: dict[str, StudyModel] = {}
    for m in study.spec.models:
        waves = list(m.waves) if m.waves else list(study.waves)
        part = scores[scores[study.wave].isin(waves)]
        extra = [c for c in (m.groups, m.cluster) if c]
        cols = list(dict.fromkeys([*_model_columns(m.formula, list(part.columns)), *extra]))
        used = part.dropna(subset=cols)
        repeated = bool(used[study.id].duplicated().any())
        kwargs: dict[str, Any] = {"cluster": m.groups, "re_formula": m.re_formula}
        if m.family == "gee":
            kwargs.update(gee_cov=m.gee_cov, time=m.time or study.wave)
        if m.family in ("mixed", "gee", "binomial_mixed"):
            how = (
                f"GEE with robust standard errors clustered by {m.groups}"
                if m.family == "gee"
                else f"random intercept per {m.groups}"
            )
        elif m.cluster:
            kwargs["cluster"] = m.cluster
            how = f"standard errors clustered by {m.cluster}"
        elif repeated:
            kwargs["cluster"] = study.id
            how = f"standard errors clustered by respondent ({study.id}): people answer at several waves"
        else:
            how = "one row per respondent"
        options = {k: v for k, v in kwargs.items() if v}
        result = fit_model(part, m.formula, family=m.family, **options)
        out[m.name] = StudyModel(
            name=m.name,
            family=m.family,
            result=result,
            data=used,
            waves=waves,
            n_rows=len(used),
            n_people=int(used[study.id].nunique()),
            errors=how,
            options=options,
        )
    return out

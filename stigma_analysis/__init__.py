"""stigma-analysis: survey data on stigma among survivors of trafficking, from raw files to reports.

The public API is listed in ``__all__``. Submodules are imported on first use, so that
``import stigma_analysis`` and ``stigma-analysis --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from stigma_analysis.errors import (
    DataValidationError,
    DisclosureError,
    RenderError,
    SpecError,
    StigmaAnalysisError,
    SurveyReadError,
    SurveyWriteError,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily by __getattr__)
_LAZY: dict[str, str] = {
    # io
    "Survey": "stigma_analysis.io",
    "Codebook": "stigma_analysis.io",
    "read_survey": "stigma_analysis.io",
    "write_survey": "stigma_analysis.io",
    # instruments
    "Instrument": "stigma_analysis.instruments",
    "load_instrument": "stigma_analysis.instruments",
    "list_instruments": "stigma_analysis.instruments",
    # study
    "Study": "stigma_analysis.study",
    "load_study": "stigma_analysis.study",
    "validate": "stigma_analysis.study",
    # scoring
    "score": "stigma_analysis.scoring",
    # reliability
    "reliability_table": "stigma_analysis.reliability",
    "alpha": "stigma_analysis.reliability",
    "omega": "stigma_analysis.reliability",
    "item_statistics": "stigma_analysis.reliability",
    "standard_error_of_measurement": "stigma_analysis.reliability",
    "reliable_change_index": "stigma_analysis.reliability",
    # structure
    "efa": "stigma_analysis.structure",
    "cfa": "stigma_analysis.structure",
    "invariance": "stigma_analysis.structure",
    "default_model": "stigma_analysis.structure",
    "parallel_analysis": "stigma_analysis.structure",
    "kmo": "stigma_analysis.structure",
    "bartlett": "stigma_analysis.structure",
    # item response theory
    "irt": "stigma_analysis.irt",
    "IRTResult": "stigma_analysis.irt",
    "dif_lr": "stigma_analysis.irt",
    "dif_ordinal": "stigma_analysis.irt",
    "fit_multigroup": "stigma_analysis.irt",
    "short_form": "stigma_analysis.irt",
    # models
    "fit_model": "stigma_analysis.models",
    "fit_models": "stigma_analysis.models",
    "mediation": "stigma_analysis.models",
    "moderation": "stigma_analysis.models",
    "impute": "stigma_analysis.models",
    "pool": "stigma_analysis.models",
    "fit_imputed": "stigma_analysis.models",
    "compare_complete_case": "stigma_analysis.models",
    "ModelResult": "stigma_analysis.models",
    "Imputation": "stigma_analysis.models",
    "describe": "stigma_analysis.io",
    "atomic_write": "stigma_analysis.io",
    # privacy
    "disclose": "stigma_analysis.privacy",
    "scan_pii": "stigma_analysis.privacy",
    "pseudonymize": "stigma_analysis.privacy",
    "suppress": "stigma_analysis.privacy",
    "k_anonymity": "stigma_analysis.privacy",
    "load_key": "stigma_analysis.privacy",
    "DisclosurePolicy": "stigma_analysis.privacy",
    "suppression_mask": "stigma_analysis.privacy",
    # evaluation
    "pre_post": "stigma_analysis.evaluation",
    "reliable_change": "stigma_analysis.evaluation",
    "reliable_change_counts": "stigma_analysis.evaluation",
    "threshold_attainment": "stigma_analysis.evaluation",
    "arm_by_wave": "stigma_analysis.evaluation",
    "attrition": "stigma_analysis.evaluation",
    "controlled_effect_size": "stigma_analysis.evaluation",
    "clinically_significant_change": "stigma_analysis.evaluation",
    "power": "stigma_analysis.evaluation",
    "cluster_robust": "stigma_analysis.evaluation",
    "survey_glm": "stigma_analysis.evaluation",
    "survey_mean": "stigma_analysis.evaluation",
    "survey_design": "stigma_analysis.evaluation",
    "minimum_detectable_effect": "stigma_analysis.evaluation",
    "retention_weights": "stigma_analysis.evaluation",
    "tipping_point": "stigma_analysis.evaluation",
    # simulation and reports
    "simulate_study": "stigma_analysis.simulate",
    "SimulatedStudy": "stigma_analysis.simulate",
    "write_example_study": "stigma_analysis.simulate",
    "EXAMPLE_SEED": "stigma_analysis.simulate",
    "render": "stigma_analysis.report",
    "stamp": "stigma_analysis.report",
    "show_table": "stigma_analysis.report",
}

# submodules reachable as attributes (``sa.plots.forest_plot``), imported on first use
_SUBMODULES = frozenset(
    {
        "evaluation",
        "instruments",
        "io",
        "irt",
        "models",
        "plots",
        "privacy",
        "reliability",
        "report",
        "scoring",
        "simulate",
        "structure",
        "study",
    }
)

__all__ = [
    "EXAMPLE_SEED",
    "Codebook",
    "DataValidationError",
    "DisclosureError",
    "DisclosurePolicy",
    "IRTResult",
    "Imputation",
    "Instrument",
    "ModelResult",
    "RenderError",
    "SimulatedStudy",
    "SpecError",
    "StigmaAnalysisError",
    "Study",
    "Survey",
    "SurveyReadError",
    "SurveyWriteError",
    "__version__",
    "alpha",
    "arm_by_wave",
    "atomic_write",
    "attrition",
    "bartlett",
    "cfa",
    "clinically_significant_change",
    "cluster_robust",
    "compare_complete_case",
    "controlled_effect_size",
    "default_model",
    "describe",
    "dif_lr",
    "dif_ordinal",
    "disclose",
    "efa",
    "fit_imputed",
    "fit_model",
    "fit_models",
    "fit_multigroup",
    "impute",
    "invariance",
    "irt",
    "item_statistics",
    "k_anonymity",
    "kmo",
    "list_instruments",
    "load_instrument",
    "load_key",
    "load_study",
    "mediation",
    "minimum_detectable_effect",
    "moderation",
    "omega",
    "parallel_analysis",
    "pool",
    "power",
    "pre_post",
    "pseudonymize",
    "read_survey",
    "reliability_table",
    "reliable_change",
    "reliable_change_counts",
    "reliable_change_index",
    "render",
    "retention_weights",
    "scan_pii",
    "score",
    "short_form",
    "show_table",
    "simulate_study",
    "stamp",
    "standard_error_of_measurement",
    "suppress",
    "suppression_mask",
    "survey_design",
    "survey_glm",
    "survey_mean",
    "threshold_attainment",
    "tipping_point",
    "validate",
    "write_example_study",
    "write_survey",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None and name in _SUBMODULES:
        return importlib.import_module(f"stigma_analysis.{name}")
    if module is None:
        raise AttributeError(f"module 'stigma_analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *_SUBMODULES])

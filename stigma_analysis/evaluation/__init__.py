"""Programme evaluation: pre/post change, reliable change, thresholds, arm x wave, attrition.

Every function takes a long table of scores (one row per respondent x wave, as written by
``stigma-analysis score``) and the names of its id, wave and grouping columns, and returns a tidy
DataFrame with fixed columns (or a frozen dataclass with ``.to_frame()``). Grouping columns keep
their names and come first. Results are not yet safe to publish: pass them through
:func:`stigma_analysis.privacy.disclose` (small cells) before they reach a report.

Private modules: ``_prepost`` (change, reliable change, thresholds), ``_effectsize`` (effect
sizes with intervals, Morris's d_ppc2), ``_clinical`` (Jacobson & Truax clinically significant
change), ``_power`` (power and minimum detectable effect with clustering), ``_survey``
(design-based estimation), ``_cr2`` (few-cluster robust SEs), ``_dropout`` (retention weights,
tipping point), ``_mixed`` (arm x wave mixed model), ``_attrition`` (who stays, who leaves),
``_common`` (argument checks). See docs/evaluation.md.
"""

from __future__ import annotations

from stigma_analysis.evaluation._attrition import BASELINE_COLUMNS, AttritionResult, attrition
from stigma_analysis.evaluation._clinical import (
    CLINICAL_CATEGORIES,
    ClinicalCutoffs,
    clinical_cutoffs,
    clinically_significant_change,
    jacobson_truax_plot,
)
from stigma_analysis.evaluation._cr2 import cluster_robust
from stigma_analysis.evaluation._dropout import (
    TIPPING_COLUMNS,
    TippingPointResult,
    retention_weights,
    tipping_point,
)
from stigma_analysis.evaluation._effectsize import (
    CONTROLLED_COLUMNS,
    controlled_effect_size,
    controlled_effect_size_from_summary,
)
from stigma_analysis.evaluation._mixed import ArmByWaveResult, arm_by_wave
from stigma_analysis.evaluation._power import (
    PowerResult,
    design_effect,
    minimum_detectable_effect,
    power,
)
from stigma_analysis.evaluation._prepost import (
    CATEGORIES,
    COUNT_COLUMNS,
    PRE_POST_COLUMNS,
    pre_post,
    reliable_change,
    reliable_change_counts,
    threshold_attainment,
    wilson_interval,
)
from stigma_analysis.evaluation._survey import (
    SurveyDesign,
    survey_design,
    survey_glm,
    survey_mean,
    survey_proportion,
)

__all__ = [
    "BASELINE_COLUMNS",
    "CATEGORIES",
    "CLINICAL_CATEGORIES",
    "CONTROLLED_COLUMNS",
    "COUNT_COLUMNS",
    "PRE_POST_COLUMNS",
    "TIPPING_COLUMNS",
    "ArmByWaveResult",
    "AttritionResult",
    "ClinicalCutoffs",
    "PowerResult",
    "SurveyDesign",
    "TippingPointResult",
    "arm_by_wave",
    "attrition",
    "clinical_cutoffs",
    "clinically_significant_change",
    "cluster_robust",
    "controlled_effect_size",
    "controlled_effect_size_from_summary",
    "design_effect",
    "jacobson_truax_plot",
    "minimum_detectable_effect",
    "power",
    "pre_post",
    "reliable_change",
    "reliable_change_counts",
    "retention_weights",
    "survey_design",
    "survey_glm",
    "survey_mean",
    "survey_proportion",
    "threshold_attainment",
    "tipping_point",
    "wilson_interval",
]

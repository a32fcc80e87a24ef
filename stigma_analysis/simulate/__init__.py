"""Synthetic studies with a known truth: the bundled example, test data and teaching material.

:func:`simulate_study` draws a multi-wave survey of trafficking survivors from a documented
latent-variable model (internalised stigma, experienced discrimination, self-esteem, social
support, anxiety, depression, reintegration) calibrated to published figures (the targets and
their sources are listed in ``docs/calibration.md``), with item responses from an ordinal
threshold model, realistic missing-data codes and MAR attrition. :func:`write_example_study`
writes it as a study folder: SPSS files per wave with labels and user-missing codes,
``study.yaml``, the user-defined ``reintegration_index.yaml`` and ``truth.yaml``.

Regenerate the bundled example with::

    python -m stigma_analysis.simulate surveys/example

Private modules: ``_study`` (the public functions), ``_model`` (the latent-variable model and
its calibration), ``_truth`` (the true values), ``_write`` (the study folder).
"""

from __future__ import annotations

from stigma_analysis.simulate._study import (
    EXAMPLE_SEED,
    SimulatedStudy,
    main,
    simulate_study,
    write_example_study,
)

__all__ = ["EXAMPLE_SEED", "SimulatedStudy", "main", "simulate_study", "write_example_study"]

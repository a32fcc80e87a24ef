"""The study file (``study.yaml``), the bound :class:`Study`, and validation of its data.

Public API
----------
- :func:`load_study` - parse the study file, read every wave, bind the instruments.
- :class:`Study` - the combined long table, codebooks and instruments of one study.
- :func:`validate` - every data problem at once, as a table (``PROBLEM_COLUMNS``).
- the specification models :class:`StudySpec`, :class:`DataFile`, :class:`InstrumentUse`,
  :class:`ModelSpec`, :class:`PrivacySpec`, :class:`DesignSpec`.

Private modules: ``_model`` (the specification and the Study), ``_load`` (loading, in phases),
``_cleaning`` (field data and cleaning rules), ``_validate`` (data problems),
``_problems`` (the problem-table schema, shared by both).
"""

from __future__ import annotations

from stigma_analysis.study._load import load_study, validate
from stigma_analysis.study._model import (
    BoundInstrument,
    DataFile,
    DesignSpec,
    InstrumentUse,
    ModelSpec,
    PrivacySpec,
    Study,
    StudySpec,
)
from stigma_analysis.study._problems import BLOCKING_KINDS, PROBLEM_COLUMNS

__all__ = [
    "BLOCKING_KINDS",
    "PROBLEM_COLUMNS",
    "BoundInstrument",
    "DataFile",
    "DesignSpec",
    "InstrumentUse",
    "ModelSpec",
    "PrivacySpec",
    "Study",
    "StudySpec",
    "load_study",
    "validate",
]

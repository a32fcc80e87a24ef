"""Instrument definitions: the shipped registry and user files anywhere."""

from __future__ import annotations

from stigma_analysis.instruments.model import (
    Band,
    Instrument,
    NormSample,
    ResponseScale,
    ScaleNorms,
)
from stigma_analysis.instruments.registry import list_instruments, load_instrument

__all__ = [
    "Band",
    "Instrument",
    "NormSample",
    "ResponseScale",
    "ScaleNorms",
    "list_instruments",
    "load_instrument",
]

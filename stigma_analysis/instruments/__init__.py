"""Instrument definitions: the shipped registry and user files anywhere."""

from __future__ import annotations

from stigma_analysis.instruments.model import Band, Instrument, ResponseScale
from stigma_analysis.instruments.registry import list_instruments, load_instrument

__all__ = ["Band", "Instrument", "ResponseScale", "list_instruments", "load_instrument"]

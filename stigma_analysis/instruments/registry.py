"""The registry of shipped instrument definitions (``definitions/*.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from stigma_analysis.errors import SpecError
from stigma_analysis.instruments.model import Instrument

__all__ = ["list_instruments", "load_instrument", "shipped_ids"]


def _definitions() -> Path:
    return Path(str(resources.files("stigma_analysis.instruments") / "definitions"))


def shipped_ids() -> tuple[str, ...]:
    """Ids of the instruments shipped with the package, sorted."""
    return tuple(sorted(p.stem for p in _definitions().glob("*.yaml")))


@cache
def _load_shipped(instrument_id: str) -> Instrument:
    return Instrument.from_yaml(_definitions() / f"{instrument_id}.yaml")


def load_instrument(
    id_or_path: str | Path | Instrument, *, base: str | Path | None = None
) -> Instrument:
    """Load a shipped instrument by id, or a user's definition file by path.

    Parameters
    ----------
    id_or_path : str, Path or Instrument
        A shipped id (``"ismi29"``), or a path to a YAML file (relative paths are resolved
        against ``base`` when given). An :class:`Instrument` is returned unchanged.
    base : path, optional
        Folder that relative paths are relative to (the study file's folder).

    Raises
    ------
    SpecError
        Unknown id, unreadable file or invalid definition (naming the file and key).
    """
    if isinstance(id_or_path, Instrument):
        return id_or_path
    if not isinstance(id_or_path, str | Path):
        raise TypeError(
            f"id_or_path must be an instrument id or a path, got {type(id_or_path).__name__}"
        )
    text = str(id_or_path)
    looks_like_path = (
        isinstance(id_or_path, Path)
        or text.endswith((".yaml", ".yml"))
        or "/" in text
        or "\\" in text
    )
    if not looks_like_path:
        if text in shipped_ids():
            return _load_shipped(text)
        import difflib

        close = difflib.get_close_matches(text, shipped_ids(), n=3)
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else f"; shipped: {', '.join(shipped_ids())}"
        )
        raise SpecError(None, "instrument", f"no shipped instrument {text!r}{hint}")
    path = Path(text)
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    if not path.exists():
        raise SpecError(path, "", "instrument file not found")
    return Instrument.from_yaml(path)


def list_instruments() -> pd.DataFrame:
    """The shipped instruments as a table: id, name, construct, items, scales, status."""
    rows = []
    for iid in shipped_ids():
        ins = _load_shipped(iid)
        rows.append(
            {
                "id": ins.id,
                "name": ins.name,
                "construct": ins.construct,
                "n_items": len(ins.items),
                "scales": ", ".join(ins.scales),
                "scoring": ins.scoring,
                "status": ins.status,
            }
        )
    return pd.DataFrame(
        rows, columns=["id", "name", "construct", "n_items", "scales", "scoring", "status"]
    )

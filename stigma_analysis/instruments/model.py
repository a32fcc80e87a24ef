"""The instrument definition: response range, items, keying, scales, prorating and cut-offs.

An :class:`Instrument` is parsed from YAML (FORMATS.md, "Instrument definition") and
validated as a whole: unknown keys, duplicate items, reverse or scale items that are not
items, and unordered or out-of-range cut-off bands are :class:`~stigma_analysis.errors.SpecError`
with the file and key path.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stigma_analysis.errors import SpecError

__all__ = ["Band", "Instrument", "ResponseScale", "spec_error_from_validation"]

Construct = Literal["self_stigma", "social_rejection", "reintegration", "wellbeing", "other"]
ItemId = str | int


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ResponseScale(_Strict):
    """The numeric response range of every item, and the anchor labels."""

    min: float
    max: float
    labels: dict[float, str] = Field(default_factory=dict)
    high_means: str | None = None
    """What a high raw answer means (e.g. ``"more agreement"``), for direction checks."""


class Band(_Strict):
    """One cut-off band: a label and its inclusive lower bound."""

    label: str
    from_: float = Field(alias="from")


# ``construct`` is the FORMATS.md key; pydantic warns that it shadows the deprecated
# ``BaseModel.construct`` classmethod, which this model never uses.
warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)


class Instrument(_Strict):
    """A validated instrument definition.

    Item ids are kept as strings internally (``1`` and ``"1"`` are the same item); integer ids
    mean positions in the published order.
    """

    id: str
    name: str
    construct: Construct = "other"  # type: ignore[assignment]  # FORMATS.md key; shadows BaseModel.construct
    citation: str = ""
    licence: str = ""
    status: Literal["validated", "provisional"] = "provisional"
    response: ResponseScale
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    scoring: Literal["mean", "sum"] = "mean"
    min_answered: float | int | str = 0.8
    scales: dict[str, Any] = Field(default_factory=lambda: {"total": "all"})
    cutoffs: dict[str, tuple[Band, ...]] = Field(default_factory=dict)
    sources: dict[str, str] = Field(default_factory=dict)
    """Where each keying / scoring fact comes from (key: fact, value: source)."""
    notes: str = ""

    # ------------------------------------------------------------------ parsing
    @field_validator("id")
    @classmethod
    def _id_snake(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", v):
            raise ValueError(f"must be lower_snake_case (letters, digits, _), got {v!r}")
        return v

    @field_validator("items", "reverse", mode="before")
    @classmethod
    def _item_ids(cls, v: Any) -> Any:
        if isinstance(v, str | int):
            v = [v]
        if isinstance(v, Sequence) and not isinstance(v, str):
            out = []
            for x in v:
                if isinstance(x, bool) or not isinstance(x, str | int):
                    raise ValueError(f"item ids are strings or integers, got {x!r}")
                out.append(str(x))
            return tuple(out)
        return v

    @field_validator("min_answered")
    @classmethod
    def _min_answered(cls, v: float | int | str) -> float | int | str:
        if isinstance(v, bool):
            raise ValueError("expected a share (0.8), a percentage ('80%') or an item count (3)")
        if isinstance(v, str):
            m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", v)
            if not m or not 0 < float(m.group(1)) <= 100:
                raise ValueError(f"a percentage must look like '80%', got {v!r}")
        elif isinstance(v, float) and not 0 < v <= 1:
            raise ValueError(f"a share must be in (0, 1], got {v}")
        elif isinstance(v, int) and v < 1:
            raise ValueError(f"an item count must be at least 1, got {v}")
        return v

    def model_post_init(self, __context: Any) -> None:
        problems: list[tuple[str, str]] = []
        if not self.response.min < self.response.max:
            problems.append(("response", "min must be below max"))
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item in seen:
                problems.append((f"items[{i}]", f"duplicate item {item!r}"))
            seen.add(item)
        for i, item in enumerate(self.reverse):
            if item not in seen:
                problems.append((f"reverse[{i}]", f"{item!r} is not one of the items"))
        for name in self.scales:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                problems.append((f"scales.{name}", "scale names must be lower_snake_case"))
            try:
                self._resolve(name, set())
            except _ScaleError as exc:
                problems.append((f"scales.{name}", str(exc)))
        for scale, bands in self.cutoffs.items():
            if scale not in self.scales:
                problems.append((f"cutoffs.{scale}", f"{scale!r} is not one of the scales"))
                continue
            lo, hi = self.scale_range(scale) if scale in self.scales else (-math.inf, math.inf)
            prev = -math.inf
            for j, band in enumerate(bands):
                if band.from_ <= prev:
                    problems.append(
                        (f"cutoffs.{scale}[{j}].from", "bands must be in increasing order")
                    )
                if not lo - 1e-9 <= band.from_ <= hi + 1e-9:
                    problems.append(
                        (
                            f"cutoffs.{scale}[{j}].from",
                            f"{band.from_} is outside the scale range [{lo}, {hi}]",
                        )
                    )
                prev = band.from_
        if problems:
            key, msg = problems[0]
            more = (
                ""
                if len(problems) == 1
                else f" (and {len(problems) - 1} more: "
                + "; ".join(f"{k}: {m}" for k, m in problems[1:])
                + ")"
            )
            raise SpecError(None, key, msg + more)

    # ------------------------------------------------------------------ scales
    def _resolve(self, name: str, stack: set[str]) -> tuple[str, ...]:
        if name in stack:
            raise _ScaleError(f"circular all_except through {name!r}")
        spec = self.scales[name]
        if spec == "all":
            return self.items
        if isinstance(spec, Mapping):
            if set(spec) != {"all_except"}:
                raise _ScaleError("expected a list of items, 'all', or {all_except: [...]}")
            excluded: set[str] = set()
            for ref in spec["all_except"] or []:
                key = str(ref)
                if key in self.scales and key not in self.items:
                    excluded.update(self._resolve(key, stack | {name}))
                elif key in self.items:
                    excluded.add(key)
                else:
                    raise _ScaleError(f"all_except names {ref!r}, neither a scale nor an item")
            kept = tuple(i for i in self.items if i not in excluded)
            if not kept:
                raise _ScaleError("all_except leaves no items")
            return kept
        if isinstance(spec, Sequence) and not isinstance(spec, str):
            out: list[str] = []
            for x in spec:
                key = str(x)
                if key not in self.items:
                    raise _ScaleError(f"{x!r} is not one of the items")
                if key in out:
                    raise _ScaleError(f"item {x!r} is listed twice")
                out.append(key)
            if not out:
                raise _ScaleError("a scale needs at least one item")
            return tuple(out)
        raise _ScaleError("expected a list of items, 'all', or {all_except: [...]}")

    def scale_items(self, scale: str) -> tuple[str, ...]:
        """The item ids of ``scale``, in the instrument's item order."""
        if scale not in self.scales:
            raise ValueError(f"{self.id} has no scale {scale!r}; scales: {', '.join(self.scales)}")
        return self._resolve(scale, set())

    @property
    def scale_names(self) -> tuple[str, ...]:
        return tuple(self.scales)

    def subscales(self) -> tuple[str, ...]:
        """Scales defined by an explicit item list (not 'all' or all_except)."""
        return tuple(
            s
            for s, spec in self.scales.items()
            if isinstance(spec, Sequence) and not isinstance(spec, str)
        )

    def is_reversed(self, item: ItemId) -> bool:
        return str(item) in self.reverse

    def min_answered_count(self, n_items: int) -> int:
        """Number of a scale's ``n_items`` that must be answered for a score."""
        v = self.min_answered
        if isinstance(v, str):
            share = float(v.strip().rstrip("%")) / 100
        elif isinstance(v, float):
            share = v
        else:
            return min(int(v), n_items)
        return max(1, min(n_items, math.ceil(share * n_items - 1e-9)))

    def scale_range(self, scale: str) -> tuple[float, float]:
        """The range a score of ``scale`` can take (mean: the response range; sum: times k)."""
        k = len(self.scale_items(scale))
        lo, hi = self.response.min, self.response.max
        return (lo, hi) if self.scoring == "mean" else (lo * k, hi * k)

    def columns(self, mapping: str | Mapping[Any, str]) -> dict[str, str]:
        """Item id → data column, from a template (``"ismi_{item}"``) or an explicit mapping."""
        if isinstance(mapping, str):
            if "{item}" not in mapping:
                raise ValueError(f"a column template must contain '{{item}}', got {mapping!r}")
            return {item: mapping.replace("{item}", item) for item in self.items}
        out = {str(k): str(v) for k, v in mapping.items()}
        unknown = [k for k in out if k not in self.items]
        if unknown:
            raise ValueError(f"columns names items that {self.id} does not have: {unknown}")
        missing = [i for i in self.items if i not in out]
        if missing:
            raise ValueError(f"columns gives no column for items {missing}")
        return out

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_yaml(cls, path: str | Path) -> Instrument:
        """Read and validate an instrument definition file."""
        import yaml

        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(
                path, "", f"cannot read the instrument file: {exc.strerror or exc}"
            ) from exc
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(path, "", f"not valid YAML: {exc}") from exc
        return cls.from_dict(raw, file=path)

    @classmethod
    def from_dict(cls, raw: Any, *, file: str | Path | None = None) -> Instrument:
        if not isinstance(raw, Mapping):
            raise SpecError(file, "", "an instrument definition must be a mapping of keys")
        try:
            return cls.model_validate(dict(raw))
        except ValidationError as exc:
            raise spec_error_from_validation(exc, file) from None
        except SpecError as exc:
            raise SpecError(file, exc.key, exc.expected) from None


class _ScaleError(Exception):
    pass


def spec_error_from_validation(
    exc: ValidationError, file: str | Path | None, prefix: str = ""
) -> SpecError:
    """Turn a pydantic error into a SpecError naming the key path (``instruments[2].columns``)."""
    errors = exc.errors()
    first = errors[0]
    key = _key_path(first["loc"], prefix)
    msg = _message(first)
    if len(errors) > 1:
        msg += (
            f" (and {len(errors) - 1} more: "
            + "; ".join(f"{_key_path(e['loc'], prefix)}: {_message(e)}" for e in errors[1:4])
            + ("; ..." if len(errors) > 4 else "")
            + ")"
        )
    return SpecError(file, key, msg)


def _key_path(loc: tuple[Any, ...], prefix: str) -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            part = "from" if part == "from_" else part
            out += f".{part}" if out else str(part)
    return out


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key (check the spelling; see FORMATS.md)"
    if err["type"] == "missing":
        return "required key is missing"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    inp = err.get("input")
    if err["type"] not in {"value_error"} and not isinstance(inp, dict | list):
        msg += f" (got {inp!r})"
    return msg

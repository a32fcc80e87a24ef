"""The instrument definition: response range, items, keying, scales, prorating and cut-offs.

An :class:`Instrument` is parsed from YAML (docs/FORMATS.md, "Instrument definition") and
validated as a whole: unknown keys, keys given twice in the YAML, duplicate or unknown items
(in ``items``, ``reverse`` and scales), response labels outside the response range, an integer
``min_answered`` above the number of items, ``all_except: []``, and cut-off bands that are
unordered, out of range, share a label or leave the lowest scores without a band are
:class:`~stigma_analysis.errors.SpecError` with the file and key path.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from stigma_analysis.errors import SpecError

__all__ = [
    "Band",
    "Direction",
    "Instrument",
    "NormSample",
    "ResponseScale",
    "ScaleNorms",
    "spec_error_from_validation",
]

Construct = Literal["self_stigma", "social_rejection", "reintegration", "wellbeing", "other"]
Direction = Literal["higher_is_better", "lower_is_better"]
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


class NormSample(_Strict):
    """Mean and standard deviation of a scale's scores in a norm sample."""

    mean: float
    sd: float

    @field_validator("mean", "sd", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        # YAML reads `yes` as True, which float would take as 1.0
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"must be a finite number, got {v!r}")
        return v

    @field_validator("sd")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not v > 0:
            raise ValueError(f"a standard deviation must be above 0, got {v:g}")
        return v


class ScaleNorms(_Strict):
    """Population norms of one scale, for clinically significant change (Jacobson & Truax 1991).

    ``functional``: a general-population (or non-clinical) sample; ``dysfunctional``: a clinical
    (or affected) sample. At least one is needed; ``citation`` says where the numbers come from.
    """

    functional: NormSample | None = None
    dysfunctional: NormSample | None = None
    citation: str

    @field_validator("citation")
    @classmethod
    def _cited(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("say where the norms come from (a published norm sample, or why)")
        return v

    @model_validator(mode="after")
    def _some_sample(self) -> ScaleNorms:
        if self.functional is None and self.dysfunctional is None:
            raise ValueError("give functional: {mean, sd}, dysfunctional: {mean, sd}, or both")
        return self

    @property
    def criterion(self) -> Literal["a", "b", "c"]:
        """The Jacobson-Truax cut-off these norms support: c with both samples, a with only the
        dysfunctional one, b with only the functional one."""
        if self.functional is not None and self.dysfunctional is not None:
            return "c"
        return "a" if self.dysfunctional is not None else "b"


_MIN_ANSWERED_HELP = "expected a share (0.8), a percentage ('80%') or an item count (3)"

# ``construct`` is the docs/FORMATS.md key; pydantic warns (once, when the class is created) that it
# shadows the deprecated ``BaseModel.construct`` classmethod, which this model never uses. The
# filter is local to the class definition: the process-wide warning filters stay untouched.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)

    class Instrument(_Strict):
        """A validated instrument definition.

        Item ids are kept as strings internally (``1`` and ``"1"`` are the same item); integer ids
        mean positions in the published order.
        """

        id: str
        name: str
        construct: Construct = "other"  # type: ignore[assignment]  # docs/FORMATS.md key; shadows BaseModel.construct
        direction: Direction
        """Which way is improvement on every scale (after reverse-keying): ``higher_is_better``
        (support, self-esteem) or ``lower_is_better`` (stigma, symptoms). Required: reports never
        guess it from the instrument's words."""
        citation: str = ""
        licence: str = ""
        status: Literal["validated", "provisional"] = "provisional"
        response: ResponseScale
        items: tuple[str, ...]
        reverse: tuple[str, ...] = ()
        scoring: Literal["mean", "sum"] = "mean"
        min_answered: float | int | str = 0.8
        """How many of a scale's items must be answered for a score: a share (``0.8``, ``1.0``; a
        float), a percentage (``"80%"``), or an item count (an int: ``1`` = any one item). A count
        may not exceed the instrument's number of items (``80`` meant as 80% is refused); within
        that, it is clamped per scale to the scale's size (``8`` on a 5-item subscale needs all 5).
        """
        scales: dict[str, Any] = Field(default_factory=lambda: {"total": "all"})
        cutoffs: dict[str, tuple[Band, ...]] = Field(default_factory=dict)
        norms: dict[str, ScaleNorms] = Field(default_factory=dict)
        """Published functional / dysfunctional norms per scale (clinically significant change);
        a study file may add or replace them (``instruments[i].norms``)."""
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
                        shown = f"a {type(x).__name__}" if isinstance(x, list | dict) else repr(x)
                        raise ValueError(f"item ids are strings or integers, got {shown}")
                    out.append(str(x))
                return tuple(out)
            return v

        @field_validator("min_answered", mode="before")
        @classmethod
        def _min_answered(cls, v: Any) -> Any:
            if isinstance(v, bool) or not isinstance(v, float | int | str):
                raise ValueError(f"{_MIN_ANSWERED_HELP}, got {v!r}")
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
            self._check_response(problems)
            self._check_items(problems)
            resolved: set[str] = set()
            for name in self.scales:
                if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                    problems.append((f"scales.{name}", "scale names must be lower_snake_case"))
                try:
                    self._resolve(name, set())
                except _ScaleError as exc:
                    problems.append((f"scales.{name}", str(exc)))
                else:
                    resolved.add(name)
            for scale in self.cutoffs:
                if scale not in self.scales:
                    problems.append((f"cutoffs.{scale}", f"{scale!r} is not one of the scales"))
                elif scale in resolved:
                    self._check_bands(scale, problems)
            for scale in self.norms:
                if scale not in self.scales:
                    problems.append((f"norms.{scale}", f"{scale!r} is not one of the scales"))
                elif scale in resolved:
                    self._check_norms(scale, problems)
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

        def _check_response(self, problems: list[tuple[str, str]]) -> None:
            lo, hi = self.response.min, self.response.max
            if not lo < hi:
                problems.append(("response", "min must be below max"))
                return
            for code in self.response.labels:
                if not lo <= code <= hi:
                    problems.append(
                        (
                            f"response.labels.{code:g}",
                            f"code {code:g} is outside the response range [{lo:g}, {hi:g}]"
                            " (missing-data codes belong in the study's missing_codes)",
                        )
                    )

        def _check_items(self, problems: list[tuple[str, str]]) -> None:
            seen: set[str] = set()
            for i, item in enumerate(self.items):
                if item in seen:
                    problems.append((f"items[{i}]", f"duplicate item {item!r}"))
                seen.add(item)
            reversed_: set[str] = set()
            for i, item in enumerate(self.reverse):
                if item not in seen:
                    problems.append((f"reverse[{i}]", f"{item!r} is not one of the items"))
                elif item in reversed_:
                    problems.append((f"reverse[{i}]", f"item {item} is listed twice"))
                reversed_.add(item)
            v = self.min_answered
            n = len(seen)
            if isinstance(v, int) and not isinstance(v, bool) and v > n:
                hint = f"{v / 100:g} or '{v}%'" if v <= 100 else "0.8 or '80%'"
                problems.append(
                    (
                        "min_answered",
                        f"an item count of {v} is more than the instrument's {n} items;"
                        f" for a share of each scale's items write a decimal or a percentage,"
                        f" e.g. {hint}",
                    )
                )

        def _check_bands(self, scale: str, problems: list[tuple[str, str]]) -> None:
            bands = self.cutoffs[scale]
            lo, hi = self.scale_range(scale)
            prev = -math.inf
            ordered = True
            labels: dict[str, int] = {}
            for j, band in enumerate(bands):
                if band.label in labels:
                    problems.append(
                        (
                            f"cutoffs.{scale}[{j}].label",
                            f"band label {band.label!r} is used twice"
                            f" (bands {labels[band.label]} and {j})",
                        )
                    )
                labels.setdefault(band.label, j)
                if band.from_ <= prev:
                    ordered = False
                    problems.append(
                        (f"cutoffs.{scale}[{j}].from", "bands must be in increasing order")
                    )
                if not lo - 1e-9 <= band.from_ <= hi + 1e-9:
                    problems.append(
                        (
                            f"cutoffs.{scale}[{j}].from",
                            f"{band.from_:g} is outside the scale range [{lo:g}, {hi:g}]",
                        )
                    )
                prev = band.from_
            # checked once the order is right: an unordered list is reported as such first
            if ordered and bands and lo + 1e-9 < bands[0].from_ <= hi + 1e-9:
                problems.append(
                    (
                        f"cutoffs.{scale}[0].from",
                        f"the first band starts at {bands[0].from_:g}, above the lowest possible"
                        f" score {lo:g}: scores from {lo:g} to below {bands[0].from_:g} would have"
                        f" no band; start the first band at {lo:g}",
                    )
                )

        def _check_norms(self, scale: str, problems: list[tuple[str, str]]) -> None:
            norms = self.norms[scale]
            lo, hi = self.scale_range(scale)
            for part in ("functional", "dysfunctional"):
                sample = getattr(norms, part)
                if sample is not None and not lo - 1e-9 <= sample.mean <= hi + 1e-9:
                    problems.append(
                        (
                            f"norms.{scale}.{part}.mean",
                            f"{sample.mean:g} is outside the scale range [{lo:g}, {hi:g}]"
                            f" ({self.scoring} scoring)",
                        )
                    )
            fun, dys = norms.functional, norms.dysfunctional
            if fun is not None and dys is not None:
                sign = 1.0 if self.direction == "higher_is_better" else -1.0
                if sign * (fun.mean - dys.mean) <= 0:
                    side = "above" if sign > 0 else "below"
                    problems.append(
                        (
                            f"norms.{scale}.functional.mean",
                            f"the functional mean {fun.mean:g} must lie {side} the dysfunctional"
                            f" mean {dys.mean:g} ({self.id} is {self.direction})",
                        )
                    )

        def with_norms(self, norms: Mapping[str, Any]) -> Instrument:
            """A copy whose norms are these (per scale: a scale given here replaces the
            definition's norms of that scale; other scales keep theirs), validated as a whole.

            Raises
            ------
            SpecError
                Key ``norms.<scale>...`` (no file): an unknown scale, a mean outside the scale
                range, or functional and dysfunctional means the wrong way round.
            """
            if not norms:
                return self
            merged = {**self.norms, **dict(norms)}
            raw = self.model_dump(by_alias=True, exclude={"norms"})
            return type(self).model_validate({**raw, "norms": merged})

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
                refs = spec["all_except"]
                if isinstance(refs, str | int) and not isinstance(refs, bool):
                    refs = [refs]
                if not isinstance(refs, Sequence) or isinstance(refs, str):
                    if refs is not None:
                        raise _ScaleError("all_except takes a list of scale names or items")
                    refs = []
                if not refs:
                    raise _ScaleError("all_except: [] excludes nothing; write 'all' instead")
                excluded: set[str] = set()
                for ref in refs:
                    if isinstance(ref, bool) or not isinstance(ref, str | int):
                        raise _ScaleError(
                            f"all_except takes scale names or item ids, got a {type(ref).__name__}"
                        )
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
                    if isinstance(x, bool) or not isinstance(x, str | int):
                        raise _ScaleError(
                            f"scale entries are item ids (strings or integers), got a "
                            f"{type(x).__name__}"
                        )
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
                raise ValueError(
                    f"{self.id} has no scale {scale!r}; scales: {', '.join(self.scales)}"
                )
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

        def invalid_answers(self, values: Any) -> Any:
            """Which answers are not answers of this instrument: the one validity rule.

            Validation (kind ``value``), scoring (``on_invalid``) and reliability all use this
            rule, so that no answer is scored, or enters an alpha, that validation rejects.

            Parameters
            ----------
            values : array-like of float
                Answers as numbers; NaN is missing (not invalid).

            Returns
            -------
            numpy.ndarray of bool
                Same shape as ``values``: True where an answer lies outside
                ``[response.min, response.max]``, or, when the response codes are whole numbers
                (``min``, ``max`` and every labelled code), where it is not a whole number
                (2.5 and 3.0000001 on a 1-4 scale; compared exactly, no tolerance).
            """
            import numpy as np

            v = np.asarray(values, dtype=float)
            lo, hi = self.response.min, self.response.max
            with np.errstate(invalid="ignore"):
                bad = (v < lo) | (v > hi)
                codes = (lo, hi, *self.response.labels)
                if all(float(c).is_integer() for c in codes):
                    bad |= np.isfinite(v) & (v != np.floor(v))
            return bad

        def min_answered_count(self, n_items: int) -> int:
            """Number of a scale's ``n_items`` that must be answered for a score.

            A share or percentage ``p`` needs ``ceil(p * n_items)`` items (at least 1). An integer
            ``min_answered`` is a count of items, clamped to the scale's size: with
            ``min_answered: 8`` a 10-item total needs 8 answers and a 5-item subscale all 5. (A
            count above the instrument's number of items is refused when the definition is read.)
            """
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
            """Read and validate an instrument definition file.

            A key given twice in a mapping, or a YAML syntax error, is a
            :class:`~stigma_analysis.errors.SpecError` naming the file, key path and line(s).
            """
            from stigma_analysis.io._yaml import load_yaml, read_spec_text

            path = Path(path)
            try:
                text = read_spec_text(path, what="instrument file")
            except OSError as exc:
                raise SpecError(
                    path, "", f"cannot read the instrument file: {exc.strerror or exc}"
                ) from exc
            except UnicodeDecodeError as exc:
                raise SpecError(
                    path,
                    "",
                    f"cannot read the instrument file: not UTF-8 text ({exc.reason} at byte {exc.start})",
                ) from None
            raw = load_yaml(text, file=path)
            return cls.from_dict(raw, file=path)

        @classmethod
        def from_dict(cls, raw: Any, *, file: str | Path | None = None) -> Instrument:
            if not isinstance(raw, Mapping):
                raise SpecError(file, "", "an instrument definition must be a mapping of keys")
            if "direction" not in raw:
                raise SpecError(
                    file,
                    "direction",
                    "required key is missing: say which way is improvement, 'higher_is_better' "
                    "(e.g. social support) or 'lower_is_better' (e.g. stigma, symptoms)",
                )
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
    """Turn a pydantic error into a SpecError naming the key path (``instruments[2].columns``).

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error of ``model_validate``.
    file : path or None
        The specification file, named in the error.
    prefix : str
        Key path of the validated mapping inside the file (``""`` for the whole file).

    Returns
    -------
    SpecError
        ``key`` is the first problem's key path, without pydantic's union-member and type tags
        (``min_answered``, not ``min_answered.float``); the message says what was expected there,
        the failures of a union's members joined (``Input should be a valid string or a valid
        dictionary (got 5)``), and how many more problems there are.
    """
    errors = list(exc.errors())
    paths = [_key_path(e["loc"], prefix) for e in errors]
    tagged = [any(_is_type_tag(part) for part in e["loc"]) for e in errors]
    # A union whose input has the shape of one member also fails the other members at the
    # top ("Input should be a valid string" for a mapping): report only the member that got
    # further, i.e. drop a union failure when another union failure lies below its key path.
    keep = [
        not (
            tagged[i]
            and any(
                tagged[j]
                and (paths[j].startswith(paths[i] + ".") or paths[j].startswith(paths[i] + "["))
                for j in range(len(errors))
            )
        )
        for i in range(len(errors))
    ]
    grouped: dict[str, list[Any]] = {}
    for path, err, ok in zip(paths, errors, keep, strict=True):
        if ok:
            grouped.setdefault(path, []).append(err)
    problems = [(path, _group_message(errs)) for path, errs in grouped.items()]
    key, msg = problems[0]
    if len(problems) > 1:
        msg += (
            f" (and {len(problems) - 1} more: "
            + "; ".join(f"{k}: {m}" for k, m in problems[1:4])
            + ("; ..." if len(problems) > 4 else "")
            + ")"
        )
    return SpecError(file, key, msg)


# pydantic names the member of a union (and some validator wrappers) in ``loc``: a type
# description (``str``, ``dict[str,str]``, ``function-after[...]``, ``literal['a','b']``) or a
# model class name. These are not keys of the file.
_SCALAR_TAGS = frozenset(
    {"str", "int", "float", "bool", "bytes", "none", "decimal", "date", "datetime", "time",
     "timedelta", "list", "dict", "tuple", "set", "frozenset", "any", "[key]"}
)  # fmt: skip
_GENERIC_TAG = re.compile(r"[a-z][a-z-]*\[.*\]", re.DOTALL)


def _model_names() -> set[str]:
    names: set[str] = set()
    stack: list[type[BaseModel]] = [BaseModel]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("stigma_analysis"):
                names.add(sub.__name__)
            stack.append(sub)
    return names


def _is_type_tag(part: Any) -> bool:
    if not isinstance(part, str):
        return False
    return (
        part in _SCALAR_TAGS or _GENERIC_TAG.fullmatch(part) is not None or part in _model_names()
    )


def _key_path(loc: tuple[Any, ...], prefix: str) -> str:
    out = prefix
    for part in loc:
        if _is_type_tag(part):
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            part = "from" if part == "from_" else part
            out += f".{part}" if out else str(part)
    return out


def _group_message(errs: list[Any]) -> str:
    """One message for the errors at one key path (a union's members: 'a or b')."""
    if len(errs) == 1:
        return _message(errs[0])
    should = "Input should be "
    parts: list[str] = []
    for err in errs:
        m = _message(err, with_input=False)
        if m not in parts:
            parts.append(m)
    if all(m.startswith(should) for m in parts):
        msg = should + " or ".join(m.removeprefix(should) for m in parts)
    else:
        msg = "; ".join(parts)
    inp = errs[0].get("input")
    if not isinstance(inp, dict | list):
        msg += f" (got {inp!r})"
    return msg


def _message(err: Any, *, with_input: bool = True) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key (check the spelling; see docs/FORMATS.md)"
    if err["type"] == "missing":
        return "required key is missing"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    inp = err.get("input")
    if with_input and err["type"] != "value_error" and not isinstance(inp, dict | list):
        msg += f" (got {inp!r})"
    return msg

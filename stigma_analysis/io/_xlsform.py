"""XLSForm (KoboToolbox / ODK) forms: questions, choices, translations and skip logic.

:func:`read_form` parses a form with pyxform's own reader (nothing is downloaded, no Java
validator runs) into a :class:`Form`: every question with its path, type, labels per language
and the ``relevant`` expression it inherits from its groups; every choice list; the languages.
:func:`evaluate_relevant` evaluates the common subset of XPath used in ``relevant`` columns
over a whole table at once and refuses anything else with a message that names the question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.errors import SpecError

__all__ = [
    "METADATA_TYPES",
    "Choice",
    "Form",
    "Question",
    "evaluate_relevant",
    "read_form",
]

# fields the data-collection app fills in by itself; they identify a device, a person or a place
METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "username",
        "phonenumber",
        "email",
        "audit",
        "start-geopoint",
        "background-audio",
    }
)
_PERSONAL_TYPES = METADATA_TYPES | {"geopoint", "geotrace", "geoshape"}
_SKIP_TYPES = frozenset({"note", "calculate", "hidden"})


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a choice list: its name (what the form stores) and labels per language."""

    name: str
    labels: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """One field of the form.

    Attributes
    ----------
    name : str
        The field name (``${name}`` in expressions).
    path : str
        Group path, e.g. ``mspss/mspss_1`` (groups and repeats, not the form itself).
    type : str
        XLSForm type without the list: ``select_one``, ``select_multiple``, ``integer``, ...
    list_name : str or None
        The choice list of a select question.
    labels : dict of str to str
        Label per language (``""`` when the form has no translations).
    relevant : tuple of str
        The ``relevant`` expressions of the question and of every enclosing group (all must hold).
    repeat : str or None
        The innermost repeat group holding the question, None for the main table.
    """

    name: str
    path: str
    type: str
    list_name: str | None
    labels: dict[str, str]
    relevant: tuple[str, ...]
    repeat: str | None

    @property
    def personal(self) -> bool:
        """Metadata and location fields: they identify a device, a person or a place."""
        return self.type in _PERSONAL_TYPES


@dataclass(frozen=True, slots=True, kw_only=True)
class Form:
    """A parsed XLSForm."""

    path: Path
    title: str
    questions: dict[str, Question]
    choices: dict[str, list[Choice]]
    languages: tuple[str, ...]
    default_language: str | None
    repeats: tuple[str, ...]
    translation_gaps: list[str] = field(default_factory=list)
    """Labels missing in some language, as sentences naming the question or choice."""

    def language(self, wanted: str | None) -> str:
        """The form's language matching ``wanted`` (``"km"``, ``"Khmer"`` or ``"Khmer (km)"``)."""
        if not self.languages or self.languages == ("",):
            return ""
        if wanted is None:
            if self.default_language in self.languages:
                return str(self.default_language)
            return self.languages[0]
        w = wanted.strip().lower()
        for lang in self.languages:
            m = re.fullmatch(r"\s*(.*?)\s*(?:\((.*)\))?\s*", lang)
            parts = {lang.lower()}
            if m:
                parts |= {(m.group(1) or "").lower(), (m.group(2) or "").lower()}
            if w in parts:
                return lang
        raise SpecError(
            self.path,
            "language",
            f"the form has no language {wanted!r}; it has {', '.join(self.languages)}",
        )

    def codes(self, list_name: str) -> dict[str, float]:
        """Choice name → numeric code: the name itself when every name of the list is a number,
        else 1, 2, ... in the order of the choices sheet."""
        names = [c.name for c in self.choices.get(list_name, [])]
        try:
            return {n: float(n) for n in names}
        except ValueError:
            return {n: float(i) for i, n in enumerate(names, start=1)}


def _labels(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items() if v not in (None, "")}
    return {"": str(raw)}


def read_form(path: str | Path) -> Form:
    """Parse an XLSForm (``.xlsx``, ``.xls`` or ``.csv``/``.md`` as pyxform reads them).

    Parameters
    ----------
    path : path-like
        The form file.

    Returns
    -------
    Form

    Raises
    ------
    SpecError
        The file is missing or pyxform refuses it (its message is kept).
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    p = Path(path)
    if not p.is_file():
        raise SpecError(p, "form", "the form file does not exist")
    try:
        spec = parse_file_to_json(str(p))
    except PyXFormError as exc:
        raise SpecError(p, "form", f"not a valid XLSForm: {exc}") from None
    except (OSError, ValueError, KeyError) as exc:
        raise SpecError(p, "form", f"cannot read the form: {exc}") from None

    questions: dict[str, Question] = {}
    repeats: list[str] = []
    languages: dict[str, None] = {}

    def walk(
        children: list[dict[str, Any]], path: str, relevant: tuple[str, ...], repeat: str | None
    ) -> None:
        for child in children:
            kind = str(child.get("type", ""))
            name = str(child.get("name", ""))
            labels = _labels(child.get("label"))
            languages.update(dict.fromkeys(labels))
            rel = relevant
            expr = (child.get("bind") or {}).get("relevant")
            if expr:
                rel = (*relevant, str(expr))
            here = f"{path}/{name}" if path else name
            if kind in {"group", "repeat"}:
                if name == "meta" and (child.get("control") or {}).get("bodyless"):
                    continue
                if kind == "repeat":
                    repeats.append(name)
                walk(child.get("children") or [], here, rel, name if kind == "repeat" else repeat)
                continue
            if kind in _SKIP_TYPES:
                continue
            norm = {"select one": "select_one", "select all that apply": "select_multiple"}.get(
                kind, kind.replace(" ", "_")
            )
            questions[name] = Question(
                name=name,
                path=here,
                type=norm,
                list_name=child.get("list_name") or child.get("itemset"),
                labels=labels,
                relevant=rel,
                repeat=repeat,
            )

    walk(spec.get("children") or [], "", (), None)
    choices: dict[str, list[Choice]] = {}
    for list_name, items in (spec.get("choices") or {}).items():
        choices[str(list_name)] = [
            Choice(name=str(c.get("name")), labels=_labels(c.get("label"))) for c in items
        ]
        for c in choices[str(list_name)]:
            languages.update(dict.fromkeys(c.labels))
    langs = tuple(languages) or ("",)
    gaps: list[str] = []
    if len(langs) > 1:
        for q in questions.values():
            if q.labels:
                for lang in langs:
                    if lang not in q.labels:
                        gaps.append(f"question {q.name!r} has no {lang} label")
        used = {q.list_name for q in questions.values() if q.list_name}
        for list_name, items in choices.items():
            if list_name not in used:
                continue
            for c in items:
                for lang in langs:
                    if lang not in c.labels:
                        gaps.append(f"choice {c.name!r} of list {list_name!r} has no {lang} label")
    return Form(
        path=p,
        title=str(spec.get("title") or p.stem),
        questions=questions,
        choices=choices,
        languages=langs,
        default_language=spec.get("default_language"),
        repeats=tuple(repeats),
        translation_gaps=gaps,
    )


# ------------------------------------------------------------------ relevant expressions

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{\s*[A-Za-z_][\w.-]*\s*\})
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<op>!=|>=|<=|=|>|<|\(|\)|,)
      | (?P<word>[A-Za-z_][\w.-]*)
    )""",
    re.VERBOSE,
)


class RelevantError(ValueError):
    """An expression outside the supported subset."""


def _tokens(expr: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise RelevantError(f"cannot read {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent over: or / and / not(...) / selected(${q}, 'x') / comparisons."""

    def __init__(self, tokens: list[tuple[str, str]], table: pd.DataFrame, bare: bool) -> None:
        self.t = tokens
        self.i = 0
        self.table = table
        self.bare = bare  # cleaning conditions may name columns without ${...}

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise RelevantError(
                f"expected {value or 'more'} at the end"
                if tok is None
                else f"expected {value!r}, found {tok[1]!r}"
            )
        self.i += 1
        return tok

    def parse(self) -> np.ndarray:
        out = self.or_()
        if self.peek() is not None:
            raise RelevantError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return out

    def or_(self) -> np.ndarray:
        out = self.and_()
        while self.peek() == ("word", "or"):
            self.take()
            out = out | self.and_()
        return out

    def and_(self) -> np.ndarray:
        out = self.atom()
        while self.peek() == ("word", "and"):
            self.take()
            out = out & self.atom()
        return out

    def atom(self) -> np.ndarray:
        tok = self.peek()
        if tok == ("op", "("):
            self.take()
            out = self.or_()
            self.take(")")
            return out
        if tok == ("word", "not") and self.t[self.i + 1 : self.i + 2] == [("op", "(")]:
            self.take()
            self.take("(")
            out = ~self.or_()
            self.take(")")
            return out
        if tok == ("word", "selected"):
            self.take()
            self.take("(")
            values = self.value()
            self.take(",")
            option = self.value()
            self.take(")")
            if not isinstance(option, str):
                raise RelevantError("selected() needs a quoted option name")
            texts = pd.Series(values).astype("string").fillna("")
            return texts.str.split().map(lambda words: option in words).to_numpy(dtype=bool)
        left = self.value()
        op = self.peek()
        if op is None or op[1] not in {"=", "!=", ">", "<", ">=", "<="}:
            raise RelevantError(f"expected a comparison after {self.t[self.i - 1][1]!r}")
        self.take()
        right = self.value()
        return _compare(left, op[1], right)

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "ref":
            return self.column(text[2:-1].strip())
        if kind == "str":
            return text[1:-1]
        if kind == "num":
            return float(text)
        if kind == "word" and self.bare and text not in {"and", "or", "not", "selected"}:
            return self.column(text)
        raise RelevantError(f"unsupported {text!r}")

    def column(self, name: str) -> np.ndarray:
        if name not in self.table.columns:
            raise RelevantError(f"{name!r} is not a field of this table")
        return self.table[name].to_numpy(dtype=object)


def _compare(left: Any, op: str, right: Any) -> np.ndarray:
    def as_array(x: Any) -> np.ndarray | Any:
        return x

    a, b = as_array(left), as_array(right)
    numeric = isinstance(a, float) or isinstance(b, float)
    if numeric:
        a = pd.to_numeric(pd.Series(np.atleast_1d(a)), errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(pd.Series(np.atleast_1d(b)), errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            res = {
                "=": a == b,
                "!=": a != b,
                ">": a > b,
                "<": a < b,
                ">=": a >= b,
                "<=": a <= b,
            }[op]
        # an empty answer compares as false (ODK); != with an empty side is true
        if op == "!=":
            return np.asarray(res, dtype=bool)
        return np.asarray(res, dtype=bool) & ~np.isnan(a) & ~np.isnan(b)
    sa = pd.Series(np.atleast_1d(a), dtype=object).map(_text)
    sb = pd.Series(np.atleast_1d(b), dtype=object).map(_text)
    if op in {"=", "!="}:
        eq = sa.to_numpy(dtype=object) == sb.to_numpy(dtype=object)
        return np.asarray(eq if op == "=" else ~eq, dtype=bool)
    raise RelevantError(f"{op} compares numbers; quote-free numbers are needed")


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def evaluate_relevant(expr: str, table: pd.DataFrame, *, bare_names: bool = False) -> np.ndarray:
    """Evaluate a ``relevant`` expression for every row of ``table``.

    Supported: ``${q} = 'x'``, ``!=``, ``>``, ``<``, ``>=``, ``<=`` (numbers compare as numbers,
    an empty answer compares false), ``and``, ``or``, ``not(...)``, ``selected(${q}, 'x')`` and
    parentheses. With ``bare_names`` a column may be named without ``${...}`` (cleaning rules).

    Parameters
    ----------
    expr : str
        The expression.
    table : DataFrame
        Raw answers (choice names, not codes), one column per field name.
    bare_names : bool, default False

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    ValueError
        The expression uses something outside that subset (the message says what).
    """
    p = _Parser(_tokens(expr), table, bare_names)
    out = np.broadcast_to(p.parse(), (len(table),))
    return np.array(out, dtype=bool)

"""A small parser for lavaan-style measurement-model syntax.

Supported statements (one per line or separated by ``;``; ``#`` starts a comment)::

    visual  =~ x1 + x2 + x3          # factor loadings (first indicator is the marker)
    visual  =~ NA*x1 + x2 + x3       # NA* frees a loading lavaan would fix
    textual =~ 1*x4 + a*x5 + a*x6    # fixed value; shared label = equality constraint
    x1 ~~ x4                         # residual covariance (or latent covariance)
    visual ~~ 1*visual               # fixed (latent) variance
    visual ~~ 0*speed                # fixed covariance

A statement may continue on the next line when a line ends with ``+`` or the next starts with ``+``.
Regressions (``~``), intercepts (``~1``), defined parameters (``:=``) and constraints are not
supported and raise ``ValueError``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["ModelTerm", "parse_model"]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_UNSUPPORTED = (":=", "==", "<", ">", "|", "~*~", "<~")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelTerm:
    """One parsed model term.

    Attributes
    ----------
    lhs, op, rhs : str
        Left-hand variable, operator (``"=~"`` or ``"~~"``) and right-hand variable.
    fixed : float or None
        The value the parameter is fixed at (``1*x1``), or None when free.
    label : str or None
        An equality label (``a*x1``): parameters sharing a label are estimated as one.
    force_free : bool
        True for ``NA*x1`` (free a parameter that would be fixed by default).
    """

    lhs: str
    op: str
    rhs: str
    fixed: float | None = None
    label: str | None = None
    force_free: bool = False


def _statements(model: str) -> list[str]:
    lines: list[str] = []
    for raw in model.replace(";", "\n").splitlines():
        line = raw.split("#", 1)[0].split("!", 1)[0].strip()
        if not line:
            continue
        if lines and (lines[-1].endswith("+") or line.startswith("+")):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def _modifier(text: str, statement: str) -> tuple[float | None, str | None, bool]:
    mod = text.strip()
    if mod in {"NA", "na"}:
        return None, None, True
    try:
        value = float(mod)
    except ValueError:
        if not _NAME.match(mod):
            raise ValueError(
                f"cannot read the modifier {mod!r} in model statement {statement!r}"
            ) from None
        return None, mod, False
    if not math.isfinite(value):
        raise ValueError(f"a fixed value must be finite, got {mod!r} in {statement!r}")
    return value, None, False


def parse_model(model: str) -> list[ModelTerm]:
    """Parse lavaan-style measurement-model syntax into a list of :class:`ModelTerm`.

    Parameters
    ----------
    model : str
        The model text (see the module docstring for what is supported).

    Returns
    -------
    list of ModelTerm
        The terms in the order written.

    Raises
    ------
    ValueError
        For empty models, unsupported operators, malformed names or modifiers.
    """
    if not isinstance(model, str):
        raise TypeError(f"model must be a str in lavaan syntax, got {type(model).__name__}")
    terms: list[ModelTerm] = []
    for st in _statements(model):
        if any(tok in st for tok in _UNSUPPORTED):
            raise ValueError(
                f"unsupported model statement {st!r}: only '=~' and '~~' are supported"
            )
        if "=~" in st:
            op = "=~"
        elif "~~" in st:
            op = "~~"
        elif "~" in st:
            raise ValueError(
                f"unsupported model statement {st!r}: regressions and intercepts ('~', '~1') "
                "are not supported; this is a measurement (CFA) model"
            )
        else:
            raise ValueError(
                f"cannot read model statement {st!r}: expected 'factor =~ item + item'"
            )
        lhs, rhs = (s.strip() for s in st.split(op, 1))
        if not _NAME.match(lhs):
            raise ValueError(f"bad variable name {lhs!r} on the left of {op!r} in {st!r}")
        parts = [p.strip() for p in rhs.split("+")]
        if not parts or any(not p for p in parts):
            raise ValueError(f"empty term on the right of {op!r} in {st!r}")
        for part in parts:
            fixed: float | None = None
            label: str | None = None
            force_free = False
            if "*" in part:
                mod, var = (s.strip() for s in part.rsplit("*", 1))
                fixed, label, force_free = _modifier(mod, st)
            else:
                var = part
            if not _NAME.match(var):
                raise ValueError(f"bad variable name {var!r} in model statement {st!r}")
            terms.append(
                ModelTerm(lhs=lhs, op=op, rhs=var, fixed=fixed, label=label, force_free=force_free)
            )
    if not any(t.op == "=~" for t in terms):
        raise ValueError(
            "the model defines no factor: expected at least one 'factor =~ items' line"
        )
    seen: set[tuple[str, ...]] = set()
    for t in terms:
        key = (t.lhs, t.op, t.rhs) if t.op == "=~" else (t.op, *sorted((t.lhs, t.rhs)))
        if key in seen:
            raise ValueError(f"the model names the parameter {t.lhs} {t.op} {t.rhs} twice")
        seen.add(key)
    return terms

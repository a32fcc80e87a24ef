"""An integer-programming attacker of published (suppressed) tables, independent of the library.

The attacker reads display tables as a report shows them: an integer is known, ``<5`` lies in
``1 .. min_cell - 1`` (zeros are printed, so a small hidden cell is not 0), ``[c]`` in
``0 .. inf``. Every quantity has a key; the same key in two tables is the same number (the
respondents of site A at wave 1 in the sample table and wherever else they are counted). Sums
that are published (margins) or that the attacker is assumed to know (the totals of a table
without margins) are equations. For every hidden quantity the attacker solves two integer
programs (``scipy.optimize.milp``): its smallest and its largest value consistent with all of
it. A quantity is recovered when the two are equal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

_SMALL = re.compile(r"^<(\d+)$")


@dataclass
class Attacker:
    """Published quantities (by key), their bounds, and linear relations among them."""

    min_cell: int
    keys: dict[Hashable, int] = field(default_factory=dict)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    truth: list[float] = field(default_factory=list)
    hidden: list[bool] = field(default_factory=list)
    published: list[bool] = field(default_factory=list)
    equations: list[tuple[dict[int, float], float]] = field(default_factory=list)
    inequalities: list[tuple[dict[int, float], float]] = field(default_factory=list)

    def var(self, key: Hashable, truth: float) -> int:
        if key not in self.keys:
            self.keys[key] = len(self.lower)
            self.lower.append(0.0)
            self.upper.append(math.inf)
            self.truth.append(float(truth))
            self.hidden.append(True)
            self.published.append(False)
        i = self.keys[key]
        if self.truth[i] != float(truth):
            raise AssertionError(f"{key!r} is {self.truth[i]} in one table, {truth} in another")
        return i

    def read(self, key: Hashable, shown: object, truth: float) -> int:
        """One published cell: a number, ``<m`` or ``[c]`` (anything else: unknown, >= 0)."""
        i = self.var(key, truth)
        self.published[i] = True
        if isinstance(shown, (int, np.integer)) or (
            isinstance(shown, (float, np.floating)) and math.isfinite(shown)
        ):
            self.lower[i] = self.upper[i] = float(shown)
            self.hidden[i] = False
            return i
        text = str(shown).strip()
        m = _SMALL.match(text)
        if m:
            self.lower[i] = max(self.lower[i], 1.0)
            self.upper[i] = min(self.upper[i], float(int(m.group(1)) - 1))
        return i

    def equal(self, terms: dict[int, float], rhs: float = 0.0) -> None:
        """sum(coef * var) == rhs."""
        self.equations.append((terms, rhs))

    def at_most(self, terms: dict[int, float], rhs: float = 0.0) -> None:
        """sum(coef * var) <= rhs."""
        self.inequalities.append((terms, rhs))

    def sum_is(self, parts: Sequence[int], total: int) -> None:
        """The parts add up to the quantity ``total`` (a margin or another table's count)."""
        terms: dict[int, float] = {}
        for p in parts:
            terms[p] = terms.get(p, 0.0) + 1.0
        terms[total] = terms.get(total, 0.0) - 1.0
        self.equal(terms)

    def known_sum(self, parts: Sequence[int]) -> None:
        """The attacker knows the sum of these quantities (a total published elsewhere): its
        value, or only ``1 .. min_cell - 1`` when it is small (it is suppressed there too)."""
        terms: dict[int, float] = {}
        for p in parts:
            terms[p] = terms.get(p, 0.0) + 1.0
        total = float(sum(self.truth[p] for p in parts))
        if 1 <= total < self.min_cell:
            t = self.var(("total of", tuple(sorted(terms))), total)
            self.lower[t], self.upper[t] = 1.0, float(self.min_cell - 1)
            terms[t] = -1.0
            self.equal(terms)
        else:
            self.equal(terms, total)

    def intervals(self) -> dict[Hashable, tuple[float, float, float]]:
        """For every hidden published quantity: (smallest, largest, true value)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        n = len(self.lower)
        rows, lo_b, hi_b = [], [], []
        for terms, rhs in self.equations:
            row = np.zeros(n)
            for i, c in terms.items():
                row[i] += c
            rows.append(row)
            lo_b.append(rhs)
            hi_b.append(rhs)
        for terms, rhs in self.inequalities:
            row = np.zeros(n)
            for i, c in terms.items():
                row[i] += c
            rows.append(row)
            lo_b.append(-np.inf)
            hi_b.append(rhs)
        truth = np.array(self.truth)
        a = np.array(rows) if rows else np.zeros((0, n))
        if rows:
            slack = a @ truth
            ok = (slack >= np.array(lo_b) - 1e-9) & (slack <= np.array(hi_b) + 1e-9)
            if not ok.all():
                raise AssertionError("the attacker's model does not hold for the true values")
        constraints = [LinearConstraint(a, lo_b, hi_b)] if rows else []
        # "unbounded" as a large finite bound: HiGHS then never answers "infeasible or unbounded"
        big = 10.0 * (sum(t for t in self.truth if math.isfinite(t)) + 1000.0)
        bounds = Bounds(np.array(self.lower), np.minimum(np.array(self.upper), big))
        out: dict[Hashable, tuple[float, float, float]] = {}
        names = {i: k for k, i in self.keys.items()}
        for i in range(n):
            if not (self.hidden[i] and self.published[i]):
                continue
            ends = []
            for sign in (1.0, -1.0):
                c = np.zeros(n)
                c[i] = sign
                res = milp(c, constraints=constraints, bounds=bounds, integrality=np.ones(n))
                if res.status == 0:
                    value = float(np.rint(res.x[i]))
                    ends.append(math.inf if value >= big / 2 else value)
                else:
                    raise AssertionError(f"integer program failed for {names[i]!r}: {res}")
            out[names[i]] = (ends[0], ends[1], self.truth[i])
        return out

    def recovered(self) -> dict[Hashable, float]:
        """Hidden quantities whose value is pinned down exactly."""
        return {k: t for k, (lo, hi, t) in self.intervals().items() if lo == hi}


def read_grid(
    attacker: Attacker,
    shown: np.ndarray,
    truth: np.ndarray,
    key: object,
    *,
    margin_row: bool,
    margin_col: bool,
    row_totals: bool = True,
    col_totals: bool = True,
) -> list[list[int]]:
    """A two-way table of counts: cells keyed ``key(i, j)``; margins (last row/column when
    present) are equations; without margins the row/column sums are known when ``*_totals``."""
    n_rows, n_cols = truth.shape
    ids = [
        [attacker.read(key(i, j), shown[i, j], truth[i, j]) for j in range(n_cols)]  # type: ignore[operator]
        for i in range(n_rows)
    ]
    body_rows = n_rows - 1 if margin_row else n_rows
    body_cols = n_cols - 1 if margin_col else n_cols
    for i in range(n_rows):
        line = ids[i][:body_cols]
        if margin_col:
            attacker.sum_is(line, ids[i][-1])
        elif row_totals and body_cols >= 2:
            attacker.known_sum(line)
    for j in range(n_cols):
        line = [ids[i][j] for i in range(body_rows)]
        if margin_row:
            attacker.sum_is(line, ids[-1][j])
        elif col_totals and body_rows >= 2:
            attacker.known_sum(line)
    return ids

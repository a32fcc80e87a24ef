"""Argument checks, defaults and optimiser checks shared by every statistical family (a leaf:
imports nothing of ours).

One name per concept across the public API:

- ``ci_level`` - the two-sided confidence level of every interval (default 0.95);
- ``missing`` - the missing-data policy of a statistic computed from several items
  (``"pairwise"`` or ``"listwise"``);
- ``cluster`` - the column that identifies the respondent (or site) whose rows are not
  independent;
- ``seed`` - every random step, default :data:`DEFAULT_SEED` (a study's ``seed:`` overrides it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_SEED = 20240601
"""The seed of every random step (bootstrap, imputation, parallel analysis) unless one is given."""

MISSING_POLICIES = ("pairwise", "listwise")


def check_ci_level(value: Any, name: str = "ci_level") -> float:
    """``value`` as a float in (0, 1), or ``ValueError`` naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    return float(value)


def check_choice(value: Any, name: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``, else ``ValueError`` listing the choices."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")
    return value


def check_seed(value: Any, name: str = "seed") -> int | None:
    """A seed: a non-negative int or None (fresh entropy); booleans are refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{name} must be a non-negative integer or None, got {value!r}")
    return int(value)


def z_value(ci_level: float) -> float:
    """The standard-normal quantile of a two-sided ``ci_level`` interval (1.96 for 0.95)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + ci_level / 2)


def renamed_keywords(**old_to_new: str) -> Any:
    """Decorator: accept the old keyword names of a function, warn, and pass the new ones.

    ``@renamed_keywords(method="missing")`` lets ``f(method="listwise")`` keep working with a
    ``DeprecationWarning`` naming the new keyword; giving both names is a ``TypeError``.
    """
    import functools
    import warnings

    def wrap(func: Any) -> Any:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both {old}= (deprecated) and {new}=; use {new}="
                        )
                    warnings.warn(
                        f"{func.__name__}({old}=...) is deprecated; use {new}=",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return inner

    return wrap


def at_optimum(res: Any, lower: Any = -np.inf, upper: Any = np.inf, gtol: float = 1e-6) -> bool:
    """Whether a bounded quasi-Newton result (SciPy ``L-BFGS-B``) stands at a minimum.

    Its own success flag, or, when the line search stops at machine precision near the optimum
    (``ABNORMAL``, as SciPy 1.17 reports with a tight ``ftol``), a projected gradient below ``gtol``:
    components pushing against an active bound (``lower``/``upper``, scalars or arrays) do not
    count.
    """
    if res.success:
        return True
    x = np.asarray(res.x, dtype=float)
    g = np.asarray(getattr(res, "jac", np.full_like(x, np.inf)), dtype=float)
    pushing = ((x <= np.asarray(lower) + 1e-12) & (g > 0)) | (
        (x >= np.asarray(upper) - 1e-12) & (g < 0)
    )
    return bool(np.all(np.isfinite(g)) and np.all(np.abs(np.where(pushing, 0.0, g)) < gtol))

"""BLAS thread limit for the small dense problems of this package."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext


def _single_thread() -> AbstractContextManager[object]:
    """Limit BLAS to one thread while fitting: the matrices are small, and on a busy machine
    OpenBLAS threads contend (a 300 x 300 solve then takes 25 times longer)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn / pingouin
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")

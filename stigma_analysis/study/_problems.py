"""Data-problem records shared by loading and validation (a leaf module: no package imports)."""

from __future__ import annotations

from typing import Any

PROBLEM_COLUMNS = ["file", "row", "column", "value", "reason", "kind"]

# problems that make a value unusable: scoring refuses (or, with ``invalid="missing"``, blanks)
BLOCKING_KINDS = frozenset({"value", "id", "wave", "column"})


def problem(
    file: str, row: int | None, column: str | None, value: Any, reason: str, *, kind: str = "value"
) -> dict[str, Any]:
    """One row of the problem table (``PROBLEM_COLUMNS``)."""
    return {
        "file": file,
        "row": row,
        "column": column,
        "value": value,
        "reason": reason,
        "kind": kind,
    }

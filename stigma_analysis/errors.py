"""The exception hierarchy of stigma-analysis.

Every error a user can cause by their data or their files is a :class:`StigmaAnalysisError`
and names the place: the file, the key path, or the failing rows. Wrong arguments to the API
raise the built-in ``TypeError`` / ``ValueError`` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DataValidationError",
    "DisclosureError",
    "RenderError",
    "SpecError",
    "StigmaAnalysisError",
    "SurveyReadError",
    "SurveyWriteError",
]


class StigmaAnalysisError(Exception):
    """Base class of every error caused by a user's data, files or specifications."""


class SurveyReadError(StigmaAnalysisError):
    """A survey file could not be read.

    Attributes
    ----------
    path : Path
        The file.
    format : str
        The format it was read as (``"sav"``, ``"csv"``, ...).
    cause : str
        What went wrong, in words.
    """

    def __init__(self, path: str | Path, format: str, cause: str) -> None:
        self.path = Path(path)
        self.format = format
        self.cause = cause
        super().__init__(f"{self.path}: cannot read as {format}: {cause}")


class SurveyWriteError(StigmaAnalysisError):
    """An output file could not be written (nothing was left half-written)."""

    def __init__(self, path: str | Path, cause: str) -> None:
        self.path = Path(path)
        self.cause = cause
        super().__init__(f"{self.path}: cannot write: {cause}")


class SpecError(StigmaAnalysisError):
    """A study or instrument specification is invalid.

    Attributes
    ----------
    file : Path or None
        The specification file.
    key : str
        The key path, e.g. ``instruments[2].columns``.
    expected : str
        What was expected there, and what was found.
    """

    def __init__(self, file: str | Path | None, key: str, expected: str) -> None:
        self.file = Path(file) if file is not None else None
        self.key = key
        self.expected = expected
        where = f"{self.file}: " if self.file is not None else ""
        at = f"{key}: " if key else ""
        super().__init__(f"{where}{at}{expected}")


class DataValidationError(StigmaAnalysisError):
    """The data break the study's rules; every failing case is listed.

    Attributes
    ----------
    failure_cases : pandas.DataFrame
        One row per problem with columns ``file, row, column, value, reason``.
    """

    def __init__(self, message: str, failure_cases: pd.DataFrame) -> None:
        self.failure_cases = failure_cases
        n = len(failure_cases)
        super().__init__(f"{message} ({n} problem{'s' if n != 1 else ''})")


class DisclosureError(StigmaAnalysisError):
    """Publishing an object would break a privacy rule (an id, PII, or a small cell)."""


class RenderError(StigmaAnalysisError):
    """A report could not be rendered; names the failing cell's label and its error."""

    def __init__(self, document: str | Path, cell: str | None, cause: str) -> None:
        self.document = Path(document)
        self.cell = cell
        self.cause = cause
        where = f" (cell {cell!r})" if cell else ""
        super().__init__(f"{self.document}{where}: {cause}")

"""Reading and writing survey files without losing labels or missing-value codes.

:func:`read_survey` returns a :class:`Survey`: ``data`` (a DataFrame, RangeIndex, user-missing
values as NaN) and ``codebook`` (a :class:`Codebook`: per variable a :class:`Variable` with
label, value labels, missing codes and ranges, measure level and format; plus, sparsely, the
row positions and original codes of every user-missing cell, so "12 refused, 3 not applicable"
can still be counted and the codes written back). :func:`write_survey` writes ``.sav``,
``.zsav``, ``.csv`` (+ codebook) and ``.parquet`` atomically; :func:`atomic_write` is the
helper every output file of the package goes through.

Formats read (the extension decides)
------------------------------------
``.sav``, ``.zsav``, ``.por``
    SPSS, through pyreadstat. User-missing codes and ranges are honoured (``.por``: the cells are
    read as empty, but pyreadstat cannot report which code they held). Dates become ``datetime64[us]``, times
    ``timedelta64[us]``; values out of years 1..9999 become NaT (noted, raw value recorded).
``.csv``
    UTF-8 (with or without BOM); otherwise the encoding is detected (charset-normalizer) or
    named with ``encoding=``. Only empty cells are missing ("NA" stays text). Labels and
    missing codes come from a codebook file: ``codebook=`` or ``<stem>.codebook.yaml`` beside
    the data.
``.xlsx``
    Excel: the first sheet (or ``sheet=``), header in the first row; codebook as for CSV.
KoboToolbox / ODK exports
    ``read_survey(export, form="form.xlsx")`` or :func:`read_kobo` (which also returns the
    repeat groups, the problems found and the personal columns); see ``docs/tutorial-kobo.md``.
``.parquet``
    The codebook written by :func:`write_survey` is kept in the schema metadata under the key
    ``stigma_analysis.codebook`` (JSON) and restored, including the per-cell missing record.

Damaged and hostile inputs
--------------------------
Every one ends as a :class:`~stigma_analysis.errors.SurveyReadError` or
:class:`~stigma_analysis.errors.SpecError` naming the file (exit 1 on the command line):

- SPSS: the dictionary (header, variables, value labels) is first parsed in a forked child
  process; if the C reader crashes or hangs there, the file is reported as damaged. A header
  announcing more rows than the file can hold (8 bytes per value uncompressed, 1 byte
  bytecode-compressed, 1100 values per byte for ``.zsav``) is refused before any allocation.
- CSV: lines longer than 16 MiB, more than 10,000 columns, and a column name given twice are
  refused. A guessed encoding is recorded (``Codebook.encoding_guessed``; the command line
  prints ``read FILE as ENCODING (guessed)``).
- Named pipes, devices and folders are refused as data, study, instrument, codebook and key
  files; study and instrument files may be at most 10 MB, key files 1 MB.
- YAML: aliases (``*name``) may add at most 10,000 values to a document and may not refer to
  the value containing them ("billion laughs"); a key given twice is refused.
- Outputs: temporaries left beside an output by a killed write are removed by the next write
  of that output (see :func:`atomic_write`).

Codebook files
--------------
A codebook file describes variables of a CSV (or overrides those of any other file). Every
field is optional; a field given replaces what the data file says, fields and variables not
listed keep it.

YAML (``.yaml`` / ``.yml``)::

    file_label: Wave 1 follow-up            # optional
    notes: [collected 2024 by partner NGO]  # optional
    variables:
      resp_id:
        type: string                        # numeric | string (string keeps leading zeros)
      ismi_1:
        label: "People discriminate against me because of my past"
        measure: ordinal                    # nominal | ordinal | scale | unknown
        format: F1.0                        # SPSS print format; date formats (ADATE10,
                                            #   DATETIME20, TIME8, ...) parse ISO text
        value_labels: {1: Strongly disagree, 4: Strongly agree, 97: Refused, 99: Not applicable}
        missing_codes: [97, 98, 99]         # discrete user-missing codes
        missing_ranges: [[-9, -1], [900, null]]   # inclusive [low, high]; null (or LO / HI)
                                                  #   is an open end

``variables`` may also be a list of mappings each with a ``name``.

CSV (``.csv``), one row per variable, header row required; columns (all but ``name``
optional): ``name, label, type, measure, format, display_width, value_labels, missing_codes,
missing_ranges``. Lists are separated by ``;``: ``value_labels`` as ``1=Never; 2=Sometimes;
97=Refused``, ``missing_codes`` as ``97; 98; 99``, ``missing_ranges`` as ``-9..-1; 900..HI``
(``LO`` / ``HI`` for open ends). A label containing ``;`` needs the YAML form.

Codes of numeric variables are numbers (stored as floats), of string variables text. A
codebook error raises :class:`~stigma_analysis.errors.SpecError` naming the file and the key
(e.g. ``variables.ismi_1.missing_ranges[0]``).
"""

from __future__ import annotations

from stigma_analysis.io._atomic import atomic_write
from stigma_analysis.io._kobo import FormExport, FormTranslationWarning, read_kobo
from stigma_analysis.io._survey_io import read_survey, write_survey
from stigma_analysis.io.codebook import (
    Codebook,
    MissingCells,
    Survey,
    Variable,
    apply_missing_codes,
    describe,
    describe_records,
)

__all__ = [
    "Codebook",
    "FormExport",
    "FormTranslationWarning",
    "MissingCells",
    "Survey",
    "Variable",
    "apply_missing_codes",
    "atomic_write",
    "describe",
    "describe_records",
    "read_kobo",
    "read_survey",
    "write_survey",
]

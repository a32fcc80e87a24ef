"""Codebook files (YAML or CSV) and the JSON form stored in Parquet metadata.

The file formats are documented in the docstring of :mod:`stigma_analysis.io`.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from stigma_analysis.errors import SpecError
from stigma_analysis.io.codebook import (
    MEASURES,
    Codebook,
    MissingCells,
    Variable,
    _py,
    merge_variables,
)

__all__ = [
    "codebook_from_json",
    "codebook_to_json",
    "codebook_to_yaml",
    "read_codebook_file",
]

_FIELDS = (
    "label",
    "type",
    "measure",
    "format",
    "display_width",
    "value_labels",
    "missing_codes",
    "missing_ranges",
)


# --- parsing one variable's fields (shared by YAML and CSV) -------------------------------


def _bound(value: Any, file: Path | None, key: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, str):
        text = value.strip().upper()
        if text in {"LO", "LOWEST", "-INF"}:
            return -math.inf
        if text in {"HI", "HIGHEST", "INF", "+INF"}:
            return math.inf
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SpecError(file, key, f"expected a number, LO or HI; found {value!r}") from None


def _code(value: Any, is_str: bool, file: Path | None, key: str) -> Any:
    if is_str:
        return str(value)
    if isinstance(value, bool):
        raise SpecError(file, key, f"expected a numeric code; found {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SpecError(file, key, f"expected a numeric code; found {value!r}") from None


def apply_declared(
    variables: dict[str, Variable], spec: Mapping[str, Any], file: Path | None
) -> dict[str, Variable]:
    """``variables`` with the fields a codebook file declares for them (``variables.<name>``)
    merged in; entries for columns not in ``variables`` are ignored here."""
    fields = {
        name: parse_fields(spec[name], file, f"variables.{name}", variables[name].type == "string")
        for name in spec
        if name in variables
    }
    return merge_variables(variables, fields)


def parse_fields(
    raw: Mapping[str, Any], file: Path | None, key: str, is_str_default: bool
) -> dict[str, Any]:
    """Validate one variable's entry; returns only the fields given (for merging)."""
    if not isinstance(raw, Mapping):
        raise SpecError(file, key, f"expected a mapping of fields; found {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_FIELDS) - {"name"})
    if unknown:
        raise SpecError(
            file, f"{key}.{unknown[0]}", f"unknown field; allowed: {', '.join(_FIELDS)}"
        )
    out: dict[str, Any] = {}
    vtype = raw.get("type")
    if vtype is not None and vtype not in ("numeric", "string"):
        raise SpecError(file, f"{key}.type", f"expected 'numeric' or 'string'; found {vtype!r}")
    if vtype is not None:
        out["type"] = vtype
    is_str = (vtype == "string") if vtype is not None else is_str_default
    if raw.get("label") is not None:
        out["label"] = str(raw["label"])
    if raw.get("measure") is not None:
        if raw["measure"] not in MEASURES:
            raise SpecError(
                file,
                f"{key}.measure",
                f"expected one of {', '.join(MEASURES)}; found {raw['measure']!r}",
            )
        out["measure"] = raw["measure"]
    if raw.get("format") is not None:
        out["format"] = str(raw["format"]).strip().upper()
    if raw.get("display_width") is not None:
        try:
            out["display_width"] = int(raw["display_width"])
        except (TypeError, ValueError):
            raise SpecError(
                file, f"{key}.display_width", f"expected an integer; found {raw['display_width']!r}"
            ) from None
    if raw.get("value_labels") is not None:
        labels = raw["value_labels"]
        if not isinstance(labels, Mapping):
            raise SpecError(file, f"{key}.value_labels", "expected a mapping code: label")
        out["value_labels"] = {
            _code(k, is_str, file, f"{key}.value_labels.{k}"): str(v) for k, v in labels.items()
        }
    if raw.get("missing_codes") is not None:
        codes = raw["missing_codes"]
        if not isinstance(codes, list | tuple):
            codes = [codes]
        out["missing_codes"] = tuple(
            _code(c, is_str, file, f"{key}.missing_codes[{i}]") for i, c in enumerate(codes)
        )
    if raw.get("missing_ranges") is not None:
        ranges = raw["missing_ranges"]
        if not isinstance(ranges, list | tuple):
            raise SpecError(file, f"{key}.missing_ranges", "expected a list of [low, high]")
        parsed = []
        for i, r in enumerate(ranges):
            k = f"{key}.missing_ranges[{i}]"
            if not isinstance(r, list | tuple) or len(r) != 2:
                raise SpecError(file, k, f"expected [low, high]; found {r!r}")
            lo, hi = _bound(r[0], file, k, -math.inf), _bound(r[1], file, k, math.inf)
            if lo > hi:
                raise SpecError(file, k, f"low {lo} is above high {hi}")
            parsed.append((lo, hi))
        if parsed and is_str:
            raise SpecError(file, f"{key}.missing_ranges", "string variables cannot have ranges")
        out["missing_ranges"] = tuple(parsed)
    return out


# --- codebook files -----------------------------------------------------------------------


CODEBOOK_FILE_LIMIT = 256 * 2**20  # ~1 million variables described; a FIFO or device never


def read_codebook_file(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Read a YAML or CSV codebook file.

    Returns
    -------
    (dict, dict)
        Per variable the raw field mapping (validated lazily against the data's types by
        :func:`parse_fields`), and file-level entries (``file_label``, ``notes``).
    """
    from stigma_analysis.io._files import read_bounded

    if not path.exists():
        raise SpecError(path, "", "codebook file not found")
    suffix = path.suffix.lower()
    try:
        raw = read_bounded(
            path,
            limit=CODEBOOK_FILE_LIMIT,
            error=lambda cause: SpecError(path, "", f"cannot read the codebook file: {cause}"),
        )
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise SpecError(path, "", f"cannot read the codebook file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SpecError(path, "", "the codebook file is not UTF-8 text") from None
    if suffix in {".yaml", ".yml"}:
        from stigma_analysis.io._yaml import load_yaml

        # refuses a key given twice and aliases that expand beyond a small budget
        doc = load_yaml(text, file=path)
        if doc is None:
            doc = {}
        if not isinstance(doc, Mapping):
            raise SpecError(path, "", "expected a mapping with a 'variables' key")
        unknown = sorted(set(doc) - {"variables", "file_label", "notes", "encoding"})
        if unknown:
            raise SpecError(path, unknown[0], "unknown key; allowed: variables, file_label, notes")
        variables = doc.get("variables") or {}
        if isinstance(variables, list):
            as_map = {}
            for i, entry in enumerate(variables):
                if not isinstance(entry, Mapping) or "name" not in entry:
                    raise SpecError(path, f"variables[{i}]", "expected a mapping with a 'name'")
                as_map[str(entry["name"])] = dict(entry)
            variables = as_map
        if not isinstance(variables, Mapping):
            raise SpecError(path, "variables", "expected a mapping name: fields")
        for name, entry in variables.items():
            if entry is not None and not isinstance(entry, Mapping):
                raise SpecError(path, f"variables.{name}", "expected a mapping of fields")
        file_info = {"file_label": doc.get("file_label"), "notes": doc.get("notes") or []}
        return {str(k): dict(v or {}) for k, v in variables.items()}, file_info
    if suffix == ".csv":
        return _read_codebook_csv(path, text), {"file_label": None, "notes": []}
    raise SpecError(path, "", "a codebook file must end in .yaml, .yml or .csv")


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


def _read_codebook_csv(path: Path, text: str) -> dict[str, dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "name" not in reader.fieldnames:
        raise SpecError(path, "name", "the codebook CSV needs a header row with a 'name' column")
    unknown = sorted(set(reader.fieldnames) - set(_FIELDS) - {"name"})
    if unknown:
        raise SpecError(path, unknown[0], f"unknown column; allowed: name, {', '.join(_FIELDS)}")
    out: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(reader, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            continue
        key = f"line {line} ({name})"
        entry: dict[str, Any] = {}
        for field in ("label", "type", "measure", "format", "display_width"):
            value = (row.get(field) or "").strip()
            if value:
                entry[field] = value
        if (row.get("value_labels") or "").strip():
            labels = {}
            for part in _split(row["value_labels"]):
                if "=" not in part:
                    raise SpecError(
                        path, f"{key}.value_labels", f"expected code=label; found {part!r}"
                    )
                code, label = part.split("=", 1)
                labels[code.strip()] = label.strip()
            entry["value_labels"] = labels
        if (row.get("missing_codes") or "").strip():
            entry["missing_codes"] = _split(row["missing_codes"])
        if (row.get("missing_ranges") or "").strip():
            ranges = []
            for part in _split(row["missing_ranges"]):
                if ".." not in part:
                    raise SpecError(
                        path, f"{key}.missing_ranges", f"expected low..high; found {part!r}"
                    )
                lo, hi = part.split("..", 1)
                ranges.append([lo.strip(), hi.strip()])
            entry["missing_ranges"] = ranges
        out[name] = entry
    return out


def _yaml_code(code: Any) -> Any:
    code = _py(code)
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code


def codebook_to_yaml(codebook: Codebook) -> str:
    """The YAML codebook written beside a CSV file (everything but the per-cell record)."""
    import yaml

    variables = {}
    for name, v in codebook.variables.items():
        entry: dict[str, Any] = {"type": v.type}
        if v.label is not None:
            entry["label"] = v.label
        if v.measure != "unknown":
            entry["measure"] = v.measure
        if v.format:
            entry["format"] = v.format
        if v.display_width is not None:
            entry["display_width"] = int(v.display_width)
        if v.value_labels:
            entry["value_labels"] = {_yaml_code(k): v2 for k, v2 in v.value_labels.items()}
        if v.missing_codes:
            entry["missing_codes"] = [_yaml_code(c) for c in v.missing_codes]
        if v.missing_ranges:
            entry["missing_ranges"] = [
                [
                    None if math.isinf(lo) else _yaml_code(lo),
                    None if math.isinf(hi) else _yaml_code(hi),
                ]
                for lo, hi in v.missing_ranges
            ]
        variables[str(name)] = entry
    doc: dict[str, Any] = {}
    if codebook.file_label:
        doc["file_label"] = codebook.file_label
    notes = [n for n in codebook.notes if not n.startswith("stigma-analysis: ")]
    if notes:
        doc["notes"] = notes
    doc["variables"] = variables
    header = "# stigma-analysis codebook (format: see the docstring of stigma_analysis.io)\n"
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


# --- JSON (Parquet schema metadata) -------------------------------------------------------


def _json_value(x: Any) -> Any:
    x = _py(x)
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _from_json_value(x: Any, is_str: bool) -> Any:
    if is_str:
        return str(x)
    if x == "inf":
        return math.inf
    if x == "-inf":
        return -math.inf
    return float(x)


def codebook_to_json(codebook: Codebook) -> str:
    """Serialise a codebook, including the per-cell missing record, as JSON text."""
    variables = []
    for v in codebook.variables.values():
        variables.append(
            {
                "name": v.name,
                "label": v.label,
                "type": v.type,
                "measure": v.measure,
                "format": v.format,
                "display_width": v.display_width,
                "value_labels": [[_json_value(k), lab] for k, lab in v.value_labels.items()],
                "missing_codes": [_json_value(c) for c in v.missing_codes],
                "missing_ranges": [
                    [_json_value(lo), _json_value(hi)] for lo, hi in v.missing_ranges
                ],
            }
        )
    cells = {
        name: {"rows": c.rows.tolist(), "codes": [_json_value(x) for x in c.codes.tolist()]}
        for name, c in codebook.missing_cells.items()
    }
    doc = {
        "version": 1,
        "file_label": codebook.file_label,
        "notes": list(codebook.notes),
        "variables": variables,
        "missing_cells": cells,
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)


def codebook_from_json(
    text: str, file: Path | None
) -> tuple[dict[str, Variable], dict[str, MissingCells], dict[str, Any]]:
    """Inverse of :func:`codebook_to_json`."""
    try:
        doc = json.loads(text)
        variables: dict[str, Variable] = {}
        for v in doc["variables"]:
            is_str = v["type"] == "string"
            variables[v["name"]] = Variable(
                name=v["name"],
                label=v["label"],
                type=v["type"],
                measure=v["measure"],
                format=v["format"],
                display_width=v["display_width"],
                value_labels={_from_json_value(k, is_str): lab for k, lab in v["value_labels"]},
                missing_codes=tuple(_from_json_value(c, is_str) for c in v["missing_codes"]),
                missing_ranges=tuple(
                    (_from_json_value(lo, False), _from_json_value(hi, False))
                    for lo, hi in v["missing_ranges"]
                ),
            )
        cells = {}
        for name, c in doc["missing_cells"].items():
            is_str = name in variables and variables[name].type == "string"
            codes = [_from_json_value(x, is_str) for x in c["codes"]]
            arr = np.array(codes, dtype=object if is_str else np.float64)
            cells[name] = MissingCells(np.array(c["rows"], dtype=np.int64), arr)
        info = {"file_label": doc.get("file_label"), "notes": doc.get("notes") or []}
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(
            file, "stigma_analysis.codebook", f"damaged codebook metadata ({exc})"
        ) from None
    return variables, cells, info

"""Writing a simulated study as a study folder (SPSS waves, study.yaml, instrument, truth).

Private helper of :mod:`stigma_analysis.simulate`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stigma_analysis.errors import SurveyWriteError
from stigma_analysis.simulate._model import (
    ITEM_SPECS,
    LANGUAGES,
    REINT_DOMAINS,
    RSES_NEGATIVE,
    SITES,
)

if TYPE_CHECKING:
    import pandas as pd

    from stigma_analysis.simulate._study import SimulatedStudy

__all__ = ["FIXED_DATE", "FIXED_TIME", "fix_sav_timestamp", "write_folder"]

# The SPSS system-file header stores the creation date ("dd mmm yy", 9 bytes, offset 92) and
# time ("hh:mm:ss", 8 bytes, offset 101) of the write. ReadStat writes the current clock, which
# would make every regeneration differ; we overwrite both with a fixed value.
_DATE_OFFSET, _TIME_OFFSET = 92, 101
FIXED_DATE = b"01 Jan 26"
FIXED_TIME = b"00:00:00"

MISSING_LABELS: dict[int | float, str] = {
    97: "Refused / បដិសេធ",
    98: "Don't know / មិនដឹង",
    99: "Not applicable / មិនពាក់ព័ន្ធ",
}
YES_NO: dict[int | float, str] = {0: "No / ទេ", 1: "Yes / បាទ/ចាស"}

_INSTRUMENT_LABELS: dict[str, tuple[str, dict[int | float, str]]] = {
    "ismi": ("ISMI-29", {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"}),
    "eds": (
        "EDS-9",
        {
            1: "Never",
            2: "Less than once a year",
            3: "A few times a year",
            4: "A few times a month",
            5: "At least once a week",
            6: "Almost every day",
        },
    ),
    "mspss": (
        "MSPSS",
        {
            1: "Very strongly disagree",
            2: "Strongly disagree",
            3: "Mildly disagree",
            4: "Neutral",
            5: "Mildly agree",
            6: "Strongly agree",
            7: "Very strongly agree",
        },
    ),
    "hscl": ("HSCL-25", {1: "Not at all", 2: "A little", 3: "Quite a bit", 4: "Extremely"}),
    "rses": ("RSES", {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"}),
    "reint": (
        "Reintegration index",
        {
            1: "Highest vulnerability",
            2: "High vulnerability",
            3: "Low vulnerability",
            4: "Lowest vulnerability",
        },
    ),
}
_ISMI_SUB = {
    **dict.fromkeys((1, 5, 8, 16, 17, 21), "alienation"),
    **dict.fromkeys((2, 6, 10, 18, 19, 23, 29), "stereotype endorsement"),
    **dict.fromkeys((3, 15, 22, 25, 28), "discrimination experience"),
    **dict.fromkeys((4, 9, 11, 12, 13, 20), "social withdrawal"),
    **dict.fromkeys((7, 14, 24, 26, 27), "stigma resistance, reverse-keyed"),
}
_MSPSS_SUB = {
    **dict.fromkeys((1, 2, 5, 10), "significant other"),
    **dict.fromkeys((3, 4, 8, 11), "family"),
    **dict.fromkeys((6, 7, 9, 12), "friends"),
}


def _item_label(column: str) -> str:
    prefix, item = column.split("_", 1)
    name = _INSTRUMENT_LABELS[prefix][0]
    if prefix == "ismi":
        return f"{name} item {item} ({_ISMI_SUB[int(item)]})"
    if prefix == "mspss":
        return f"{name} item {item} ({_MSPSS_SUB[int(item)]})"
    if prefix == "hscl":
        return f"{name} item {item} ({'anxiety' if int(item) <= 10 else 'depression'})"
    if prefix == "rses":
        return f"{name} item {item}" + (
            " (negatively worded, reverse-keyed)" if int(item) in RSES_NEGATIVE else ""
        )
    if prefix == "reint":
        domain = next(d for d, p in REINT_DOMAINS if item.startswith(p))
        return f"{name} {domain.replace('_', ' ')} item {item[-1]}"
    return f"{name} item {item}"


def sav_metadata(waves: int = 3) -> dict[str, Any]:
    """Keyword arguments for ``pyreadstat.write_sav``: labels, missing codes, measures, formats."""
    head_labels = {
        "resp_id": "Respondent id (pseudonymous)",
        "wave": "Survey wave",
        "site": "Site / ទីតាំង",
        "arm": "Study arm / ក្រុម",
        "language": "Language version of the questionnaire answered",
        "age": "Age in years",
        "sexual_violence": "Experienced sexual violence during exploitation",
        "months_exploited": "Months in exploitation",
        "working": "Currently working for pay",
    }
    column_labels = dict(head_labels)
    value_labels: dict[str, dict[int | float, str]] = {
        "wave": {t: "Baseline" if t == 1 else f"{6 * (t - 1)} months" for t in range(1, waves + 1)},
        "site": {code: f"{en} / {km}" for code, en, km in SITES},
        "arm": {1: "Intervention / អន្តរាគមន៍", 2: "Comparison / ក្រុមប្រៀបធៀប"},
        "language": dict(LANGUAGES),
        "sexual_violence": {**YES_NO, **MISSING_LABELS},
        "working": {**YES_NO, **MISSING_LABELS},
        "age": dict(MISSING_LABELS),
        "months_exploited": dict(MISSING_LABELS),
    }
    measure = {
        "resp_id": "nominal",
        "wave": "ordinal",
        "site": "nominal",
        "arm": "nominal",
        "language": "nominal",
        "age": "scale",
        "sexual_violence": "nominal",
        "months_exploited": "scale",
        "working": "nominal",
    }
    formats = {
        "resp_id": "A5",
        "wave": "F1.0",
        "site": "F1.0",
        "arm": "F1.0",
        "language": "F1.0",
        "age": "F2.0",
        "sexual_violence": "F2.0",
        "months_exploited": "F2.0",
        "working": "F2.0",
    }
    missing: dict[str, list[int | float | str | Any]] = {
        c: [97, 98, 99] for c in ("age", "sexual_violence", "months_exploited", "working")
    }
    for spec in ITEM_SPECS:
        prefix = spec.column.split("_")[0]
        column_labels[spec.column] = _item_label(spec.column)
        value_labels[spec.column] = {**_INSTRUMENT_LABELS[prefix][1], **MISSING_LABELS}
        measure[spec.column] = "ordinal"
        formats[spec.column] = "F2.0"
        missing[spec.column] = [97, 98, 99]
    return {
        "column_labels": column_labels,
        "variable_value_labels": value_labels,
        "variable_measure": measure,
        "variable_format": formats,
        "missing_ranges": missing,
    }


def fix_sav_timestamp(path: Path) -> None:
    """Overwrite the creation date and time in an SPSS ``.sav`` header with a fixed value."""
    with path.open("r+b") as fh:
        head = fh.read(_TIME_OFFSET + 8)
        if head[:4] not in (b"$FL2", b"$FL3"):
            raise SurveyWriteError(path, "not an SPSS system file; cannot fix its header timestamp")
        fh.seek(_DATE_OFFSET)
        fh.write(FIXED_DATE)
        fh.seek(_TIME_OFFSET)
        fh.write(FIXED_TIME)


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp creates 0600; these are ordinary shareable files
        os.replace(tmp, path)
    except OSError as exc:
        raise SurveyWriteError(path, str(exc)) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def write_wave_sav(df: pd.DataFrame, path: Path, *, wave: int, waves: int) -> None:
    """Write one wave's rows (raw codes) to an SPSS file with the example's metadata."""
    import pyreadstat

    meta = sav_metadata(waves)
    out = df.copy()
    out["resp_id"] = out["resp_id"].astype(object)
    for c in out.columns:
        if c != "resp_id":
            out[c] = out[c].astype(np.float64)

    def write(tmp: Path) -> None:
        pyreadstat.write_sav(
            out,
            str(tmp),
            file_label=f"Synthetic example study (stigma-analysis), wave {wave}",
            row_compress=True,
            **meta,
        )
        fix_sav_timestamp(tmp)

    _atomic(path, write)


def _write_text(path: Path, text: str) -> None:
    _atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def _yaml(obj: Any) -> str:
    import yaml

    return str(
        yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    )


REINTEGRATION_INDEX_YAML = """\
# A synthetic teaching instrument written by stigma_analysis.simulate for the example study.
# It is NOT the IJM Assessment of Survivor Outcomes (ASO): it only borrows the ASO's six domain
# names and its 1-4 direction (4 = lowest vulnerability). There is no item wording: the items
# are ids only, and their answers in the example study are simulated.
id: reintegration_index
name: Reintegration index (synthetic teaching instrument, 18 items)
construct: reintegration
direction: higher_is_better
citation: >-
  Synthetic teaching instrument generated by stigma_analysis.simulate; domain names modelled on
  the International Justice Mission's Assessment of Survivor Outcomes (ASO), whose items and
  rubric are not reproduced. Not the ASO.
licence: "public domain (synthetic; no item wording)"
status: provisional
response:
  min: 1
  max: 4
  labels: {1: Highest vulnerability, 2: High vulnerability, 3: Low vulnerability, 4: Lowest vulnerability}
  high_means: lower vulnerability (better reintegration)
items: [saf1, saf2, saf3, leg1, leg2, leg3, men1, men2, men3, eco1, eco2, eco3, soc1, soc2, soc3, phy1, phy2, phy3]
reverse: []
scoring: mean
min_answered: 0.8
scales:
  total: all
  safety: [saf1, saf2, saf3]
  legal_protection: [leg1, leg2, leg3]
  mental_wellbeing: [men1, men2, men3]
  economic_empowerment: [eco1, eco2, eco3]
  social_support: [soc1, soc2, soc3]
  physical_wellbeing: [phy1, phy2, phy3]
notes: >-
  Items eco2 and eco3 concern paid work and are skipped ("not applicable", code 99) for
  respondents who are not working, so the economic_empowerment domain score is missing for
  them under the 80% rule, while the total (15 of 18 items needed) is still scored. Each
  domain's items share a domain factor beyond the general reintegration construct; see
  truth.yaml in the example study for the generating model.
"""


def study_yaml(waves: int, seed: int) -> str:
    """The study file of the example, with comments (docs/FORMATS.md, "Study specification")."""
    data = "\n".join(f"  - {{path: wave{t}.sav, wave: {t}}}" for t in range(1, waves + 1))
    return f"""\
# Synthetic example study (no real people): written by stigma_analysis.simulate with seed {seed}.
# Regenerate: python -m stigma_analysis.simulate surveys/example   (see README.md, truth.yaml)
title: Reintegration follow-up (synthetic example)
data:                           # one SPSS file per wave; the same resp_id across waves
{data}
id: resp_id
groups: [site, arm]             # grouping columns of the tables
design:
  arm: arm                      # 1 = intervention, 2 = comparison
  reference_arm: 2              # the comparison arm
  site: site                    # sites 1-4
  language: language            # the questionnaire's language version: Khmer, Thai, Vietnamese
missing_codes: [97, 98, 99]     # refused, don't know, not applicable (also SPSS user-missing)
instruments:
  - instrument: ismi29
    columns: "ismi_{{item}}"
    name: ismi
    norms:                      # ILLUSTRATIVE ONLY (synthetic study): not published norms
      total_excl_sr:
        functional: {{mean: 1.9, sd: 0.4}}
        dysfunctional: {{mean: 2.6, sd: 0.5}}
        citation: "Illustrative values for the synthetic example study; not a published norm sample"
  - instrument: eds9
    columns: "eds_{{item}}"
    name: eds
  - instrument: mspss12
    columns: "mspss_{{item}}"
    name: mspss
  - instrument: hscl25
    columns: "hscl_{{item}}"
    name: hscl
    norms:                      # ILLUSTRATIVE ONLY (synthetic study): not published norms
      total:
        functional: {{mean: 1.4, sd: 0.3}}
        citation: "Illustrative values for the synthetic example study; not a published norm sample"
  - instrument: rses10
    columns: "rses_{{item}}"
    name: rses
  - instrument: reintegration_index.yaml    # user-defined, in this folder
    columns: "reint_{{item}}"
    name: reint
models:
  - name: stigma_to_support
    formula: "mspss_total ~ ismi_total_excl_sr + age + C(site)"
    family: gaussian
    waves: [1]                  # a baseline model: one row per respondent
  - name: stigma_to_reintegration
    formula: "reint_total ~ ismi_total_excl_sr + wave + C(arm)"
    family: mixed
    groups: resp_id
  - name: stigma_to_work
    formula: "working ~ ismi_total_excl_sr + age + C(site)"
    family: binomial
    waves: [1]
privacy:
  min_cell: 5
  quasi_identifiers: [age, site]
"""


def write_folder(study: SimulatedStudy, folder: Path) -> None:
    """Write every file of the example study into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = study.data
    waves = int(data["wave"].max())
    for t in range(1, waves + 1):
        write_wave_sav(data[data["wave"] == t], folder / f"wave{t}.sav", wave=t, waves=waves)
    _write_text(folder / "study.yaml", study_yaml(waves, int(study.truth["seed"])))
    _write_text(folder / "reintegration_index.yaml", REINTEGRATION_INDEX_YAML)
    truth_header = (
        "# The generating model of this synthetic study (stigma_analysis.simulate); see README.md.\n"
        "# effects: standardised latent coefficients; calibration: targets from docs/calibration.md and the\n"
        "# values realised in these data (numpy scoring: mean of answered items, >= 80% answered).\n"
    )
    _write_text(folder / "truth.yaml", truth_header + _yaml(study.truth))

"""A realistic KoboToolbox form and matching exports (XLSX and ``;``-CSV), written for the tests.

The form (English + Khmer) has metadata fields, a select_one wave, the 12 MSPSS items as
select_one questions in a group that consent makes relevant, a select_multiple, an integer
with a ``relevant`` skip, a geopoint and a repeat group. The export has 200 respondents at
baseline and endline (400 submissions). Planted:

- the choice ``other`` of list ``services`` has no Khmer label (an untranslated label);
- respondent ``R0007`` at baseline answered ``months_worked`` although ``worked`` is "no"
  (a skip violation).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

EN = "label::English (en)"
KM = "label::Khmer (km)"
AGREE7 = [
    ("Very strongly disagree", "មិនយល់ស្របខ្លាំងបំផុត"),
    ("Strongly disagree", "មិនយល់ស្របខ្លាំង"),
    ("Mildly disagree", "មិនយល់ស្របបន្តិច"),
    ("Neutral", "អព្យាក្រឹត"),
    ("Mildly agree", "យល់ស្របបន្តិច"),
    ("Strongly agree", "យល់ស្របខ្លាំង"),
    ("Very strongly agree", "យល់ស្របខ្លាំងបំផុត"),
]
SERVICES = [
    ("medical", "Medical care", "ការថែទាំសុខភាព"),
    ("legal", "Legal aid", "ជំនួយផ្លូវច្បាប់"),
    ("shelter", "Shelter", "ជម្រក"),
    ("vocational", "Vocational training", "បណ្តុះបណ្តាលវិជ្ជាជីវៈ"),
    ("other", "Other", ""),  # planted: no Khmer label
]
SITES = [
    ("phnom_penh", "Phnom Penh", "ភ្នំពេញ"),
    ("battambang", "Battambang", "បាត់ដំបង"),
    ("siem_reap", "Siem Reap", "សៀមរាប"),
]
N_RESPONDENTS = 200
VIOLATOR = "R0007"


def write_form(path: Path) -> Path:
    """The XLSForm (survey, choices, settings sheets)."""
    from openpyxl import Workbook

    wb = Workbook()
    s = wb.active
    s.title = "survey"
    s.append(["type", "name", EN, KM, "relevant", "required"])
    for meta in ("start", "end", "today", "deviceid", "username", "phonenumber", "audit"):
        s.append([meta, meta, "", "", "", ""])
    s.append(["text", "resp_id", "Respondent ID", "លេខសម្គាល់អ្នកឆ្លើយ", "", "yes"])
    s.append(["select_one round", "wave", "Survey round", "ជុំនៃការស្ទង់មតិ", "", "yes"])
    s.append(["select_one site", "site", "Site", "ទីតាំង", "", "yes"])
    s.append(["integer", "age", "Age in years", "អាយុ", "", "yes"])
    s.append(
        [
            "select_one yesno",
            "consent",
            "Do you agree to take part?",
            "តើអ្នកយល់ព្រមចូលរួមទេ?",
            "",
            "yes",
        ]
    )
    s.append(["begin_group", "mspss", "Social support", "ការគាំទ្រសង្គម", "${consent} = 'yes'", ""])
    for i in range(1, 13):
        s.append(["select_one agree7", f"mspss_{i}", f"Support item {i}", f"សំណួរគាំទ្រ {i}", "", ""])
    s.append(["end_group", "", "", "", "", ""])
    s.append(
        [
            "select_one yesno",
            "worked",
            "Have you worked since returning?",
            "តើអ្នកបានធ្វើការទេ?",
            "${consent} = 'yes'",
            "",
        ]
    )
    s.append(["integer", "months_worked", "Months worked", "ចំនួនខែធ្វើការ", "${worked} = 'yes'", ""])
    s.append(
        [
            "select_multiple services",
            "services",
            "Which services did you receive?",
            "តើអ្នកទទួលបានសេវាអ្វីខ្លះ?",
            "${consent} = 'yes' and not(${age} < 16)",
            "",
        ]
    )
    s.append(["geopoint", "location", "Location", "ទីតាំងភូមិសាស្ត្រ", "", ""])
    s.append(["begin_repeat", "household", "Household members", "សមាជិកគ្រួសារ", "", ""])
    s.append(["text", "member_relation", "Relation to respondent", "ទំនាក់ទំនង", "", ""])
    s.append(["integer", "member_age", "Age of member", "អាយុសមាជិក", "", ""])
    s.append(["end_repeat", "", "", "", "", ""])
    c = wb.create_sheet("choices")
    c.append(["list_name", "name", EN, KM])
    for i, (en, km) in enumerate(AGREE7, start=1):
        c.append(["agree7", str(i), en, km])
    c.append(["yesno", "yes", "Yes", "បាទ/ចាស"])
    c.append(["yesno", "no", "No", "ទេ"])
    c.append(["round", "baseline", "Baseline", "មូលដ្ឋាន"])
    c.append(["round", "endline", "Endline", "បញ្ចប់"])
    for name, en, km in SITES:
        c.append(["site", name, en, km])
    for name, en, km in SERVICES:
        c.append(["services", name, en, km or None])
    st = wb.create_sheet("settings")
    st.append(["form_title", "form_id", "default_language"])
    st.append(["Reintegration follow-up", "reintegration_v3", "English (en)"])
    wb.save(path)
    return path


def submissions(seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the main table (choice names) and of the household repeat group."""
    rng = np.random.default_rng(seed)
    main: list[dict[str, Any]] = []
    household: list[dict[str, Any]] = []
    support = rng.normal(0, 1, N_RESPONDENTS)
    ages = rng.integers(15, 45, N_RESPONDENTS)
    sites = rng.integers(0, 3, N_RESPONDENTS)
    index = 0
    for wave, shift in (("baseline", 0.0), ("endline", 0.4)):
        for r in range(N_RESPONDENTS):
            index += 1
            rid = f"R{r + 1:04d}"
            consent = "no" if rng.random() < 0.04 else "yes"
            row: dict[str, Any] = {
                "start": f"2024-0{3 if wave == 'baseline' else 9}-{1 + r % 28:02d}T09:{r % 60:02d}:00.000+07:00",
                "end": f"2024-0{3 if wave == 'baseline' else 9}-{1 + r % 28:02d}T09:{(r + 25) % 60:02d}:00.000+07:00",
                "today": f"2024-0{3 if wave == 'baseline' else 9}-{1 + r % 28:02d}",
                "deviceid": f"collect:{rng.integers(10**15, 10**16):x}",
                "username": f"enum{1 + r % 6:02d}",
                "phonenumber": f"+855 1{r % 10} {rng.integers(100, 999)} {rng.integers(100, 999)}",
                "audit": "audit.csv",
                "resp_id": rid,
                "wave": wave,
                "site": SITES[sites[r]][0],
                "age": int(ages[r]) + (1 if wave == "endline" else 0),
                "consent": consent,
            }
            for i in range(1, 13):
                if consent == "yes":
                    x = 4 + 1.3 * (support[r] + shift) + rng.normal(0, 0.9)
                    row[f"mspss_{i}"] = str(int(np.clip(np.rint(x), 1, 7)))
                else:
                    row[f"mspss_{i}"] = None
            worked = (rng.random() < 0.5) if consent == "yes" else None
            row["worked"] = None if worked is None else ("yes" if worked else "no")
            row["months_worked"] = int(rng.integers(1, 12)) if worked else None
            if rid == VIOLATOR and wave == "baseline":
                row["consent"] = "yes"
                row["worked"] = "no"
                row["months_worked"] = 6  # planted: answered although skipped
                for i in range(1, 13):
                    row[f"mspss_{i}"] = row[f"mspss_{i}"] or "4"
            if row["consent"] == "yes" and row["age"] >= 16:
                picked = [s[0] for s in SERVICES if rng.random() < 0.35]
                row["services"] = " ".join(picked) if picked else "other"
            else:
                row["services"] = None
            lat, lon = 11.55 + rng.normal(0, 0.05), 104.92 + rng.normal(0, 0.05)
            row["location"] = f"{lat:.6f} {lon:.6f} 12.0 5.0"
            row["_location_latitude"] = round(lat, 6)
            row["_location_longitude"] = round(lon, 6)
            row["_location_altitude"] = 12.0
            row["_location_precision"] = 5.0
            row["_id"] = 1000 + index
            row["_uuid"] = f"uuid-{index:05d}"
            row["_submission_time"] = row["end"][:19]
            row["_index"] = index
            main.append(row)
            for m in range(int(rng.integers(1, 4))):
                household.append(
                    {
                        "member_relation": ["mother", "father", "sibling", "child"][m % 4],
                        "member_age": int(rng.integers(1, 70)),
                        "_index": len(household) + 1,
                        "_parent_table_name": "reintegration_v3",
                        "_parent_index": index,
                        "_submission__id": row["_id"],
                    }
                )
    return main, household


_GROUPED = {f"mspss_{i}": f"mspss/mspss_{i}" for i in range(1, 13)}


def _export_row(row: dict[str, Any], *, labels: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if labels and k.startswith("mspss_") and v is not None:
            v = (
                AGREE7[int(v) - 1][0].upper()
                if row["_index"] % 2
                else f"  {AGREE7[int(v) - 1][0].lower()} "
            )
        if labels and k == "site":
            v = next(en for name, en, _ in SITES if name == v)
        out[_GROUPED.get(k, k)] = v
        if k == "services":
            for name, _, _ in SERVICES:
                out[f"services/{name}"] = None if v is None else int(name in v.split())
    return out


def write_exports(folder: Path) -> dict[str, Path]:
    """The form, ``export.xlsx`` (choice names; household sheet) and ``export.csv`` (``;``,
    answers as labels in mixed case; household in ``export-household.csv``)."""
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    form = write_form(folder / "form.xlsx")
    main, household = submissions()
    rows = [_export_row(r, labels=False) for r in main]
    wb = Workbook()
    ws = wb.active
    ws.title = "Reintegration follow-up"
    header = list(rows[0])
    ws.append(header)
    for r in rows:
        ws.append([r[h] for h in header])
    hs = wb.create_sheet("household")
    hheader = list(household[0])
    hs.append(hheader)
    for r in household:
        hs.append([r[h] for h in hheader])
    wb.save(folder / "export.xlsx")
    lrows = [_export_row(r, labels=True) for r in main]
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(lrows[0]), delimiter=";")
        w.writeheader()
        w.writerows(lrows)
    with (folder / "export-household.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=hheader, delimiter=";")
        w.writeheader()
        w.writerows(household)
    return {"form": form, "xlsx": folder / "export.xlsx", "csv": folder / "export.csv"}

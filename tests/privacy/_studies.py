"""Small studies written to a temporary folder for the privacy tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml


def write_csv_study(folder: Path, *, extra: dict[str, Any] | None = None, **spec: Any) -> Path:
    """A one-wave CSV study of 30 respondents (ucla3 items, a site), plus ``extra`` columns."""
    rng = np.random.default_rng(7)
    n = 30
    data = pd.DataFrame(
        {
            "rid": [f"R{i:03d}" for i in range(n)],
            "site": rng.integers(1, 3, n),
            "age": rng.integers(18, 40, n),
            "lone1": rng.integers(1, 4, n),
            "lone2": rng.integers(1, 4, n),
            "lone3": rng.integers(1, 4, n),
        }
    )
    for name, values in (extra or {}).items():
        data[name] = values
    data.to_csv(folder / "wave1.csv", index=False)
    body: dict[str, Any] = {
        "title": "Privacy test study",
        "data": [{"path": "wave1.csv", "wave": 1}],
        "id": "rid",
        "groups": ["site"],
        "instruments": [{"instrument": "ucla3", "columns": "lone{item}", "name": "ucla"}],
    }
    body.update(spec)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


EXAMPLE = Path(__file__).resolve().parents[2] / "surveys" / "example"


def small_cell_example(folder: Path) -> Path:
    """The example study with small groups planted (edited with pyreadstat, labels kept).

    - site 5 "Kampot": 2 respondents (arm 1) at waves 1 and 2, 1 at wave 3;
    - site 6 "Kep": 7 respondents at wave 1 (from Siem Reap), 1 of them at waves 2 and 3;
    - arm 3 "Pilot": 3 respondents at wave 1 (from Battambang), 1 of them at waves 2 and 3
      (an arm x wave cell of 1).
    """
    import shutil

    import pyreadstat

    for f in EXAMPLE.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    first, _ = pyreadstat.read_sav(str(EXAMPLE / "wave1.sav"), user_missing=True)
    later, _ = pyreadstat.read_sav(str(EXAMPLE / "wave3.sav"), user_missing=True)
    stayers = first[first["resp_id"].isin(later["resp_id"])]

    def pick(site: float, arm: float | None, n: int, skip: int = 0) -> list[Any]:
        rows = stayers[(stayers["site"] == site) & ((stayers["arm"] == arm) if arm else True)]
        return list(rows["resp_id"].iloc[skip : skip + n])

    kampot = pick(1.0, 1.0, 2)
    kep = pick(2.0, None, 7)
    pilot = pick(3.0, 1.0, 3)
    for wave in (1, 2, 3):
        path = folder / f"wave{wave}.sav"
        data, meta = pyreadstat.read_sav(str(path), user_missing=True)
        data.loc[data["resp_id"].isin(kampot), "site"] = 5.0
        data.loc[data["resp_id"].isin(kep), "site"] = 6.0
        data.loc[data["resp_id"].isin(pilot), "arm"] = 3.0
        if wave > 1:
            gone = [*kep[1:], *pilot[1:], *(kampot[1:] if wave == 3 else [])]
            data = data[~data["resp_id"].isin(gone)].reset_index(drop=True)
        labels = {k: dict(v) for k, v in meta.variable_value_labels.items()}
        labels["site"].update({5.0: "Kampot", 6.0: "Kep"})
        labels["arm"][3.0] = "Pilot"
        pyreadstat.write_sav(
            data,
            str(path),
            column_labels=dict(zip(meta.column_names, meta.column_labels, strict=True)),
            variable_value_labels=labels,
            missing_ranges=meta.missing_ranges,
            variable_measure=meta.variable_measure,
        )
    return folder / "study.yaml"

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

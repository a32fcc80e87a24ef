"""The example's language column: a person's language version, drawn within sites from a random
stream of its own (so that adding it changed no other column of the example)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyreadstat

from stigma_analysis.simulate._model import LANGUAGES, draw_language

EXAMPLE = Path(__file__).resolve().parents[1] / "surveys" / "example"


def test_example_language_is_labelled_and_constant_per_person() -> None:
    frames = []
    for w in (1, 2, 3):
        df, meta = pyreadstat.read_sav(str(EXAMPLE / f"wave{w}.sav"))
        assert meta.variable_value_labels["language"] == {float(c): name for c, name in LANGUAGES}
        frames.append(df[["resp_id", "site", "language"]])
    first = frames[0].set_index("resp_id")["language"]
    for later in frames[1:]:
        assert (later.set_index("resp_id")["language"] == first.reindex(later["resp_id"])).all()
    assert set(first.unique()) == {1.0, 2.0, 3.0}


def test_language_stream_is_its_own() -> None:
    site = np.repeat([1, 2, 3, 4], 50)
    a = draw_language(site, 131)
    assert np.array_equal(a, draw_language(site, 131))
    assert not np.array_equal(a, draw_language(site, 132))
    for k in (1, 2, 3, 4):  # every site draws every version in this sample
        assert set(a[site == k]) == {1, 2, 3}

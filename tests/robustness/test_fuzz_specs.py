"""Fuzzing the study-file and instrument-file parsers: only typed errors may escape."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stigma_analysis.errors import StigmaAnalysisError
from stigma_analysis.instruments import Instrument
from stigma_analysis.study import load_study

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 120), st.floats(allow_nan=True), text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)
STUDY_KEYS = [
    "title",
    "data",
    "id",
    "wave",
    "groups",
    "weights",
    "missing_codes",
    "instruments",
    "models",
    "privacy",
    "seed",
]
INSTRUMENT_KEYS = [
    "id",
    "name",
    "construct",
    "status",
    "response",
    "items",
    "reverse",
    "scoring",
    "min_answered",
    "scales",
    "cutoffs",
]


def _mutated(base: dict, keys: list[str]) -> st.SearchStrategy[dict]:
    return st.builds(
        lambda drop, extra: {**{k: v for k, v in base.items() if k not in drop}, **extra},
        st.sets(st.sampled_from(list(base)), max_size=3),
        st.dictionaries(st.sampled_from([*keys, "typo_key"]), values, max_size=3),
    )


def _names_the_problem(exc: StigmaAnalysisError) -> None:
    if not str(exc).strip():
        pytest.fail(f"{type(exc).__name__} without a message")


BASE_STUDY = {
    "title": "t",
    "data": [{"path": "w1.csv", "wave": 1}],
    "id": "rid",
    "instruments": [{"instrument": "ucla3", "columns": "q{item}", "name": "u"}],
}
BASE_INSTRUMENT = {
    "id": "x",
    "name": "X",
    "direction": "lower_is_better",
    "response": {"min": 1, "max": 4},
    "items": [1, 2, 3],
    "reverse": [2],
    "scales": {"total": "all", "a": [1, 2]},
    "cutoffs": {"total": [{"label": "lo", "from": 1}, {"label": "hi", "from": 3}]},
}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_mutated(BASE_STUDY, STUDY_KEYS))
def test_study_parser_only_raises_typed_errors(tmp_path: Path, spec: dict) -> None:
    (tmp_path / "w1.csv").write_text("rid,q1,q2,q3\nA,1,2,3\n", encoding="utf-8")
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    try:
        study = load_study(path)
    except StigmaAnalysisError as exc:
        _names_the_problem(exc)
        return
    study.validate()


@settings(max_examples=200, deadline=None)
@given(_mutated(BASE_INSTRUMENT, INSTRUMENT_KEYS))
def test_instrument_parser_only_raises_typed_errors(raw: dict) -> None:
    try:
        ins = Instrument.from_dict(raw)
    except StigmaAnalysisError as exc:
        _names_the_problem(exc)
        return
    for scale in ins.scales:
        ins.scale_items(scale)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"title: [unclosed",
        b"- just\n- a list\n",
        "título: ñ".encode("latin-1"),
    ],
)
def test_unreadable_study_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "study.yaml"
    path.write_bytes(content)
    with pytest.raises(StigmaAnalysisError):
        load_study(path)

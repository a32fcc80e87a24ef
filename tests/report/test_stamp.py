"""The reproducibility stamp and the show_table helper."""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.report import Stamp, show_table, stamp


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "alice" / "my-study"
    (folder / "data").mkdir(parents=True)
    (folder / "study.yaml").write_text("name: s\n", encoding="utf-8")
    (folder / "data" / "wave1.csv").write_bytes(b"id,x\n1,2\n")
    (tmp_path / "alice" / "instruments").mkdir()
    (tmp_path / "alice" / "instruments" / "scale.yaml").write_text("id: scale\n", encoding="utf-8")
    return folder


@dataclass
class _FakeStudy:
    path: Path
    files: list[Path]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_stamp_of_study_like_object(study_dir: Path) -> None:
    instrument = study_dir.parent / "instruments" / "scale.yaml"
    files = [study_dir / "data" / "wave1.csv", study_dir / "study.yaml", instrument]
    result = stamp(_FakeStudy(path=study_dir / "study.yaml", files=files), seed=20240601)
    assert isinstance(result, Stamp)
    assert [(p, h) for p, h, _ in result.files] == [
        ("data/wave1.csv", _sha(files[0])),
        ("study.yaml", _sha(files[1])),
        ("../instruments/scale.yaml", _sha(instrument)),
    ]
    assert result.files[0][2] == files[0].stat().st_size
    assert result.seed == 20240601
    assert result.python == platform.python_version()
    assert result.platform == platform.system()
    assert result.study_spec == "name: s\n"
    versions = dict(result.packages)
    assert versions["numpy"] == np.__version__
    assert versions["pandas"] == pd.__version__
    html = result.to_html()
    assert str(study_dir.parent) not in html  # no absolute paths, so no user names
    assert "alice" not in html
    assert _sha(files[0]) in html


def test_stamp_frame_columns(study_dir: Path) -> None:
    frame = stamp(files=[study_dir / "study.yaml"], seed=3).to_frame()
    assert list(frame.columns) == ["kind", "name", "value"]
    assert frame.loc[frame["kind"] == "file", "value"].tolist() == [_sha(study_dir / "study.yaml")]
    assert frame.loc[frame["kind"] == "seed", "value"].item() == "3"
    assert set(frame["kind"]) == {"file", "package", "python", "platform", "seed"}


def test_stamp_is_deterministic(study_dir: Path) -> None:
    files = [study_dir / "study.yaml", study_dir / "data" / "wave1.csv"]
    assert stamp(files=files, seed=1) == stamp(files=files, seed=1)
    assert stamp(files=files, seed=1).to_html() == stamp(files=files, seed=1).to_html()


def test_stamp_paths_far_away_show_names_only(tmp_path: Path, study_dir: Path) -> None:
    far = tmp_path / "elsewhere" / "deep" / "down" / "x.csv"
    far.parent.mkdir(parents=True)
    far.write_text("1\n", encoding="utf-8")
    result = stamp(files=[study_dir / "study.yaml", far], root=study_dir / "data" / "sub")
    assert [p for p, _, _ in result.files] == [".../study.yaml", ".../x.csv"]


def test_stamp_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        stamp(files=[tmp_path / "missing.csv"])
    with pytest.raises(TypeError, match="seed must be an int"):
        stamp(seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`\.files` attribute"):
        stamp(42)


def test_show_table_formats_numbers() -> None:
    df = pd.DataFrame(
        {"scale": ["a", "b"], "mean": [1.23456, np.nan], "n": [10, 12], "ok": [True, False]}
    )
    table = show_table(df, digits={"mean": 3}, caption="Means")
    html = table._repr_html_()
    assert "<caption>Means</caption>" in html
    assert '<td class="num">1.235</td>' in html
    assert '<td class="num">—</td>' in html
    assert '<td class="num">12</td>' in html
    assert "<td>yes</td>" in html
    assert "<th" not in html.split("<tbody>")[1]  # a 0..n-1 index is not shown
    assert repr(table).splitlines()[0] == "Means"


def test_show_table_aligns_suppressed_counts_as_numbers() -> None:
    df = pd.DataFrame({"site": ["A", "B"], "n": ["<5", "12"]})
    html = show_table(df)._repr_html_()
    assert '<th class="num">n</th>' in html
    assert '<td class="num">&lt;5</td>' in html
    assert '<th class="text">site</th>' in html


def test_show_table_index_and_errors() -> None:
    df = pd.DataFrame({"r": [0.5]}, index=pd.Index(["x"], name="scale"))
    html = show_table(df)._repr_html_()
    assert '<th scope="row">x</th>' in html
    assert "<th>scale</th>" in html
    assert '<td class="num">0.50</td>' in html
    with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
        show_table([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="digits must be"):
        show_table(df, digits=1.5)  # type: ignore[arg-type]


def test_stamp_redacts_absolute_paths_in_the_study_spec(tmp_path: Path) -> None:
    spec = tmp_path / "study.yaml"
    spec.write_text(
        'data:\n  - {path: /home/alice/data/wave1.sav, wave: 1}\nformula: "y ~ x"\n',
        encoding="utf-8",
    )
    result = stamp(_FakeStudy(path=spec, files=[spec]))
    assert result.study_spec is not None
    assert "alice" not in result.to_html()
    assert ".../wave1.sav" in result.study_spec
    assert 'formula: "y ~ x"' in result.study_spec

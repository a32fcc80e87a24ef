"""What `score` writes: no unresolved personal columns, never over the pseudonym key."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pandas as pd
import pytest

from stigma_analysis.cli import main
from stigma_analysis.errors import DisclosureError
from stigma_analysis.privacy import WeakKeyWarning, key_weakness, load_key
from stigma_analysis.scoring import labelled_scores
from stigma_analysis.study import load_study
from tests.privacy._studies import write_csv_study

PHONES = [f"+855 12 {100 + i:03d} {200 + i:03d}" for i in range(30)]
KEY = "9c1f0e7d2b8a4c6e5f3a1b0d9e8c7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e"


@pytest.mark.parametrize("suffix", ["csv", "parquet", "sav"])
def test_score_refuses_unresolved_personal_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    study = write_csv_study(tmp_path, extra={"phone": PHONES})
    out = tmp_path / f"scores.{suffix}"
    assert main(["score", str(study), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "phone (phone)" in err
    assert "privacy.drop" in err
    assert "privacy.allow" in err
    assert not out.exists()
    with pytest.raises(DisclosureError, match="phone"):
        labelled_scores(load_study(study))


def test_score_writes_once_personal_columns_are_resolved(tmp_path: Path) -> None:
    dropped = tmp_path / "dropped"
    allowed = tmp_path / "allowed"
    dropped.mkdir()
    allowed.mkdir()
    s1 = write_csv_study(dropped, extra={"phone": PHONES}, privacy={"drop": ["phone"]})
    s2 = write_csv_study(allowed, extra={"phone": PHONES}, privacy={"allow": ["phone"]})
    assert main(["score", str(s1), "-o", str(dropped / "s.csv")]) == 0
    assert "phone" not in pd.read_csv(dropped / "s.csv").columns
    assert main(["score", str(s2), "-o", str(allowed / "s.csv")]) == 0
    assert "phone" in pd.read_csv(allowed / "s.csv").columns


def test_score_never_overwrites_the_pseudonym_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "key.csv"  # a key file with a data extension
    key_file.write_text(KEY + "\n", encoding="utf-8")
    study = write_csv_study(tmp_path, privacy={"pseudonymize": "rid", "key_file": "key.csv"})
    assert main(["score", str(study), "-o", str(key_file)]) == 1
    assert "refusing to overwrite an input file" in capsys.readouterr().err
    assert key_file.read_text(encoding="utf-8") == KEY + "\n"
    assert main(["score", str(study), "-o", str(tmp_path / "scores.csv")]) == 0


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("a" * 40, "only 1 distinct"),
        ("0101" * 10, "only 2 distinct"),
        ("s3cr3t-passw0rd!" * 3, "repeats a pattern of 16"),
        ("abcdefghijklmnopqrstuvwxyz" * 2, "repeats a pattern of 26"),
    ],
)
def test_guessable_keys_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, reason: str
) -> None:
    assert reason in (key_weakness(key.encode()) or "")
    monkeypatch.setenv("WEAK_KEY", key)
    with pytest.warns(WeakKeyWarning, match=reason) as record:
        load_key(env="WEAK_KEY")
    assert key not in str(record[0].message)
    path = tmp_path / "weak.key"
    path.write_text(key, encoding="utf-8")
    with pytest.warns(WeakKeyWarning, match="weak.key"):
        load_key(key_file=path)


def test_random_keys_do_not_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)  # seeded: a random 32-hex key has < 8 distinct digits ~1e-6 of the time
    for _ in range(200):
        key = rng.randbytes(16).hex()  # the shortest accepted random key: 32 hex characters
        assert key_weakness(key.encode()) is None, key
    monkeypatch.setenv("GOOD_KEY", KEY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_key(env="GOOD_KEY")

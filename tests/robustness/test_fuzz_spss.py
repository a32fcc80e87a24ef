"""Fuzzing the SPSS reader: truncated and byte-flipped files end in success or SurveyReadError.

Every case is a real file (the example study's waves, and the shared SPSS corpus when present)
cut short, with a few bytes replaced (mostly in the dictionary), or with one byte of a value
label record's variable index replaced (the place of the crashes seen so far), chosen by a
seeded generator, so the run is the same each time. The cases run in one child interpreter under a 4 GiB address-space limit: a crash
of the C reader (a signal), a runaway allocation (MemoryError) or any exception other than
SurveyReadError fails the test, naming the case, instead of killing pytest.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

from tests.conftest import ROOT, SHARED_SPSS

N_EXAMPLE = 60
N_CORPUS = 100
SEED = 20261206

_WORKER = textwrap.dedent(
    """
    import json, random, re, struct, sys, tempfile
    from pathlib import Path

    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
    except ImportError:  # Windows
        pass
    from stigma_analysis.errors import SurveyReadError
    from stigma_analysis.io import read_survey

    LABEL_INDEX = struct.pack("<ii", 4, 1)
    cases = json.loads(sys.stdin.read())
    folder = Path(tempfile.mkdtemp())
    for i, (src, kind, seed) in enumerate(cases):
        rng = random.Random(seed)
        raw = bytearray(Path(src).read_bytes())
        # a value-label record's variable index (type 4, one variable; little-endian files)
        marks = [m.start() for m in re.finditer(re.escape(LABEL_INDEX), raw)]
        if kind == "truncate":
            raw = raw[: rng.randrange(1, len(raw))]
        elif kind == "label-index" and marks:
            raw[rng.choice(marks) + 8 + rng.randrange(4)] = rng.randrange(256)
        else:
            # mostly in the dictionary (header, variables, value labels), where crashes live
            head = min(len(raw), 12000) if rng.random() < 0.7 else len(raw)
            for _ in range(rng.randint(1, 4)):
                raw[rng.randrange(head)] = rng.randrange(256)
        path = folder / ("case%d%s" % (i, Path(src).suffix))
        path.write_bytes(bytes(raw))
        print("start", i, flush=True)
        try:
            read_survey(path)
            outcome = "ok"
        except SurveyReadError as exc:
            outcome = "SurveyReadError" if str(path) in str(exc) else "unnamed: " + str(exc)
        except BaseException as exc:
            outcome = "%s: %s" % (type(exc).__name__, str(exc)[:200])
        path.unlink()
        print("done", i, json.dumps(outcome), flush=True)
    """
)


def _cases() -> list[tuple[str, str, int]]:
    rng = random.Random(SEED)
    example = sorted(str(p) for p in (ROOT / "surveys" / "example").glob("*.sav"))
    corpus = sorted(
        str(p)
        for p in (SHARED_SPSS.rglob("*") if SHARED_SPSS.is_dir() else [])
        if p.suffix.lower() in {".sav", ".zsav", ".por"}
    )
    cases = []
    for files, n in ((example, N_EXAMPLE), (corpus, N_CORPUS)):
        for _ in range(n if files else 0):
            kind = rng.choices(["truncate", "flip", "label-index"], [0.25, 0.6, 0.15])[0]
            cases.append((rng.choice(files), kind, rng.randrange(2**31)))
    return cases


def test_damaged_spss_files_fail_cleanly() -> None:
    cases = _cases()
    proc = subprocess.run(
        [sys.executable, "-c", _WORKER],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outcomes: dict[int, str] = {}
    started = -1
    for line in proc.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word == "start":
            started = int(rest)
        elif word == "done":
            i, _, outcome = rest.partition(" ")
            outcomes[int(i)] = json.loads(outcome)
    assert proc.returncode == 0, (
        f"the reader died (exit {proc.returncode}) on case {started}: {cases[started]}; "
        f"stderr: {proc.stderr[-500:]}"
    )
    bad = {i: o for i, o in outcomes.items() if o not in {"ok", "SurveyReadError"}}
    assert not bad, {i: (cases[i], o) for i, o in bad.items()}
    assert len(outcomes) == len(cases)
    # the cases are not all trivially rejected: some damaged files still read
    assert 0 < sum(o == "ok" for o in outcomes.values()) < len(cases)

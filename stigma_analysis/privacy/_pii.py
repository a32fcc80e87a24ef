"""Personal data: finding it (:func:`scan_pii`) and replacing identifiers (:func:`pseudonymize`).

Private module; the public names are re-exported by :mod:`stigma_analysis.privacy`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import warnings
from collections.abc import Hashable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.errors import SpecError, StigmaAnalysisError

__all__ = [
    "MIN_KEY_BYTES",
    "PII_COLUMNS",
    "PseudonymKey",
    "WeakKeyWarning",
    "key_weakness",
    "load_key",
    "name_hint",
    "pseudonymize",
    "scan_pii",
]

#: Columns of the table returned by :func:`scan_pii`.
PII_COLUMNS = ("column", "kind", "evidence", "n_flagged", "share_flagged")

#: Shortest accepted pseudonymisation key (bytes): 32 bytes, e.g. ``secrets.token_hex(16)``.
MIN_KEY_BYTES = 32

# --------------------------------------------------------------------------------------------
# Column-name hints. Short hints must be a whole token of the name ("tel" is not in "hotel"),
# long ones may appear anywhere ("phonenumber", "respondent_birthdate"). Scripts without word
# spaces (Khmer, Thai) are matched as substrings.
# --------------------------------------------------------------------------------------------
_TOKEN_HINTS: dict[str, frozenset[str]] = {
    "national_id": frozenset(
        {"passport", "ssn", "nid", "nic", "cni", "dni", "cedula", "aadhaar", "idcard", "nationalid"}
    ),
    "id": frozenset(
        {"id", "uid", "uuid", "guid", "identifier", "respid", "caseid", "pid", "personid"}
    ),
    "name": frozenset(
        {"name", "names", "nom", "nombre", "nama", "surname", "firstname", "lastname", "fullname"}
        | {"forename", "prenom", "prénom", "apellido", "apellidos", "tên", "ho_ten"}
    ),
    "phone": frozenset({"phone", "tel", "mobile", "cell", "cellphone", "whatsapp", "msisdn"}),
    "email": frozenset({"email", "mail", "courriel", "correo"}),
    "date_of_birth": frozenset({"dob", "birth", "birthday", "birthdate", "born", "bday"}),
    "gps": frozenset({"lat", "lon", "lng", "latitude", "longitude", "gps", "coords", "geopoint"}),
    "address": frozenset(
        {"address", "addr", "street", "village", "adresse", "direccion", "dirección", "postcode"}
        | {"zip", "zipcode", "postal", "domicile", "house"}
    ),
    # interview start/end times (ODK, KoBo, SurveyCTO metadata): with a site they can single
    # out a respondent (who was interviewed at 14:05 in that village)
    "timestamp": frozenset(
        {"start", "end", "today", "timestamp", "starttime", "endtime", "datetime"}
        | {"submissiondate", "submissiontime", "submitted"}
    ),
}
_SUBSTRING_HINTS: dict[str, tuple[str, ...]] = {
    "national_id": ("passport", "national_id", "nationalid", "id_card", "idcard"),
    "name": ("surname", "firstname", "lastname", "fullname", "ឈ្មោះ", "ชื่อ", "họ tên"),
    "phone": ("phone", "telefon", "téléphone", "teléfono", "ទូរស័ព្ទ", "โทร", "điện thoại"),
    "email": ("email", "e_mail", "e-mail", "courriel", "correo"),
    "date_of_birth": ("birth", "naissance", "nacimiento", "កំណើត", "ngày sinh", "วันเกิด"),
    "gps": ("latitude", "longitude", "gps", "coordinate", "geopoint", "geolocation"),
    "address": (
        *("address", "street", "village", "adresse", "dirección"),
        *("ភូមិ", "អាសយដ្ឋាន", "ที่อยู่", "หมู่บ้าน", "địa chỉ"),
    ),
    "timestamp": ("submission_time", "submission_date", "start_time", "end_time", "timestamp"),
}
# A name/id token next to one of these describes a place, an instrument or a file, not a person.
_NOT_A_PERSON = frozenset(
    {"site", "scale", "subscale", "instrument", "item", "file", "org", "organisation"}
    | {"organization", "program", "programme", "project", "study", "variable", "var", "wave"}
    | {"country", "province", "district", "commune", "region", "city", "town", "village"}
    | {"street", "group", "model", "term", "question", "form", "centre", "center", "shelter"}
)
_SPLIT = re.compile(r"[^0-9a-zà-ɏ\u0e00-\u0e7f\u1780-\u17ff]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# --------------------------------------------------------------------------------------------
# Content patterns (applied to the distinct values of text columns only).
# --------------------------------------------------------------------------------------------
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_PHONE = r"\+?\(?\d[\d ().\-]{5,20}\d"
_DAY = r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
_TIME_OF_DAY = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?"
_DATE = rf"{_DAY}(?:{_TIME_OF_DAY})?"
_DATE_TIME = rf"{_DAY}{_TIME_OF_DAY}"
# Values that stand for "no answer" in a text column (SPSS pads string variables with blanks).
_FILLER = frozenset(
    {"", "none", "n/a", "na", "n.a.", "-", "--", "---", ".", "nil", "null", "nan", "missing"}
    | {"no answer", "not applicable", "nothing", "no comment", "no comments", "sysmis"}
)
_PUNCTUATION_ONLY = r"[ \t\r\n.,;:!?/\\*_()'\"#-]*"
# Explicit blanks instead of \s and \S, which make pandas fall back from Arrow to Python's re.
_BLANK = r"[ \t\r\n]"
_WORD = r"[^ \t\r\n]"
_GPS_PAIR = rf"[-+]?\d{{1,2}}\.\d{{3,}}{_BLANK}*[,; ]{_BLANK}*[-+]?\d{{1,3}}\.\d{{3,}}"
# letters, plus the combining signs of Vietnamese, Thai and Khmer (not \w for Python's re)
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f\u0e00-\u0e7f\u1780-\u17ff])"
_PERSON_NAME = rf"{_LETTER}{{2,}}(?:[ '\-]{_LETTER}+){{1,3}}"
_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

# Shares of the non-missing values that must match before a column is flagged by content.
_SHARE_PHONE = 0.5
_SHARE_DATE = 0.8
_SHARE_GPS = 0.5
_SHARE_NAME = 0.8
_DISTINCT_NAME = 0.5  # names are mostly distinct; answer options ("Strongly agree") are not
_DISTINCT_FREE_TEXT = 0.5
_FREE_TEXT_MEAN_CHARS = 25
_MIN_ID_VALUES = 20
_BIRTH_YEARS_AGO = 12  # exact dates whose median lies further back than this are birth dates


def _tokens(column: Hashable) -> list[str]:
    text = _CAMEL.sub("_", str(column)).lower()
    return [t for t in _SPLIT.split(text) if t]


def name_hint(column: Hashable) -> tuple[str, str] | None:
    """The kind of personal data a column's *name* suggests, with the matching hint.

    Parameters
    ----------
    column : hashable
        A column label.

    Returns
    -------
    tuple of (str, str) or None
        ``(kind, hint)``, e.g. ``("phone", "tel")``; ``None`` when the name suggests nothing.
    """
    text = str(column).lower()
    tokens = _tokens(column)
    joined = "".join(tokens)
    about_a_thing = bool(_NOT_A_PERSON.intersection(tokens))
    kinds = ("national_id", "email", "phone", "date_of_birth", "gps", "timestamp", "address")
    for kind in (*kinds, "name", "id"):
        if about_a_thing and kind in ("name", "id"):
            continue
        hits = _TOKEN_HINTS.get(kind, frozenset()).intersection(tokens)
        if hits:
            return kind, sorted(hits)[0]
        if kind == "national_id" and {"national", "id"} <= set(tokens):
            return kind, "national id"
        for hint in _SUBSTRING_HINTS.get(kind, ()):
            if hint in text or hint.replace("_", "") in joined:
                return kind, hint
    return None


def _as_text(index: pd.Index) -> pd.Series:
    """The distinct values of a column as strings (Arrow-backed: regexes run in C), stripped."""
    text = pd.Series(np.asarray(index.astype(str), dtype=object), dtype=object)
    try:
        return text.astype("string[pyarrow]").str.strip()
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return text.str.strip()


def _content_hits(values: pd.Series) -> list[tuple[str, str, int]]:
    """Content evidence for one text-like column: a list of ``(kind, evidence, n_flagged)``."""
    counts = values.value_counts(dropna=True, sort=False)
    text = _as_text(counts.index)
    # blanks and "none"/"n/a"/"-" filler are missing answers, not values: judged with them, a
    # column of a few names among many blanks would look like a column of repeated answers
    filler = text.str.lower().isin(list(_FILLER)) | text.str.fullmatch(_PUNCTUATION_ONLY)
    answered = ~filler.to_numpy(dtype=bool, na_value=True)
    counts, text = counts[answered], text[answered].reset_index(drop=True)
    n_valid = int(counts.sum())
    if n_valid == 0:
        return []
    weights = counts.to_numpy(dtype=np.int64)
    n_distinct = len(counts)
    distinct_share = n_distinct / n_valid
    hits: list[tuple[str, str, int]] = []

    def n_matching(mask: pd.Series) -> int:
        return int(weights[mask.to_numpy(dtype=bool, na_value=False)].sum())

    emails = n_matching(text.str.contains(_EMAIL, regex=True))
    if emails:
        hits.append(("email", f"{emails} of {n_valid} values contain an e-mail address", emails))

    is_date = text.str.fullmatch(_DATE)
    dates = n_matching(is_date)
    if dates >= _SHARE_DATE * n_valid:
        with_time = n_matching(text.str.fullmatch(_DATE_TIME))
        if with_time >= 0.5 * dates:
            hits.append(
                (
                    "timestamp",
                    f"{with_time} of {n_valid} values are dates with a time of day",
                    with_time,
                )
            )
        else:
            hits.append(_date_hit(text[is_date.to_numpy(dtype=bool)], dates, n_valid))

    # digits per value; not str.count / \D, which Arrow runs many times slower
    digits = text.str.replace("[^0-9]+", "", regex=True).str.len()
    decimal = text.str.fullmatch(r"[-+]?\d+[.,]\d+")  # 11.556432 is a number, not a phone
    is_phone = text.str.fullmatch(_PHONE) & digits.between(8, 15) & ~is_date & ~decimal
    phones = n_matching(is_phone)
    if phones >= _SHARE_PHONE * n_valid:
        hits.append(("phone", f"{phones} of {n_valid} values look like phone numbers", phones))

    gps = n_matching(text.str.fullmatch(_GPS_PAIR))
    if gps >= _SHARE_GPS * n_valid:
        hits.append(("gps", f"{gps} of {n_valid} values look like coordinate pairs", gps))

    lengths = text.str.len().to_numpy(dtype=float)
    mean_chars = float(np.average(lengths, weights=weights))
    words = n_matching(text.str.contains(f"{_WORD}{_BLANK}+{_WORD}+{_BLANK}+{_WORD}"))  # 3+
    is_long = (
        distinct_share >= _DISTINCT_FREE_TEXT
        and mean_chars >= _FREE_TEXT_MEAN_CHARS
        and words >= 0.5 * n_valid
    )
    if is_long and not hits:
        hits.append(
            (
                "free_text",
                f"{n_distinct} distinct values of {mean_chars:.0f} characters on average",
                n_valid,
            )
        )
    elif not hits and distinct_share >= _DISTINCT_NAME:
        # Python's re (unicode letters), not Arrow's RE2; only reached for mostly distinct text.
        plain = text.astype(object)
        names = n_matching(plain.str.fullmatch(_PERSON_NAME) & (plain.str.len() <= 40))
        if names >= _SHARE_NAME * n_valid:
            hits.append(("name", f"{names} of {n_valid} values look like personal names", names))
        uuids = n_matching(text.str.fullmatch(_UUID))
        if uuids >= _SHARE_NAME * n_valid:
            hits.append(("id", f"{uuids} of {n_valid} values are UUIDs", uuids))
        elif (
            not hits
            and n_valid >= _MIN_ID_VALUES
            and n_distinct == n_valid
            and not text.str.contains(_BLANK).any()
        ):
            hits.append(("id", f"all {n_valid} values are distinct codes", n_valid))
    return hits


def _date_hit(dates: pd.Series, n_dates: int, n_valid: int) -> tuple[str, str, int]:
    years = dates.str.extract(r"(\d{4})", expand=False).astype(float)
    median = float(np.nanmedian(years.to_numpy())) if years.notna().any() else float("nan")
    if np.isfinite(median) and median <= date.today().year - _BIRTH_YEARS_AGO:
        return (
            "date_of_birth",
            f"{n_dates} of {n_valid} values are exact dates (median year {median:.0f})",
            n_dates,
        )
    return "exact_date", f"{n_dates} of {n_valid} values are exact dates", n_dates


def _is_text_like(s: pd.Series) -> bool:
    return bool(
        pd.api.types.is_string_dtype(s.dtype)
        or s.dtype == object
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def scan_pii(
    data: pd.DataFrame,
    *,
    allow: Iterable[Hashable] = (),
    id_columns: Iterable[Hashable] = (),
) -> pd.DataFrame:
    """Find columns that look like personal data, by their name and by their content.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data (one row per respondent or respondent × wave).
    allow : iterable of str, default ()
        Columns the study explicitly allows (``privacy.allow`` in the study file); never reported.
    id_columns : iterable of str, default ()
        The study's declared respondent id column(s). They are not reported: they are handled by
        :func:`pseudonymize` and :func:`stigma_analysis.privacy.disclose` never publishes them.
        Other columns that look like identifiers are reported with kind ``"id"``.

    Returns
    -------
    pandas.DataFrame
        One row per flagged column and kind, in the column order of ``data``:

        - ``column`` (str): the column label.
        - ``kind`` (str): ``name``, ``phone``, ``email``, ``date_of_birth``, ``exact_date``,
          ``timestamp``, ``gps``, ``address``, ``free_text``, ``id`` or ``national_id``.
        - ``evidence`` (str): why, in words (the name hint and/or the content found).
        - ``n_flagged`` (int): values judged personal (every non-missing value when the name
          alone is the evidence).
        - ``share_flagged`` (float): ``n_flagged`` divided by the number of rows.

    Notes
    -----
    *By name*: the label is split into lower-case tokens (``firstName`` → ``first, name``);
    short hints must be a whole token (``tel``, ``dob``, ``lat``, ``nom``, ``id``), long ones may
    occur anywhere (``phone``, ``birth``, ``latitude``, ``village``); Khmer, Thai and Vietnamese
    hints (``ឈ្មោះ``, ``ชื่อ``, ``ngày sinh`` ...) are substrings. ``name``/``id`` next to
    ``site``, ``scale``, ``item``, ``village`` ... (``site_id``, ``scale_name``) describe a thing,
    not a person, and are not flagged.

    *Interview timestamps* (kind ``timestamp``): the start/end/submission times that ODK,
    KoBo and SurveyCTO forms record are quasi-identifiers (with a site they can single out the
    person interviewed at 14:05 that day). Flagged by name (``start``, ``end``, ``today``,
    ``submission_time``, ``_submission_time``, ``SubmissionDate``, ``timestamp`` ...) and by
    content: a date-time column with any time of day other than midnight, or text values of
    which 80 % are dates and at least half of those carry a time of day
    (``2024-03-14T09:31:02.123+07:00``, ``14/03/2024 9:31``).

    *Filler is missing*: before a text column is judged by content, blanks (SPSS pads string
    variables with spaces), punctuation-only values and ``none``/``n/a``/``na``/``-``/
    ``nothing``/``no comment`` ... (any case) are set aside, so a free-text column answered by
    few respondents is judged on its answers only.

    *By content* (text columns only; the regular expressions run once per distinct value, so
    100 000 rows with few distinct values cost little): e-mail addresses anywhere in a value;
    phone numbers (8-15 digits with ``+ ( ) - .`` separators) in at least half the values;
    exact dates (``2001-03-14``, ``14/03/2001``) in 80 % of the values, reported as
    ``date_of_birth`` when their median year lies more than 12 years back, else ``exact_date``;
    coordinate pairs (``11.5564, 104.9282``) in half the values; free text = mostly distinct
    values of 25 characters or more on average; personal names = 2-4 words of letters in 80 % of
    mostly distinct values; ids = UUIDs, or 20+ values that are all distinct codes without
    spaces. Likert answers, site codes and wave numbers have few distinct values or are numeric,
    so they are never flagged by content. Numeric columns are flagged by name only.

    Checked against: planted columns in ``tests/privacy/test_privacy.py`` (no outside reference exists).
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    skip = {str(c) for c in allow} | {str(c) for c in id_columns}
    n_rows = len(data)
    rows: list[tuple[str, str, str, int]] = []
    for position, column in enumerate(data.columns):
        if str(column) in skip:
            continue
        s = data.iloc[:, position]
        found: dict[str, tuple[list[str], int]] = {}
        hint = name_hint(column)
        if hint is not None:
            kind, word = hint
            found[kind] = ([f"column name contains {word!r}"], int(s.notna().sum()))
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            n = int(s.notna().sum())
            years = s.dt.year.median() if n else float("nan")
            is_birth = n and years <= date.today().year - _BIRTH_YEARS_AGO
            kind = "date_of_birth" if is_birth else "exact_date"
            content = [(kind, f"{n} exact dates (date column)", n)] if n else []
            timed = int((s.notna() & (s != s.dt.normalize())).sum())
            if timed:
                evidence = f"{timed} of {n} values carry a time of day (date-time column)"
                content = [("timestamp", evidence, timed)]
        elif _is_text_like(s):
            content = _content_hits(s)
        else:
            content = []
        for kind, evidence, n in content:
            if kind in found:
                words, n_old = found[kind]
                found[kind] = ([*words, evidence], max(n, n_old))
            elif (kind in ("exact_date", "timestamp") and "date_of_birth" in found) or (
                kind == "id" and found
            ):
                # a name hint says more than "dates" or "distinct codes": keep its kind
                named = next(iter(found))
                words, n_old = found[named]
                found[named] = ([*words, evidence], max(n, n_old))
            else:
                found[kind] = ([evidence], n)
        for kind, (words, n) in found.items():
            rows.append((str(column), kind, "; ".join(words), n))
    out = pd.DataFrame(
        {
            "column": pd.Series([r[0] for r in rows], dtype=object),
            "kind": pd.Series([r[1] for r in rows], dtype=object),
            "evidence": pd.Series([r[2] for r in rows], dtype=object),
            "n_flagged": pd.Series([r[3] for r in rows], dtype="int64"),
        }
    )
    out["share_flagged"] = out["n_flagged"] / n_rows if n_rows else 0.0
    out["share_flagged"] = out["share_flagged"].astype("float64")
    return out.loc[:, list(PII_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Pseudonymisation
# --------------------------------------------------------------------------------------------
class PseudonymKey(bytes):
    """A pseudonymisation key: ``bytes`` whose ``repr``/``str`` never show the key.

    Returned by :func:`load_key`; usable wherever ``bytes`` are (``hmac.new(key, ...)``).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"PseudonymKey(<redacted, {len(self)} bytes>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def hex(self, *args: Any, **kwargs: Any) -> str:
        return repr(self)

    def __reduce__(self) -> Any:
        raise TypeError("a PseudonymKey cannot be pickled (it must not leave the process)")


class WeakKeyWarning(UserWarning):
    """A pseudonymisation key that is long enough but easy to guess (few symbols, a pattern)."""


#: Fewest distinct bytes a key should hold (a random hex key of 32+ characters has 14-16).
_MIN_DISTINCT_KEY_BYTES = 8


def key_weakness(key: bytes) -> str | None:
    """Why a key looks guessable, or ``None``.

    A key is weak when it holds fewer than 8 distinct bytes (``"aaaa..."``, ``"0101..."``) or
    repeats a pattern of at most half its length (``"secretsecretsecret..."``). This catches
    typed keys, not every weak one: a random key is the only safe kind.
    """
    data = bytes(key)
    n = len(data)
    if n == 0:
        return "it is empty"
    distinct = len(set(data))
    if distinct < _MIN_DISTINCT_KEY_BYTES:
        return f"it uses only {distinct} distinct characters"
    for period in range(1, n // 2 + 1):
        if data[period:] == data[:-period]:
            return f"it repeats a pattern of {period} characters"
    return None


def _warn_if_weak(key: bytes, where: str) -> None:
    reason = key_weakness(key)
    if reason is not None:
        warnings.warn(
            f"the pseudonym key in {where} looks guessable: {reason}. Respondent ids are few "
            "and short, so anyone who guesses the key can recompute every pseudonym; replace "
            "it with a random key (python -c 'import secrets; print(secrets.token_hex(32))') "
            "before publishing pseudonymised data",
            WeakKeyWarning,
            stacklevel=3,
        )


def _check_key_length(n_bytes: int, where: str, file: Path | None) -> None:
    if n_bytes < MIN_KEY_BYTES:
        raise SpecError(
            file,
            "privacy.pseudonymize",
            f"the pseudonym key in {where} is {n_bytes} bytes long; at least {MIN_KEY_BYTES} "
            "are required (generate one with: "
            "python -c 'import secrets; print(secrets.token_hex(32))')",
        )


def load_key(
    *, env: str = "STIGMA_PSEUDONYM_KEY", key_file: str | Path | None = None
) -> PseudonymKey:
    """Read the pseudonymisation key from a key file or an environment variable.

    Parameters
    ----------
    env : str, default "STIGMA_PSEUDONYM_KEY"
        Environment variable holding the key, used when ``key_file`` is ``None``.
    key_file : str or Path, optional
        A file holding the key (named in the study file). Takes precedence over ``env``.

    Returns
    -------
    PseudonymKey
        The key as ``bytes`` (the text of the file or variable, UTF-8, surrounding whitespace
        and the trailing newline stripped). Its ``repr``/``str`` show only its length.

    Raises
    ------
    SpecError
        Neither source exists, the file cannot be read, or the key is shorter than
        32 bytes. The message names the source, never the key.

    Warns
    -----
    WeakKeyWarning
        The key looks guessable (:func:`key_weakness`: few distinct characters, a repeated
        pattern).

    Notes
    -----
    The key is the only protection of the pseudonyms: respondent ids are few and short
    (``1001`` .. ``1400``, ``R001`` ..), so whoever holds the key, or guesses it, recomputes
    every pseudonym by trying every id, which takes a second. Use a random key
    (``secrets.token_hex(32)``), keep it outside the study folder and out of version control,
    never write an output over it (``score`` refuses). A new key for a new study unlinks its
    pseudonyms from every other study's.
    """
    if key_file is not None:
        from stigma_analysis.io._files import KEY_FILE_LIMIT, read_bounded

        path = Path(key_file)

        def refuse(cause: str) -> SpecError:  # a FIFO, device or folder, or above 1 MB
            return SpecError(
                path, "privacy.key_file", f"cannot read the pseudonym key file: {cause}"
            )

        # The key is wrapped at once, so that no plain copy sits in a frame's locals when a
        # traceback (or a debugger, or pytest --showlocals) prints them.
        try:
            key = PseudonymKey(read_bounded(path, limit=KEY_FILE_LIMIT, error=refuse).strip())
        except FileNotFoundError:
            raise SpecError(
                path,
                "privacy.key_file",
                "the pseudonym key file does not exist; create it with: "
                f"python -c 'import secrets; print(secrets.token_hex(32))' > {path}",
            ) from None
        except OSError as exc:
            raise SpecError(
                path, "privacy.key_file", f"cannot read the pseudonym key file ({exc.strerror})"
            ) from None
        _check_key_length(len(key), f"file {path}", path)
        _warn_if_weak(key, f"file {path}")
        return key
    if not isinstance(env, str) or not env:
        raise TypeError(f"env must be the name of an environment variable, got {env!r}")
    key = PseudonymKey(os.environ.get(env, "").strip().encode("utf-8"))
    if not key:
        raise SpecError(
            None,
            "privacy.pseudonymize",
            f"no pseudonym key: set the environment variable {env} or name a key_file in the "
            "study's privacy block (generate a key with: "
            "python -c 'import secrets; print(secrets.token_hex(32))')",
        )
    _check_key_length(len(key), f"environment variable {env}", None)
    _warn_if_weak(key, f"environment variable {env}")
    return key


def _canonical_id(value: Any) -> str:
    """An id as text, so that 1001, 1001.0 and "1001 " give the same pseudonym in every wave."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("the id column holds booleans; they cannot identify respondents")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


def pseudonymize(
    data: pd.DataFrame,
    column: Hashable,
    key: bytes,
    *,
    prefix: str = "P",
    length: int = 16,
) -> pd.DataFrame:
    """Replace an id column by keyed pseudonyms (HMAC-SHA256), returning a new frame.

    Parameters
    ----------
    data : pandas.DataFrame
        The data; not modified.
    column : str
        The id column to replace.
    key : bytes
        The secret key, from :func:`load_key` (at least 32 bytes). Never stored in the output.
    prefix : str, default "P"
        Text put before each pseudonym, e.g. ``"P3f9a0c..."``.
    length : int, default 16
        Hexadecimal characters kept from the 64-character HMAC (12 to 64).

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with ``column`` replaced, at the same position, by strings
        ``prefix + hmac_sha256(key, canonical_id).hexdigest()[:length]``; missing ids stay
        missing.

    Raises
    ------
    KeyError
        ``column`` is not in ``data``.
    StigmaAnalysisError
        Two different ids received the same pseudonym (use a larger ``length``).

    Notes
    -----
    The canonical id is its text: strings stripped of surrounding spaces, integer-valued
    numbers without a decimal part (``1001``, ``1001.0`` and ``"1001"`` are the same survivor),
    other numbers by ``repr(float)``. The same key and id give the same pseudonym in every wave
    and every run; another key gives unrelated pseudonyms. Without the key the pseudonyms
    cannot be reversed or recomputed from guessed ids (unlike an unkeyed hash).

    With 16 hex characters (64 bits) the chance that any two of :math:`n` ids collide is about
    :math:`n^2 / 2^{65}`: 2.7e-8 for a million ids. Collisions are nevertheless checked.
    HMAC runs once per distinct id.

    References
    ----------
    Krawczyk, Bellare & Canetti (1997). HMAC: Keyed-hashing for message authentication.
    RFC 2104.

    Checked against: ``hmac.new(key, b"1001", hashlib.sha256)`` in ``tests/privacy/test_privacy.py``.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if isinstance(key, str) or not isinstance(key, (bytes, bytearray)):
        raise TypeError(
            f"key must be bytes (use load_key()), got {type(key).__name__}; "
            "the key is never accepted as text so that it is not echoed by mistake"
        )
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"key must be at least {MIN_KEY_BYTES} bytes long, got {len(key)} bytes")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
    if isinstance(length, bool) or not isinstance(length, int) or not 12 <= length <= 64:
        raise ValueError(f"length must be an integer from 12 to 64, got {length!r}")
    if column not in data.columns:
        raise KeyError(f"column {column!r} is not in the data (columns: {list(data.columns)})")
    codes, raw = pd.factorize(data[column], use_na_sentinel=True)
    secret = PseudonymKey(key)  # redacted in any traceback's locals
    cache: dict[str, str] = {}
    for value in raw:
        text = _canonical_id(value)
        if text not in cache:
            mac = hmac.new(secret, text.encode("utf-8"), hashlib.sha256)
            cache[text] = prefix + mac.hexdigest()[:length]
    if len(set(cache.values())) != len(cache):
        raise StigmaAnalysisError(
            f"two different ids in {column!r} received the same {length}-character pseudonym; "
            "use a larger length"
        )
    digests = np.array([cache[_canonical_id(v)] for v in raw], dtype=object)
    out = data.copy()
    pseudonyms = np.empty(len(codes), dtype=object)
    present = codes >= 0
    pseudonyms[present] = digests[codes[present]]
    pseudonyms[~present] = None
    out[column] = pd.Series(pseudonyms, index=data.index, dtype="str")
    return out

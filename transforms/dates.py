"""Vectorised parsing of the date and time spellings vendors use."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Fitabase exports: pristine "4/12/2016 12:00:00 AM"; re-saved by Excel "4/12/16" or "4/12/16 0:00".
FITABASE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
)


def parse_datetimes(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse strings trying each format in turn; unparseable values become NaT.

    Each format is applied with ``pd.to_datetime(format=…, errors="coerce")`` only to the values still
    unparsed, so a file mixing spellings costs one vectorised pass per spelling present.
    """
    # Exports repeat the same timestamps across participants (every minute of every person's day): each
    # distinct string is parsed once and the result broadcast back.
    codes, distinct = pd.factorize(text.astype("string").str.strip(), use_na_sentinel=True)
    distinct = pd.Series(distinct, dtype="string")
    parsed_distinct = pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[ns]")
    todo = distinct.notna() & (distinct != "")
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(distinct[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        parsed_distinct.loc[parsed.index[ok]] = parsed[ok]
        todo.loc[parsed.index[ok]] = False
    values = parsed_distinct.to_numpy()
    out = np.where(codes >= 0, values[np.maximum(codes, 0)], np.datetime64("NaT", "ns"))
    return pd.Series(out, index=text.index, dtype="datetime64[ns]")


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for proleptic Gregorian dates (H. Hinnant's algorithm), vectorised."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_STAMP_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 21, 22, 23, 24]  # YYYY-MM-DD HH:MM:SS ±HHMM
_STAMP_SEPARATORS = [4, 7, 10, 13, 16, 19]
_STAMP_SEPARATOR_BYTES = np.frombuffer(b"-- :: ", dtype=np.uint8)
_STAMP_FIELD_WEIGHTS = np.zeros((18, 8), dtype=np.int32)  # digit position → (year … offset minutes)
for _field, (_first, _width) in enumerate([(0, 4), (4, 2), (6, 2), (8, 2), (10, 2), (12, 2), (14, 2), (16, 2)]):
    _STAMP_FIELD_WEIGHTS[_first:_first + _width, _field] = 10 ** np.arange(_width - 1, -1, -1)


def parse_offset_timestamps(text) -> tuple[np.ndarray, np.ndarray]:
    """``YYYY-MM-DD HH:MM:SS ±HHMM`` strings (Apple Health's layout) → (local wall-clock datetime64[s],
    UTC offset in minutes). Parsed as a byte matrix, so a million stamps take milliseconds; any string not in
    that exact layout (or with an impossible month, day or time) gives NaT / NaN."""
    raw = np.asarray(text, dtype="S25")
    b = raw.view(np.uint8).reshape(len(raw), 25) if len(raw) else np.zeros((0, 25), np.uint8)
    digits = b[:, _STAMP_DIGITS].astype(np.int32) - 48
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    ok &= (b[:, _STAMP_SEPARATORS] == _STAMP_SEPARATOR_BYTES).all(axis=1) & ((b[:, 20] == 43) | (b[:, 20] == 45))
    year, month, day, hour, minute, second, off_h, off_m = (digits @ _STAMP_FIELD_WEIGHTS).astype(np.int64).T
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour < 24) & (minute < 60) & (second < 61)
    seconds = (_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second)
    local = np.where(ok, seconds, 0).astype("datetime64[s]")
    local[~ok] = np.datetime64("NaT")
    offset = np.where(b[:, 20] == 45, -1.0, 1.0) * (off_h * 60 + off_m)
    return local, np.where(ok, offset, np.nan)

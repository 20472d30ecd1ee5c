"""Vectorised parsing of the date and time spellings vendors use.

``parse_timestamps`` reads every spelling we have seen vendors write, whatever the file's main one:

* ISO 8601 dates and times, ``T`` or a space between them, with or without seconds, fractional seconds
  (``.000``, ``,5``, up to nanoseconds) and a ``Z`` / ``±HH``, ``±HHMM``, ``±HH:MM`` offset;
* slash (or dot) dates with a 2- or 4-digit year, ``11/01/19``, ``4/12/2016 7:21:00 AM``, ``06.11.2019 21:58``,
  month first (US, Fitbit's own spelling) or day first, with an optional 24- or 12-hour time.

A 2-digit year is 20YY (no wearable export predates 2000). Impossible dates (Feb 30, hour 25) are NaT.
Day-first or month-first is the caller's: ``infer_day_first`` decides it from a column's content.
"""

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

_TIME = r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + r"\s*(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?$"
_SLASH = (
    r"^(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    + _TIME.replace("[T ]+", "[T ,]+")
    + r"\s*(?P<p>[AaPp]\.?[Mm]\.?)?$"
)


def _distinct(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct stripped strings): exports repeat the same timestamps across participants, so each
    distinct string is parsed once and the result broadcast back (code -1: NA)."""
    codes, distinct = pd.factorize(text.astype("string").str.strip(), use_na_sentinel=True)
    return codes, pd.Series(distinct, dtype="string")


def _broadcast(codes: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
    return np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else fill, fill)


def infer_day_first(text: pd.Series) -> bool | None:
    """Whether a column's slash dates are day first: True when some value's first field exceeds 12 (and no
    value's second field does), False for the reverse, None when the content does not tell (every field ≤ 12)
    or contradicts itself."""
    _, distinct = _distinct(text)
    parts = distinct.str.extract(r"^\s*(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}").astype("float64")
    first_big, second_big = bool((parts[0] > 12).any()), bool((parts[1] > 12).any())
    if first_big == second_big:
        return None
    return first_big


def parse_timestamps(text: pd.Series, day_first: bool = False) -> tuple[pd.Series, pd.Series]:
    """(wall-clock time as written, naive datetime64[ns]; its UTC offset in minutes, NaN when the string gives
    none) for every spelling in the module docstring. Unparseable values are NaT / NaN."""
    codes, distinct = _distinct(text)
    wall = np.full(len(distinct), np.datetime64("NaT"), dtype="datetime64[ns]")
    offset = np.full(len(distinct), np.nan)
    iso = distinct.str.extract(_ISO).astype(object).fillna("")
    slash = distinct.str.extract(_SLASH).astype(object).fillna("")
    is_slash = (iso["y"] == "") & (slash["y"] != "")
    if (iso["y"] != "").any() or is_slash.any():

        def number(column: pd.Series) -> pd.Series:
            return pd.to_numeric(column.where(column != ""), errors="coerce").astype("float64")

        pick = {c: slash[c].where(is_slash, iso[c]) for c in ("y", "H", "M", "S", "f")}  # fields both spell alike
        a, b = number(slash["a"]), number(slash["b"])
        year = number(pick["y"])
        year = year.where(~(is_slash & (slash["y"].str.len() == 2)), 2000 + year)
        month = number(iso["m"]).where(~is_slash, b if day_first else a)
        day = number(iso["d"]).where(~is_slash, a if day_first else b)
        hour, minute, second = number(pick["H"]).fillna(0), number(pick["M"]).fillna(0), number(pick["S"]).fillna(0)
        meridiem = slash["p"].str[:1].str.lower().where(is_slash, "")
        twelve_hour = meridiem != ""
        bad_12h = twelve_hour & ((hour < 1) | (hour > 12))
        hour = hour.where(~twelve_hour, hour % 12 + np.where(meridiem == "p", 12, 0))
        fraction = pick["f"].where(pick["f"] != "", "0").str.ljust(9, "0").astype("float64")
        zone = iso["z"].where(~is_slash, "")
        digits = zone.str.replace(r"[^0-9]", "", regex=True)
        zone_h, zone_m = number(digits.str[:2]).fillna(0), number(digits.str[2:4]).fillna(0)
        valid = (
            year.notna()
            & month.between(1, 12)
            & day.between(1, 31)
            & (hour < 24)
            & (minute < 60)
            & (second < 61)
            & ~bad_12h
            & (zone_h <= 14)
            & (zone_m < 60)
        )
        parts = pd.DataFrame({"year": year, "month": month, "day": day}).where(valid, np.nan)
        dates = pd.to_datetime(parts, errors="coerce")  # NaT for impossible days (Feb 30)
        stamps = dates + pd.to_timedelta((hour * 3600 + minute * 60 + second) * 1e9 + fraction, unit="ns")
        wall = stamps.to_numpy(dtype="datetime64[ns]")
        offset = np.where(zone.str[:1] == "-", -1.0, 1.0) * (zone_h * 60 + zone_m).to_numpy()
        offset = np.where(zone == "", np.nan, offset)
        offset = np.where(pd.isna(wall), np.nan, offset)
    return (
        pd.Series(_broadcast(codes, wall, np.datetime64("NaT", "ns")), index=text.index, dtype="datetime64[ns]"),
        pd.Series(_broadcast(codes, offset, np.nan), index=text.index, dtype="float64"),
    )


def parse_utc(text: pd.Series, day_first: bool = False) -> pd.Series:
    """Instants as naive UTC: the wall-clock time minus its offset; a string without an offset is taken as
    UTC already (the convention of the formats that call this, e.g. PMSys ``…Z`` stamps)."""
    wall, offset = parse_timestamps(text, day_first)
    return wall - pd.to_timedelta(offset.fillna(0.0), unit="m")


def parse_datetimes(text: pd.Series, formats: tuple[str, ...] = (), day_first: bool = False) -> pd.Series:
    """Wall-clock times: each of the format's main spellings ``formats`` in turn (fast, strptime in C), then
    every other spelling ``parse_timestamps`` knows for the values still unparsed; unparseable values are NaT.

    Each format is applied with ``pd.to_datetime(format=…, errors="coerce")`` only to the values still
    unparsed, so a file mixing spellings costs one vectorised pass per spelling present.
    """
    codes, distinct = _distinct(text)
    parsed_distinct = pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[ns]")
    todo = distinct.notna() & (distinct != "")
    for fmt in formats:
        if not todo.any():
            break
        if "%z" in fmt or "%Z" in fmt:  # offsets are read (as wall clock) by parse_timestamps below
            continue
        parsed = pd.to_datetime(distinct[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        parsed_distinct.loc[parsed.index[ok]] = parsed[ok]
        todo.loc[parsed.index[ok]] = False
    if todo.any():
        parsed_distinct.loc[todo[todo].index] = parse_timestamps(distinct[todo], day_first)[0]
    values = parsed_distinct.to_numpy()
    out = _broadcast(codes, values, np.datetime64("NaT", "ns"))
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
    _STAMP_FIELD_WEIGHTS[_first : _first + _width, _field] = 10 ** np.arange(_width - 1, -1, -1)


# ``YYYYMMDDHHMMSS±HHMM`` (iOS 8 and 9 exports) → the byte positions of ``YYYY-MM-DD HH:MM:SS ±HHMM``
_COMPACT_TO_STAMP = [0, 1, 2, 3, -1, 4, 5, -1, 6, 7, -1, 8, 9, -1, 10, 11, -1, 12, 13, -1, 14, 15, 16, 17, 18]
_COMPACT_FILL = np.frombuffer(b"0000-00-00 00:00:00 +0000", dtype=np.uint8)  # the separators the compact form lacks


def parse_offset_timestamps(text) -> tuple[np.ndarray, np.ndarray]:
    """``YYYY-MM-DD HH:MM:SS ±HHMM`` strings (Apple Health's layout), also the compact ``YYYYMMDDHHMMSS±HHMM`` of
    iOS 8 and 9 exports → (local wall-clock datetime64[s], UTC offset in minutes). Parsed as a byte matrix, so
    a million stamps take milliseconds; any string in neither layout (or with an impossible month, day or time)
    gives NaT / NaN."""
    local, offset = _parse_stamp_layout(text)
    compact = np.isnat(local)
    if compact.any():
        again = _compact_as_layout(np.asarray(text, dtype=object)[compact])
        local[compact], offset[compact] = _parse_stamp_layout(again)
    return local, offset


def _compact_as_layout(text: np.ndarray) -> np.ndarray:
    """``20140104084300-0800`` → ``2014-01-04 08:43:00 -0800`` (anything else → a string that fails the layout)."""
    wide = np.asarray(text, dtype=object).astype(str)
    wide = np.where(np.char.str_len(wide) == 19, wide, "")
    try:
        raw = wide.astype("S19")
    except UnicodeEncodeError:  # a non-ASCII character somewhere: not this layout either
        raw = np.array([s if s.isascii() else "" for s in wide], dtype="S19")
    b = raw.view(np.uint8).reshape(len(raw), 19) if len(raw) else np.zeros((0, 19), np.uint8)
    picks = np.array(_COMPACT_TO_STAMP)
    out = np.where(picks >= 0, b[:, np.clip(picks, 0, None)], _COMPACT_FILL)
    return np.ascontiguousarray(out, dtype=np.uint8).view("S25").ravel().astype(str)


def _parse_stamp_layout(text) -> tuple[np.ndarray, np.ndarray]:
    try:
        raw = np.asarray(text, dtype="S25")
        b = raw.view(np.uint8).reshape(len(raw), 25) if len(raw) else np.zeros((0, 25), np.uint8)
    except UnicodeEncodeError:  # a stamp with a non-ASCII character: not this layout, whatever else it holds
        wide = np.asarray(text, dtype="U25")
        points = wide.view(np.uint32).reshape(len(wide), 25)
        b = np.where(points < 128, points, 0).astype(np.uint8)
    digits = b[:, _STAMP_DIGITS].astype(np.int32) - 48
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    ok &= (b[:, _STAMP_SEPARATORS] == _STAMP_SEPARATOR_BYTES).all(axis=1) & ((b[:, 20] == 43) | (b[:, 20] == 45))
    year, month, day, hour, minute, second, off_h, off_m = (digits @ _STAMP_FIELD_WEIGHTS).astype(np.int64).T
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour < 24) & (minute < 60) & (second < 61)
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    local = np.where(ok, seconds, 0).astype("datetime64[s]")
    local[~ok] = np.datetime64("NaT")
    offset = np.where(b[:, 20] == 45, -1.0, 1.0) * (off_h * 60 + off_m)
    return local, np.where(ok, offset, np.nan)

"""Vectorised parsing of the date and time spellings vendors use."""

from __future__ import annotations

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
    text = text.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text.notna() & (text != "")
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        out.loc[parsed.index[ok]] = parsed[ok]
        todo.loc[parsed.index[ok]] = False
    return out

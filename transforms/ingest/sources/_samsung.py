"""What Samsung Health's "download personal data" CSVs share: a first line of metadata
(``com.samsung.shealth.tracker.heart_rate,6212007,3``: the data type, a version, a count), then the header;
columns of some types prefixed with the type (``com.samsung.health.heart_rate.start_time``); a trailing comma
on every data line; times in UTC (``2018-05-05 15:42:31.287``) with the wearer's offset per row in
``time_offset`` (``UTC+0200``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from transforms.ingest.sources._tabular import CsvTable, header_names, read_csv_strings

TIME_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")
_OFFSET = re.compile(r"^UTC([+-])(\d{2}):?(\d{2})$")


def data_type(head: str) -> str | None:
    """The type on a Samsung export's metadata line (``com.samsung.shealth.sleep``), None when the file has none."""
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    kind = first.split(",", 1)[0]
    return kind if kind.startswith("com.samsung.") and re.fullmatch(r"[a-z0-9_.]+", kind) else None


def column_names(head: str) -> list[str]:
    """The header's column names without the type prefix."""
    rest = head.lstrip("\ufeff").split("\n", 1)
    return [_bare(c) for c in header_names(rest[1])] if len(rest) > 1 else []


def _bare(name: str) -> str:
    return name.rsplit(".", 1)[-1] if name.startswith("com.samsung.") else name


class _AfterFirstLine:
    """A landing input read from its second line on (the header), for the CSV readers."""

    def __init__(self, source):
        self.source, self.name = source, source.name

    def open(self):
        fh = self.source.open()
        fh.readline()
        return fh


def read_samsung_csv(source, source_file: str, required: list[str], source_format: str, known: list[str]) -> CsvTable:
    """The records under the metadata line as text cells, columns without their type prefix, ``line N``
    locators counting the file's own lines (the metadata line is line 1)."""
    table = read_csv_strings(_AfterFirstLine(source), source_file, [], source_format)
    trailing = [
        c for c in table.frame.columns if re.fullmatch(r"Unnamed: \d+", str(c)) and (table.frame[c] == "").all()
    ]
    table.frame = table.frame.drop(columns=trailing)  # the header's trailing comma names an empty column
    table.frame.columns = [_bare(c) if c != "_locator" else c for c in table.frame.columns]
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        from transforms.ingest.errors import SchemaDrift

        raise SchemaDrift(source_file, missing, list(table.frame.columns[:-1]), [])
    table.frame["_locator"] = _next_line(table.frame["_locator"])
    if len(table.bad_lines):
        table.bad_lines["locator"] = _next_line(table.bad_lines["locator"])
    table.unexpected = [c for c in table.frame.columns[:-1] if c not in known and c != ""]
    return table


def _next_line(locators: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(locators.astype("string").str.removeprefix("line "), errors="coerce")
    return ("line " + (numbers + 1).astype("Int64").astype("string")).astype("string")


def offset_minutes(text: pd.Series) -> pd.Series:
    """``UTC+0200`` → 120.0; anything else NaN."""
    parts = text.astype("string").fillna("").str.strip().str.extract(_OFFSET)
    sign = np.where((parts[0] == "-").fillna(False).to_numpy(dtype=bool), -1.0, 1.0)
    return pd.Series(sign * (pd.to_numeric(parts[1]) * 60 + pd.to_numeric(parts[2])), index=text.index)

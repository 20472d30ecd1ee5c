"""Fitbit's daily CSVs of one value per day (the Takeout's Fitbit folders, ``fitbit_takeout_daily_csv``, and its
Google-format tables, ``fitbit_google_daily_csv``): a table of kinds told by their header, and the parse they share.

Daily stamps are midnight (``2024-09-12T00:00:00Z``, with or without ``Z``): the date is the day, whatever the
zone letter says. Fitbit writes ``NaN`` where it has no value: such a row is counted as empty. A repeated day is
quarantined as a duplicate. A 0 where the quantity cannot be 0 (RMSSD, SpO2, breathing rate) is Fitbit's
"nothing measured" and counted as empty too. A kind without a metric of ours has every line counted as ignored with the reason,
whatever its shape (the monthly ``Sleep Profile`` holds two tables in one file).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, header_names, read_csv_strings


@dataclass(frozen=True)
class Kind:
    header: tuple[str, ...]  # the columns that tell it (all present)
    metric: str | None = None  # None: a kind counted as ignored
    value: str | None = None  # the column read (kinds with a formula leave it None)
    reason: str = ""
    name: str | None = None  # a word the file name holds, where the header alone is ambiguous
    zero_is_none: bool = False  # Fitbit writes 0 where it measured nothing (an RMSSD or SpO2 cannot be 0)


def kind_of(kinds: tuple[Kind, ...], name: str, head: str) -> Kind | None:
    names = set(header_names(head))
    for kind in kinds:
        if set(kind.header) <= names and (kind.name is None or kind.name in name.lower()):
            return kind
    return None


def parse_daily(kind: Kind, source, ctx, source_format: str) -> ParseResult:
    if kind.metric is None:
        table = read_csv_strings(source, ctx.source_file, list(kind.header[:1]), source_format)
        return ParseResult(
            n_records=table.n_records, n_ignored=table.n_records, notes=[f"records ignored: {kind.reason}"]
        )
    table = read_csv_strings(source, ctx.source_file, list(kind.header), source_format)
    frame = table.frame
    chk = RecordChecker(frame)
    if kind.header[0] == "type":  # Computed Temperature: one row per night
        day = chk.datetime("sleep_end", ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")).dt.normalize()
        samples = chk.number("temperature_samples", lo=0)
        total = _nan_aware(chk, frame, "baseline_relative_sample_sum")
        value = (total / samples).where(samples > 0)
    else:
        stamp = "DATE" if kind.header[0] == "DATE" else "timestamp"
        frame[stamp] = frame[stamp].str.slice(0, 10)  # the date of a midnight stamp, whatever its zone letter
        day = chk.datetime(stamp, ("%Y-%m-%d",))
        if kind.value is None:  # daily_sleep_temperature_derivations
            nightly = _nan_aware(chk, frame, "nightly temperature celsius")
            value = nightly - _nan_aware(chk, frame, "baseline temperature celsius")
        else:
            value = _nan_aware(chk, frame, kind.value)
        if kind.metric == "stress_management_score":
            failed = frame.get("CALCULATION_FAILED", pd.Series("", index=frame.index)).str.lower().eq("true")
            ready = frame.get("STATUS", pd.Series("READY", index=frame.index)).str.upper().eq("READY")
            value = value.where(ready & ~failed)
    if kind.zero_is_none:
        value = value.where(value != 0)
    empty = chk.good & value.isna()
    base = frame.loc[~empty, ["_locator"]].assign(day=day[~empty])
    result = csv_result(table, chk, ["day"], base, {kind.metric: value}, source_format, ctx.source_file)
    result.n_empty = int(empty.sum())
    return result


def _nan_aware(chk, frame: pd.DataFrame, column: str) -> pd.Series:
    """A number column where Fitbit's ``NaN`` (and an empty cell) is no value, anything else unreadable fails."""
    text = frame[column].astype("string").fillna("").str.strip()
    frame[column] = text.where(~text.str.lower().isin(["nan", "null", "none"]), "")
    values = chk.number(column, required=False)
    return values.where(np.isfinite(values))

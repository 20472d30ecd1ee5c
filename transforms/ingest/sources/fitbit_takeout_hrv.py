"""Fitbit takeout ``Daily Heart Rate Variability Summary - YYYY-MM-(DD).csv``, one participant per file.

Columns ``timestamp,rmssd,nremhr,entropy`` with one row per night (``2024-07-21T00:00:00``).
Metric: ``hrv_rmssd_ms`` = rmssd on the day of ``timestamp``; an rmssd of 0 (a night Fitbit could not measure)
is counted as empty. A repeated day is quarantined.
"""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings

FORMAT = "fitbit_takeout_hrv"
SCOPE = "person"
REQUIRED = ["timestamp", "rmssd"]
KNOWN_COLUMNS = REQUIRED + ["nremhr", "entropy"]
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%f")


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS, share=0.75)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, REQUIRED, FORMAT, KNOWN_COLUMNS)
    chk = RecordChecker(table.frame)
    day = chk.datetime("timestamp", TIME_FORMATS)
    rmssd = chk.number("rmssd")
    empty = chk.good & (rmssd == 0)  # Fitbit writes 0 for a night it could not measure
    base = table.frame.loc[~empty, ["_locator"]].assign(day=day[~empty].dt.normalize())
    result = csv_result(table, chk, ["day"], base, {"hrv_rmssd_ms": rmssd}, FORMAT, ctx.source_file)
    result.n_empty = int(empty.sum())
    return result

"""Fitbit takeout ``Daily Heart Rate Variability Summary - YYYY-MM-(DD).csv``, one participant per file.

Columns ``timestamp,rmssd,nremhr,entropy`` with one row per night (``2024-07-21T00:00:00``).
Metric: ``hrv_rmssd_ms`` = rmssd on the day of ``timestamp``. A repeated day is quarantined.
"""

from __future__ import annotations

from pathlib import Path

from transforms.records import ParseResult
from transforms.sources._tabular import RecordChecker, csv_result, read_csv_strings

FORMAT = "fitbit_takeout_hrv"
SCOPE = "person"
REQUIRED = ["timestamp", "rmssd"]
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%f")


def detect(name: str, head: str) -> bool:
    header = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return header.startswith("timestamp,rmssd") and "nremhr" in header


def parse(path: Path, source_file: str) -> ParseResult:
    frame = read_csv_strings(path, source_file, REQUIRED)
    chk = RecordChecker(frame)
    day = chk.datetime("timestamp", TIME_FORMATS)
    rmssd = chk.number("rmssd")
    base = frame[["_locator"]].assign(day=day.dt.normalize())
    data_columns = [c for c in frame.columns if c != "_locator"]
    return csv_result(frame, chk, ["day"], base, {"hrv_rmssd_ms": rmssd}, FORMAT, source_file, data_columns)

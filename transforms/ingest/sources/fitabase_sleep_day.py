"""Fitabase ``sleepDay_merged.csv``: one row per Fitbit account and sleep day.

Columns: ``Id``, ``SleepDay`` (``4/12/2016 12:00:00 AM``), ``TotalSleepRecords``, ``TotalMinutesAsleep``,
``TotalTimeInBed``. Metrics: ``sleep_minutes`` = TotalMinutesAsleep (Fitabase has already summed the day's
sleep records, naps included, and cannot separate them); ``sleep_efficiency_pct`` = 100 × TotalMinutesAsleep
/ TotalTimeInBed (NULL when time in bed is 0). A record with more minutes asleep than in bed is
quarantined. Repeated (Id, SleepDay) rows are quarantined as duplicates, so they never double-count.
"""

from __future__ import annotations

import numpy as np

from transforms.ingest.dates import FITABASE_FORMATS
from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings

FORMAT = "fitabase_sleep_day"
SCOPE = "cohort"
ACCOUNT_SOURCE = "fitabase"
REQUIRED = ["Id", "SleepDay", "TotalSleepRecords", "TotalMinutesAsleep", "TotalTimeInBed"]
KNOWN_COLUMNS = REQUIRED


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, REQUIRED, FORMAT, KNOWN_COLUMNS)
    frame = table.frame
    chk = RecordChecker(frame)
    chk.fail_where(frame["Id"].str.strip() == "", "missing Id")
    day = chk.datetime("SleepDay", FITABASE_FORMATS)
    chk.number("TotalSleepRecords", lo=0)
    asleep = chk.number("TotalMinutesAsleep", lo=0, hi=1440)
    in_bed = chk.number("TotalTimeInBed", lo=0, hi=1440)
    chk.fail_where(asleep > in_bed, "TotalMinutesAsleep exceeds TotalTimeInBed")
    efficiency = (100.0 * asleep / in_bed.where(in_bed > 0)).replace([np.inf, -np.inf], np.nan)
    base = frame[["_locator"]].assign(account_id=frame["Id"].str.strip(), day=day)
    values = {"sleep_minutes": asleep, "sleep_efficiency_pct": efficiency}
    return csv_result(table, chk, ["account_id", "day"], base, values, FORMAT, ctx.source_file)

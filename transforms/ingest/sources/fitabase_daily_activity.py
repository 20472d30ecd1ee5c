"""Fitabase ``dailyActivity_merged.csv``: one row per Fitbit account and day.

Columns used: ``Id`` (account), ``ActivityDate``, ``TotalSteps``, ``VeryActiveMinutes``,
``FairlyActiveMinutes``, ``LightlyActiveMinutes``, ``SedentaryMinutes``.
Metrics: ``steps`` = TotalSteps; ``active_minutes`` = VeryActive + FairlyActive (Fitbit's "active
minutes"); ``sedentary_minutes`` = SedentaryMinutes. Dates come as ``4/12/2016 12:00:00 AM`` or, after an
Excel re-save, ``4/12/16``. A repeated (Id, ActivityDate) is quarantined as a duplicate.

Non-wear: Fitabase writes a row for days the tracker was not worn or not synced: no steps at all, or all
1,440 minutes classed sedentary (its minute data are missing, whatever the step count says). Such a row gets
``coverage`` 0 (its values are kept but baselines skip it, so it is not mistaken for real inactivity); other
rows carry no coverage information (NULL).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.ingest.dates import FITABASE_FORMATS
from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings

FORMAT = "fitabase_daily_activity"
SCOPE = "cohort"
ACCOUNT_SOURCE = "fitabase"
REQUIRED = [
    "Id",
    "ActivityDate",
    "TotalSteps",
    "VeryActiveMinutes",
    "FairlyActiveMinutes",
    "LightlyActiveMinutes",
    "SedentaryMinutes",
]
KNOWN_COLUMNS = REQUIRED + [
    "TotalDistance",
    "TrackerDistance",
    "LoggedActivitiesDistance",
    "VeryActiveDistance",
    "ModeratelyActiveDistance",
    "LightActiveDistance",
    "SedentaryActiveDistance",
    "Calories",
]


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, REQUIRED, FORMAT, KNOWN_COLUMNS)
    frame = table.frame
    chk = RecordChecker(frame)
    chk.fail_where(frame["Id"].str.strip() == "", "missing Id")
    day = chk.datetime("ActivityDate", FITABASE_FORMATS)
    steps = chk.number("TotalSteps", lo=0)
    very, fairly = chk.number("VeryActiveMinutes", lo=0, hi=1440), chk.number("FairlyActiveMinutes", lo=0, hi=1440)
    chk.number("LightlyActiveMinutes", lo=0, hi=1440)
    sedentary = chk.number("SedentaryMinutes", lo=0, hi=1440)
    base = frame[["_locator"]].assign(account_id=frame["Id"].str.strip(), day=day)
    values = {"steps": steps, "active_minutes": very + fairly, "sedentary_minutes": sedentary}
    nonwear = (steps == 0) | (sedentary >= 1440)
    coverage = pd.Series(np.where(nonwear, 0.0, np.nan), index=frame.index)
    return csv_result(table, chk, ["account_id", "day"], base, values, FORMAT, ctx.source_file, coverage=coverage)

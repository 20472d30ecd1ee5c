"""Fitabase intraday CSVs (cohort-wide, ``Id`` per row), read in chunks:

| file | columns | becomes |
|---|---|---|
| ``heartrate_seconds_merged.csv`` | Id, Time, Value | heart-rate samples → ``heart_rate_mean_bpm`` and the day's coverage (valid hours: ≥ 30 of 60 minutes with a sample) |
| ``hourlySteps_merged.csv`` | Id, ActivityHour, StepTotal | steps per hour → daily ``steps`` |
| ``minuteSleep_merged.csv`` | Id, date, value, logId | one-minute sleep intervals (1 asleep; 2 restless, 3 awake = in bed awake) → main sleep and naps |
| ``hourlyCalories``, ``hourlyIntensities``, ``minuteCalories``/``minuteIntensities`` (narrow and wide), ``minuteMETsNarrow``, ``dailyCalories`` | Id, ActivityHour / ActivityMinute / ActivityDay, … | no metric of ours: records counted as ignored |
| ``minuteStepsWide``, ``dailySteps``, ``dailyIntensities`` | Id, ActivityHour, Steps00 … / Id, ActivityDay, … | the same values as ``minuteStepsNarrow`` and ``dailyActivity``, which are read: records counted as ignored (read twice, a day's steps would count twice) |

Times: ``4/12/2016 7:21:00 AM`` or the Excel re-save ``4/12/16 7:21``. A line with another number of fields
than the header is quarantined with its line number.

A Parquet copy of any of these tables (same column names; times as timestamps or text) is read too, its
records located as ``row N``.

Each file is read by the fastest reader that gives the same rows (``_fitabase_tables``): a plain file of
``ENGINE_MIN_BYTES`` or more whose every line is clean is read, judged and folded into daily rows by DuckDB
(heart rate and hourly steps: ``_engine_daily``; minute sleep: ``_engine_sleep``); otherwise heart rate and steps go
through Arrow blocks (``_arrow_csv``), a large minute sleep file through blocks of its own (``_sleep_blocks``), and
the rest through the ordinary text-cell rules.
Fitabase's minute-level steps have their own format (``fitabase_minute_steps``), so a landing folder holding both
hourly and minute steps does not count a day's steps twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from transforms.ingest.records import ParseResult
from transforms.ingest.sources import _fitabase_tables

FORMAT = "fitabase_intraday"
SCOPE = "cohort"
ACCOUNT_SOURCE = "fitabase"
READS_PARQUET = True  # a Parquet copy of a table is detected by its column names (sources.detect)
ENGINE_MIN_BYTES = 16 << 20  # files from this size are tried in DuckDB first
PARQUET_ENGINE_MIN_BYTES = 0  # Parquet copies: always (reading it typed is the engine's own format)
LAYOUTS = {  # header start → (time column, value column, metric, kind), or why the table's records are ignored
    "Id,Time,Value": ("Time", "Value", "heart_rate_mean_bpm", "level"),
    "Id,ActivityHour,StepTotal": ("ActivityHour", "StepTotal", "steps", "amount"),
    "Id,date,value,logId": ("date", "value", "sleep", "sleep"),
    "Id,ActivityHour,Calories": "calories: no metric of ours",  # hourly, and minute-level wide (Calories00 …)
    "Id,ActivityHour,TotalIntensity": "intensity: no metric of ours",
    "Id,ActivityHour,Intensity00": "intensity: no metric of ours",
    "Id,ActivityHour,Steps00": "the same minutes as minuteStepsNarrow_merged.csv (fitabase_minute_steps)",
    "Id,ActivityMinute,Calories": "calories: no metric of ours",
    "Id,ActivityMinute,Intensity": "intensity: no metric of ours",
    "Id,ActivityMinute,METs": "METs: no metric of ours",
    "Id,ActivityDay,StepTotal": "the same steps as dailyActivity_merged.csv (fitabase_daily_activity)",
    "Id,ActivityDay,SedentaryMinutes": "the same minutes as dailyActivity_merged.csv (fitabase_daily_activity)",
    "Id,ActivityDay,Calories": "calories: no metric of ours",
}


def detect(name: str, head: str) -> bool:
    return _fitabase_tables.layout_key(head, LAYOUTS) is not None


def parse(source, ctx) -> Iterator[ParseResult]:
    yield from _fitabase_tables.parse(source, ctx, FORMAT, LAYOUTS, (ENGINE_MIN_BYTES, PARQUET_ENGINE_MIN_BYTES))

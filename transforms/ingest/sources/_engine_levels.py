"""Large, clean minute-level heart-rate CSVs (Fitabase ``heartrate_seconds``: Id, Time, Value) read, judged by
the sample rules and folded into daily rows in one multi-threaded DuckDB query on an in-memory connection
(computation only: never the warehouse file).

The query reads the file with typed columns (string id, a time in the format's main spelling, a number) and
groups it by account × clock hour; a Parquet copy of the table (``_parquet_rows``) is read the same way when its
Time column is a timestamp and Value a number:

    hour    = ⌊µs since 1970 / 3.6e9⌋ of the time (NULL when a time is missing)
    n_h     = samples in the hour, and how many have a value          total_h = Σ value
    mask_h  = OR over samples of 2^minute            (the minutes holding a sample, as in transforms.ingest.samples)
    lo_h, hi_h = the extremes of the value

and then, in the same query, by account × day, exactly as ``transforms.ingest.samples.DailyFromSamples`` folds
samples:

    value    = Σ_h total_h / Σ_h n_h                                       over the day's hours h
    coverage = #{h : popcount(mask_h) ≥ valid_hour_min_share × 60} / 24    (ingest.toml)
    n_samples = Σ_h n_h,  locator "aggregate of <n_samples> samples"

with the day's extremes (lowest and highest value, first and last hour) and value count kept for the checks.

The result is used only when *every* row is clean, which the daily extremes and counts decide: each line
has the header's three fields, a non-empty id without surrounding white space or line breaks, a time in the
main spelling between 2000-01-01 and ``today`` + 2 days, and a finite value in the metric's valid range
(metrics.toml) — so no sample rule of ``quality.rules`` would quarantine anything. Otherwise ``daily_levels``
returns None and the caller reads the file the ordinary way, which quarantines each bad line with its line
number and text. Tests: tests/transforms/ingest/sources/test_engine_levels.py (equal to the ordinary path on
clean files, declined on every kind of dirty one, fuzzed).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.records import typed_observations

SAFE_ID = re.compile(r"\A[^\s\x00-\x1f\"]+\Z")  # what a Fitabase Id is: one token, nothing to trim or unquote
EARLIEST = pd.Timestamp("2000-01-01")

_DAILY = """
SELECT CAST(Id AS VARCHAR) AS account_id, hour // 24 AS day, sum(n) AS n, sum(n_value) AS n_value,
       sum(total) AS total, count(*) FILTER (WHERE bit_count(mask) >= $min_minutes) AS valid_hours,
       min(lo) AS lo, max(hi) AS hi, min(hour) AS first_hour, max(hour) AS last_hour
FROM (
    SELECT Id, epoch_us(Time) // 3600000000 AS hour, count(*) AS n, count(Value) AS n_value, sum(Value) AS total,
           bit_or(1::BIGINT << minute(Time)) AS mask, min(Value) AS lo, max(Value) AS hi
    FROM {reader}
    GROUP BY ALL
)
GROUP BY ALL
ORDER BY account_id, day
"""
CSV_READER = """read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                      strict_mode = true, null_padding = false, skip = 0,
                      columns = {'Id': 'VARCHAR', 'Time': 'TIMESTAMP', 'Value': 'DOUBLE'},
                      timestampformat = $time_format)"""
PARQUET_READER = "read_parquet($path)"


def daily_aggregates(path: Path, time_format: str | None, min_minutes: float) -> pd.DataFrame | None:
    """Per account·day: n, n_value, total, valid_hours, lo, hi, first_hour, last_hour (module docstring), or
    None when DuckDB cannot read every line with the typed columns (a ragged line, a time in another spelling,
    a cell that is not a number …). ``time_format`` None: a Parquet file, whose Time column must be a timestamp
    and Value a number."""
    import duckdb

    con = duckdb.connect(config={"threads": max(1, _cores())})
    reader, params = (CSV_READER, {"time_format": time_format}) if time_format else (PARQUET_READER, {})
    try:
        sql = _DAILY.format(reader=reader)
        return con.execute(sql, {"path": str(path), "min_minutes": min_minutes, **params}).df()
    except duckdb.Error:
        return None
    finally:
        con.close()


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def is_clean(days: pd.DataFrame, metric: str, today: dt.date) -> bool:
    """Whether no line would be quarantined (module docstring): checked on the daily extremes and counts."""
    if days.empty:
        return False
    spec = vocabulary.metrics()[metric]
    first, last = (days[c].to_numpy(dtype="float64") for c in ("first_hour", "last_hour"))  # NaN: a missing time
    earliest, latest = (int(pd.Timestamp(d).value // 3_600_000_000_000) for d in (EARLIEST, today + dt.timedelta(2)))
    lo, hi = days["lo"].to_numpy(dtype="float64"), days["hi"].to_numpy(dtype="float64")
    return bool(
        (days["n_value"].to_numpy() == days["n"].to_numpy()).all()
        and days["account_id"].notna().all()
        and all(SAFE_ID.match(i) for i in days["account_id"].drop_duplicates())
        and np.isfinite(first).all()
        and (first >= earliest).all()  # both bounds fall on whole hours: the hour decides
        and (last < latest).all()
        and np.isfinite(lo).all()
        and np.isfinite(hi).all()  # DuckDB orders NaN above every number: a NaN shows in the maximum
        and (lo >= spec.valid_min).all()
        and (hi <= spec.valid_max).all()
    )


def daily_levels(
    path: Path, time_format: str | None, metric: str, source: str, source_file: str, today: dt.date | None = None
) -> tuple[pd.DataFrame, int] | None:
    """(daily observations with ``account_id``, records read) for a clean file; None when any record is not
    clean (module docstring). ``time_format`` None: a Parquet copy of the table (typed Time and Value)."""
    min_minutes = vocabulary.ingest_rules().valid_hour_min_share * 60
    days = daily_aggregates(path, time_format, min_minutes)
    if days is None or not is_clean(days, metric, today or dt.date.today()):
        return None
    n = days["n"].to_numpy(dtype="int64")
    frame = pd.DataFrame(
        {
            "account_id": days["account_id"].astype("string"),
            "day": (days["day"].to_numpy(dtype="int64") * 86400).astype("datetime64[s]"),
            "metric": metric,
            "value": days["total"].to_numpy(dtype="float64") / n,
            "coverage": days["valid_hours"].to_numpy(dtype="float64") / 24,
            "locator": pd.Series(n.astype(str), dtype="object").radd("aggregate of ").add(" samples").to_numpy(),
            "n_samples": n,
        }
    )
    return typed_observations(frame, source, source_file), int(n.sum())

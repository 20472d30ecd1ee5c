"""Large, clean minute-level heart-rate CSVs (Fitabase ``heartrate_seconds``: Id, Time, Value) read, judged by
the sample rules and folded into daily rows in one multi-threaded DuckDB query on an in-memory connection
(computation only: never the warehouse file).

The query reads the file with typed columns (string id, a time in the format's main spelling, a number) and
groups it by account × clock hour:

    hour    = ⌊µs since 1970 / 3.6e9⌋ of the time (NULL when a time is missing)
    n_h     = samples in the hour, and how many have a value          total_h = Σ value
    mask_h  = OR over samples of 2^minute            (the minutes holding a sample, as in transforms.ingest.samples)
    lo_h, hi_h = the extremes of the value

From those few rows per participant·day, exactly as ``transforms.ingest.samples.DailyFromSamples`` makes them:

    value    = Σ_h total_h / Σ_h n_h                                       over the day's hours h
    coverage = #{h : popcount(mask_h) ≥ valid_hour_min_share × 60} / 24    (ingest.toml)
    n_samples = Σ_h n_h,  locator "aggregate of <n_samples> samples"

The result is used only when *every* row is clean, which the hourly extremes and counts decide: each line
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

_HOURLY = """
SELECT Id AS account_id, epoch_us(Time) // 3600000000 AS hour, count(*) AS n, count(Value) AS n_value,
       sum(Value) AS total, bit_or(1::BIGINT << minute(Time)) AS mask, min(Value) AS lo, max(Value) AS hi
FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
              strict_mode = true, null_padding = false, skip = 0,
              columns = {'Id': 'VARCHAR', 'Time': 'TIMESTAMP', 'Value': 'DOUBLE'},
              timestampformat = $time_format)
GROUP BY ALL
"""


def hourly(path: Path, time_format: str) -> pd.DataFrame | None:
    """The per account·hour aggregates of the module docstring, or None when DuckDB cannot read every line
    with the typed columns (a ragged line, a time in another spelling, a cell that is not a number …)."""
    import duckdb

    con = duckdb.connect(config={"threads": max(1, _cores())})
    try:
        return con.execute(_HOURLY, {"path": str(path), "time_format": time_format}).df()
    except duckdb.Error:
        return None
    finally:
        con.close()


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def is_clean(hours: pd.DataFrame, metric: str, today: dt.date) -> bool:
    """Whether no line would be quarantined (module docstring): checked on the hourly extremes and counts."""
    if hours.empty:
        return False
    spec = vocabulary.metrics()[metric]
    hour = hours["hour"].to_numpy(dtype="float64")  # both bounds fall on whole hours: the hour decides
    earliest, latest = (int(pd.Timestamp(d).value // 3_600_000_000_000) for d in (EARLIEST, today + dt.timedelta(2)))
    lo, hi = hours["lo"].to_numpy(dtype="float64"), hours["hi"].to_numpy(dtype="float64")
    ids = hours["account_id"].drop_duplicates()
    return bool(
        (hours["n_value"].to_numpy() == hours["n"].to_numpy()).all()
        and hours["account_id"].notna().all()
        and all(SAFE_ID.match(i) for i in ids)
        and np.isfinite(hour).all()
        and (hour >= earliest).all()
        and (hour < latest).all()
        and np.isfinite(lo).all()
        and np.isfinite(hi).all()  # DuckDB orders NaN above every number: a NaN shows in the maximum
        and (lo >= spec.valid_min).all()
        and (hi <= spec.valid_max).all()
    )


def daily_levels(
    path: Path, time_format: str, metric: str, source: str, source_file: str, today: dt.date | None = None
) -> tuple[pd.DataFrame, int] | None:
    """(daily observations with ``account_id``, lines read) for a clean file; None when any line is not
    clean (module docstring)."""
    hours = hourly(path, time_format)
    today = today or dt.date.today()
    if hours is None or not is_clean(hours, metric, today):
        return None
    rules = vocabulary.ingest_rules()
    minutes = np.bitwise_count(hours["mask"].to_numpy(dtype="int64").astype(np.uint64))
    hours = hours.assign(
        day=hours["hour"].to_numpy(dtype="int64") // 24,
        valid=minutes >= rules.valid_hour_min_share * 60,
    )
    days = hours.groupby(["account_id", "day"], sort=True).agg(
        total=("total", "sum"), n=("n", "sum"), valid=("valid", "sum")
    )
    days = days.reset_index()
    n = days["n"].to_numpy(dtype="int64")
    frame = pd.DataFrame(
        {
            "account_id": days["account_id"].astype("string"),
            "day": (days["day"].to_numpy(dtype="int64") * 86400).astype("datetime64[s]"),
            "metric": metric,
            "value": days["total"].to_numpy(dtype="float64") / n,
            "coverage": days["valid"].to_numpy(dtype="float64") / 24,
            "locator": pd.Series(n.astype(str), dtype="object").radd("aggregate of ").add(" samples").to_numpy(),
            "n_samples": n,
        }
    )
    return typed_observations(frame, source, source_file), int(n.sum())

"""Large, clean minute-level Fitabase CSVs of a level or an amount (``heartrate_seconds``: Id, Time, Value;
``minuteStepsNarrow``: Id, ActivityMinute, Steps) read, judged by the sample rules and folded into daily rows in
one multi-threaded DuckDB query on an in-memory connection (computation only: never the warehouse file).

The query reads the file with typed columns (string id, a time in the format's main spelling, a number; any
other column as text) and groups it by account × clock hour; a Parquet copy of the table (``_parquet_rows``) is
read the same way when its time column is a timestamp and its value a number:

    hour    = ⌊µs since 1970 / 3.6e9⌋ of the time (NULL when a time is missing)
    n_h     = samples in the hour, and how many have a value          total_h = Σ value
    mask_h  = OR over samples of 2^minute            (heart rate only: the minutes holding a sample, as in
                                                       transforms.ingest.samples)
    lo_h, hi_h = the extremes of the value

and then, in the same query, by account × day, exactly as ``transforms.ingest.samples.DailyFromSamples`` folds
samples:

    level:  value = Σ_h total_h / Σ_h n_h                                   over the day's hours h
            coverage = #{h : popcount(mask_h) ≥ valid_hour_min_share × 60} / 24   (heart rate; others NULL)
    amount: value = Σ_h total_h,  coverage NULL
    n_samples = Σ_h n_h,  locator "aggregate of <n_samples> samples"

with the day's extremes (lowest and highest value, first and last hour) and value count kept for the checks.

The result is used only when *every* row is clean, which the daily extremes and counts decide: each line
has the header's fields, a non-empty id without surrounding white space or line breaks, a time in the
main spelling between 2000-01-01 and ``today`` + 2 days, and a finite value in the metric's valid range
(metrics.toml) — so no sample rule of ``quality.rules`` would quarantine anything — and every daily row would
pass the observation rules (``passes_observation_rules``: the ordinary path folds its rows after those rules,
so a day's total steps over the metric's range must not be judged here). Otherwise ``daily_rows`` returns None
and the caller reads the file the ordinary way, which quarantines each bad line with its line number and text.
Tests: tests/transforms/ingest/sources/test_engine_daily.py (equal to the ordinary path on clean files,
declined on every kind of dirty one, fuzzed).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.records import typed_observations
from transforms.machine import usable_cores

SAFE_ID = re.compile(r"\A[^\s\x00-\x1f\"]+\Z")  # what a Fitabase Id is: one token, nothing to trim or unquote
SAFE_COLUMN = re.compile(r"\A[A-Za-z][A-Za-z0-9_]*\Z")  # layout names only ever (never a file's own header)
EARLIEST = pd.Timestamp("2000-01-01")
HEART_RATE = "heart_rate_mean_bpm"
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER")
NUMERIC_TYPES += ("UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")
TIME_TYPES = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE")

_DAILY = """
SELECT CAST(Id AS VARCHAR) AS account_id, hour // 24 AS day, sum(n) AS n, sum(n_value) AS n_value,
       sum(total) AS total, count(*) FILTER (WHERE bit_count(mask) >= $min_minutes) AS valid_hours,
       min(lo) AS lo, max(hi) AS hi, min(hour) AS first_hour, max(hour) AS last_hour
FROM (
    SELECT Id, epoch_us(t) // 3600000000 AS hour, count(*) AS n, count(v) AS n_value,
           sum(v) AS total, {mask} AS mask, min(v) AS lo, max(v) AS hi
    FROM ({rows})
    GROUP BY ALL
)
GROUP BY ALL
ORDER BY account_id, day
"""
MINUTE_MASK = "bit_or(1::BIGINT << minute(t))"


def connect():
    """A cursor on this process's in-memory DuckDB database, which uses every core the process may run on (the
    database is opened once per process, never shared across a fork: opening one costs about as much as summing
    a small file). Close it after use."""
    global _DATABASE
    if _DATABASE is None or _DATABASE[0] != os.getpid():
        import duckdb

        _DATABASE = (os.getpid(), duckdb.connect(config={"threads": usable_cores()}))
    return _DATABASE[1].cursor()


_DATABASE = None  # (process id, connection)


def typed_rows(con, path: Path, time_format: str | None, names: list[str], time_col: str, value_col: str):
    """(SQL of the rows ``Id, t, v`` of the file, its parameters); None for a Parquet file whose time column is not
    a timestamp or whose value is not a number. ``time_format`` None: a Parquet copy of the table. The CSV is read
    strictly (every line holds the header's fields; the header is not re-read) with the time in ``time_format``
    and the value as DOUBLE; other columns stay text."""
    assert all(SAFE_COLUMN.match(n) for n in names) and {"Id", time_col, value_col} <= set(names)
    picked = f'SELECT Id, "{time_col}" AS t, CAST("{value_col}" AS DOUBLE) AS v FROM '
    if time_format is None:
        described = con.execute("SELECT * FROM read_parquet($path) LIMIT 0", {"path": str(path)}).description
        types = {name: str(kind) for name, kind, *_ in described}
        kinds = (types.get(time_col, ""), types.get(value_col, ""))
        if kinds[0] not in TIME_TYPES or kinds[1].split("(")[0] not in NUMERIC_TYPES:
            return None
        return picked + "read_parquet($path)", {"path": str(path)}
    columns = ", ".join(
        f"'{n}': '{'TIMESTAMP' if n == time_col else 'DOUBLE' if n == value_col else 'VARCHAR'}'" for n in names
    )
    reader = f"""read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                          strict_mode = true, null_padding = false, skip = 0, columns = {{{columns}}},
                          timestampformat = $time_format)"""
    return picked + reader, {"path": str(path), "time_format": time_format}


def daily_aggregates(
    path: Path, time_format: str | None, names: list[str], time_col: str, value_col: str, coverage: bool
) -> pd.DataFrame | None:
    """Per account·day: n, n_value, total, valid_hours, lo, hi, first_hour, last_hour (module docstring), or
    None when DuckDB cannot read every line with the typed columns (a ragged line, a time in another spelling,
    a cell that is not a number …)."""
    import duckdb

    con = connect()
    try:
        rows = typed_rows(con, path, time_format, names, time_col, value_col)
        if rows is None:
            return None
        sql = _DAILY.format(rows=rows[0], mask=MINUTE_MASK if coverage else "0::BIGINT")
        min_minutes = vocabulary.ingest_rules().valid_hour_min_share * 60
        return con.execute(sql, {**rows[1], "min_minutes": min_minutes}).df()
    except duckdb.Error:
        return None
    finally:
        con.close()


def count_records(path: Path, n_fields: int) -> int | None:
    """The number of data lines of a CSV whose every line holds ``n_fields`` fields (DuckDB's strict reader, every
    column as text, blank lines skipped as the ordinary reader skips them); None when any line does not."""
    import duckdb

    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_fields))
    sql = f"""SELECT count(*) FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"',
                  escape = '"', strict_mode = true, null_padding = false, skip = 0, columns = {{{columns}}})"""
    con = connect()
    try:
        return int(con.execute(sql, {"path": str(path)}).fetchone()[0])
    except duckdb.Error:
        return None
    finally:
        con.close()


def hour_bounds(today: dt.date) -> tuple[int, int]:
    """The sample rules' time bounds in hours since 1970: [2000-01-01, today + 2 days). Both fall on whole hours,
    so a sample's hour decides."""
    return tuple(int(pd.Timestamp(d).value // 3_600_000_000_000) for d in (EARLIEST, today + dt.timedelta(2)))


def safe_ids(ids: pd.Series) -> bool:
    return bool(ids.notna().all() and all(SAFE_ID.match(i) for i in ids.drop_duplicates()))


def is_clean(days: pd.DataFrame, metric: str, today: dt.date) -> bool:
    """Whether no line would be quarantined (module docstring): checked on the daily extremes and counts."""
    if days.empty:
        return False
    spec = vocabulary.metrics()[metric]
    first, last = (days[c].to_numpy(dtype="float64") for c in ("first_hour", "last_hour"))  # NaN: a missing time
    earliest, latest = hour_bounds(today)
    lo, hi = days["lo"].to_numpy(dtype="float64"), days["hi"].to_numpy(dtype="float64")
    return bool(
        (days["n_value"].to_numpy() == days["n"].to_numpy()).all()
        and safe_ids(days["account_id"])
        and np.isfinite(first).all()
        and (first >= earliest).all()
        and (last < latest).all()
        and np.isfinite(lo).all()
        and np.isfinite(hi).all()  # DuckDB orders NaN above every number: a NaN shows in the maximum
        and (lo >= spec.valid_min).all()
        and (hi <= spec.valid_max).all()
    )


def passes_observation_rules(rows: pd.DataFrame, today: dt.date) -> bool:
    """Whether every daily row (metric, day, value) is one quality.rules' observation rules accept: a finite
    value in its metric's range, on a day from 2000-01-01 to ``today`` + 1 day."""
    specs = vocabulary.metrics()
    value = rows["value"].to_numpy(dtype="float64")
    lo = rows["metric"].map({m: s.valid_min for m, s in specs.items()}).to_numpy(dtype="float64")
    hi = rows["metric"].map({m: s.valid_max for m, s in specs.items()}).to_numpy(dtype="float64")
    day = rows["day"].to_numpy().astype("datetime64[s]")
    latest = np.datetime64(pd.Timestamp(today) + pd.Timedelta(days=1), "s")
    return bool(
        np.isfinite(value).all()
        and (value >= lo).all()
        and (value <= hi).all()
        and (day <= latest).all()
        and (day >= np.datetime64(EARLIEST, "s")).all()
    )


def daily_rows(
    path: Path,
    time_format: str | None,
    layout: tuple[list[str], str, str, str, str],
    source: str,
    source_file: str,
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, int] | None:
    """(daily observations with ``account_id``, records read) for a clean file; None when any record is not
    clean (module docstring). ``layout``: (the file's column names, time column, value column, metric, kind
    "level" or "amount"); ``time_format`` None: a Parquet copy of the table (typed time and value)."""
    names, time_col, value_col, metric, kind = layout
    today = today or dt.date.today()
    days = daily_aggregates(path, time_format, names, time_col, value_col, coverage=metric == HEART_RATE)
    if days is None or not is_clean(days, metric, today):
        return None
    n = days["n"].to_numpy(dtype="int64")
    total = days["total"].to_numpy(dtype="float64")
    frame = pd.DataFrame(
        {
            "account_id": days["account_id"].astype("string"),
            "day": (days["day"].to_numpy(dtype="int64") * 86400).astype("datetime64[s]"),
            "metric": metric,
            "value": total / n if kind == "level" else total,
            "coverage": days["valid_hours"].to_numpy(dtype="float64") / 24 if metric == HEART_RATE else np.nan,
            "locator": pd.Series(n.astype(str), dtype="object").radd("aggregate of ").add(" samples").to_numpy(),
            "n_samples": n,
        }
    )
    if not passes_observation_rules(frame, today):
        return None
    return typed_observations(frame, source, source_file), int(n.sum())

"""Large, clean Fitabase ``minuteSleep`` files (Id, date, value, logId: one line per minute, value 1 asleep, 2
restless, 3 awake) read typed by DuckDB on an in-memory connection (multi-threaded), judged on whole columns and
joined into sleep sessions in numpy; the sessions then become daily rows by the same code as every other sleep
source (``transforms.ingest.samples.sleep_observations``).

Each line is the interval [s, e) with s its time in whole seconds and e = s + 60, asleep when value = 1 (the
ordinary reader's samples: ``fitabase_intraday``). Per account, in order of s, exactly as
``transforms.ingest.samples.sleep_sessions`` does for one source without UTC offsets:

    prev_end_i   = max_{j before i} e_j  = s_{i−1} + 60           (every interval lasts 60 s)
    new session  ⇔ i is the account's first or s_i > prev_end_i + session_gap_minutes × 60
    asleep       = Σ over asleep intervals of max(0, e_i − max(s_i, covered_i)) / 60
                 = Σ min(60, s_i − s_{previous asleep}) / 60 minutes    (the union of asleep minutes; 60 for the
                   session's first, whose previous asleep interval, if any, ended over a gap before)
    session      = [first s, last s + 60), its interval count and asleep minutes

Lines are taken in file order when each account's lines are together and in order of time (as Fitabase writes
them), else sorted by account and time (ties have equal ends, so their order does not matter).
One file is one source, so no interval of another source can widen a session (the in-bed widening is empty).
The daily rows are used only when the file is clean: every line holds the header's four fields, a safe id
(``_engine_daily.SAFE_ID``), a time in the main spelling from 2000-01-01 to before ``today`` + 2 days and a value
of 1, 2 or 3, and every daily row passes the observation rules. Otherwise ``daily_sleep`` returns None and the
file is read line by line, quarantining each bad line with its number and text. Tests:
tests/transforms/ingest/sources/test_engine_sleep.py (equal to the ordinary path on clean files, declined on
every kind of dirty one, fuzzed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.records import typed_observations
from transforms.ingest.samples import sleep_observations
from transforms.ingest.sources._engine_daily import (
    connect,
    hour_bounds,
    passes_observation_rules,
    safe_ids,
    typed_rows,
)

SLEEP_VALUES = [1, 2, 3]  # 1 asleep; 2 restless, 3 awake (in bed awake)

_INTERVALS = """
SELECT CAST(Id AS VARCHAR) AS account_id, epoch_us(t) // 1000000 AS s, v FROM ({rows})
"""


def sessions(path: Path, time_format: str | None, names: list[str], time_col: str, value_col: str, today: dt.date):
    """(sessions with asleep minutes > 0, lines read) of a clean file (module docstring); None when DuckDB cannot
    read every line typed or any line would be quarantined."""
    import duckdb

    con = connect()
    try:
        rows = typed_rows(con, path, time_format, names, time_col, value_col)
        if rows is None:
            return None
        table = con.sql(_INTERVALS.format(rows=rows[0]), params=rows[1]).to_arrow_table()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return _clean_sessions(table, today)


def _clean_sessions(table, today: dt.date):
    """The sessions of the intervals in ``table`` (account_id, s, v), or None when a line is not clean."""
    import pyarrow.compute as pc

    n = table.num_rows
    if not n or any(table.column(c).null_count for c in ("account_id", "s", "v")):
        return None
    seconds = table.column("s").to_numpy()
    value = table.column("v").to_numpy()
    earliest, latest = (h * 3600 for h in hour_bounds(today))
    if seconds.min() < earliest or seconds.max() >= latest or not np.isin(value, SLEEP_VALUES).all():
        return None
    accounts = pc.dictionary_encode(table.column("account_id")).combine_chunks()
    labels = pd.Series(accounts.dictionary.to_pandas(), dtype="string")
    if not safe_ids(labels):
        return None
    code = accounts.indices.to_numpy()
    gap = vocabulary.ingest_rules().session_gap_minutes * 60
    return session_table(code, seconds, value == 1, gap, labels), n


def session_table(code: np.ndarray, seconds: np.ndarray, asleep: np.ndarray, gap: int, labels: pd.Series):
    """Sessions of one-minute intervals (module docstring) per account ``code``: account_id, start_s, end_s,
    intervals, asleep (minutes), only those with asleep minutes, in order of account and start (one compiled
    pass: ``_sleep_kernel``)."""
    from transforms.ingest.sources import _sleep_kernel

    if not _sleep_kernel.in_account_order(code, seconds, len(labels)):
        order = np.lexsort((seconds, code))
        code, seconds, asleep = code[order], seconds[order], asleep[order]
    owner, start, end, intervals, minutes = _sleep_kernel.sessions(code, seconds, asleep, gap)
    keep = minutes > 0
    return pd.DataFrame(
        {
            "account_id": labels.to_numpy()[owner[keep]],
            "start_s": start[keep],
            "end_s": end[keep],
            "intervals": intervals[keep],
            "asleep": minutes[keep],
        }
    )


def daily_sleep(
    path: Path,
    time_format: str | None,
    layout: tuple[list[str], str, str, str, str],
    source: str,
    source_file: str,
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, int] | None:
    """(daily sleep observations with ``account_id``, lines read) for a clean file; None otherwise (module
    docstring). ``layout``: (the file's column names, time column, value column, metric, kind)."""
    names, time_col, value_col, _metric, _kind = layout
    today = today or dt.date.today()
    found = sessions(path, time_format, names, time_col, value_col, today)
    if found is None:
        return None
    table, n = found
    start = table["start_s"].to_numpy(dtype="int64").astype("datetime64[s]").astype("datetime64[ns]")
    end = table["end_s"].to_numpy(dtype="int64").astype("datetime64[s]").astype("datetime64[ns]")
    frame = pd.DataFrame(
        {
            "participant_id": table["account_id"].astype("string"),
            "source_rank": np.int64(0),
            "abs_start": start,
            "abs_end": end,
            "local_end": end,
            "end_offset": np.nan,
            "intervals": table["intervals"].to_numpy(dtype="int64"),
            "asleep": table["asleep"].to_numpy(dtype="float64"),
        }
    )
    rows = sleep_observations(frame, pd.DataFrame(), vocabulary.ingest_rules())
    if rows.empty or not passes_observation_rules(rows, today):
        return None
    rows = rows.rename(columns={"participant_id": "account_id"})
    return typed_observations(rows, source, source_file), n

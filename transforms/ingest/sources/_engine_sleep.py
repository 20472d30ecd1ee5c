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

The rows stream from DuckDB in batches of ``BATCH_ROWS`` through one vectorised pass (``_sleep_kernel``), so
memory follows the batch, not the file. They are taken in file order when each account's lines are together and in
order of time (as Fitabase writes them), else streamed again sorted by account and time by DuckDB (ties have
equal ends, so their order does not matter).
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
    SAFE_ID,
    connect,
    hour_bounds,
    passes_observation_rules,
    typed_rows,
)

SLEEP_VALUES = [1, 2, 3]  # minuteSleep: 1 asleep; 2 restless, 3 awake (in bed awake); both readers judge by it

_INTERVALS = """
SELECT CAST(Id AS VARCHAR) AS account_id, epoch_us(t) // 1000000 AS s, v FROM ({rows})
"""


BATCH_ROWS = 1 << 20  # rows per Arrow batch: memory follows the batch, not the file


def sessions(path: Path, time_format: str | None, names: list[str], time_col: str, value_col: str, today: dt.date):
    """(sessions with asleep minutes > 0, lines read) of a clean file (module docstring); None when DuckDB cannot
    read every line typed or any line would be quarantined. The rows stream from DuckDB in file order; a file
    whose accounts are not each together and in order of time is streamed again, sorted by DuckDB."""
    import duckdb

    con = connect()
    try:
        rows = typed_rows(con, path, time_format, names, time_col, value_col)
        if rows is None:
            return None
        sql = _INTERVALS.format(rows=rows[0])
        for query in (sql, sql + " ORDER BY account_id, s"):
            reader = con.sql(query, params=rows[1]).to_arrow_reader(BATCH_ROWS)
            found = _fold(reader, today)
            reader.close()  # an open reader holds the connection
            if found is not False:
                return found
        return None
    except (duckdb.Error, OSError):  # a line DuckDB cannot read, met while streaming, arrives as Arrow's IOError
        return None
    finally:
        con.close()


class SessionFold:
    """The sessions of one file's one-minute intervals, fed in file order a batch at a time (module docstring):
    account ids are coded in order of first appearance, each batch folded by ``_sleep_kernel.fold_batch``, the
    sessions kept (one row each), the rows not."""

    def __init__(self, today: dt.date):
        from transforms.ingest.sources import _sleep_kernel

        self.earliest, self.latest = (h * 3600 for h in hour_bounds(today))
        self.gap = vocabulary.ingest_rules().session_gap_minutes * 60
        self.carry = _sleep_kernel.Carry()
        self.seen = np.zeros(1024, dtype=np.bool_)
        self.codes: dict[str, int] = {}  # account id → code, in order of first appearance
        self.parts: list[_sleep_kernel.Batch] = []
        self.rows = 0

    def in_bounds(self, seconds: np.ndarray) -> np.ndarray:
        """Which start times (seconds since 1970) the sample rules accept: from 2000-01-01 to before today + 2
        days."""
        return (seconds >= self.earliest) & (seconds < self.latest)

    def add(self, accounts, seconds: np.ndarray, asleep: np.ndarray) -> bool:
        """Fold one batch (``accounts`` a pyarrow string array); False when an account's rows are not together or
        not in order of time, counting the batches before."""
        import pyarrow.compute as pc

        from transforms.ingest.sources import _sleep_kernel

        if not len(seconds):
            return True
        encoded = pc.dictionary_encode(accounts)
        labels = encoded.dictionary.to_pylist()
        for label in labels:
            self.codes.setdefault(label, len(self.codes))
        if len(self.codes) > len(self.seen):
            self.seen = np.concatenate([self.seen, np.zeros(2 * len(self.codes), dtype=np.bool_)])
        code = np.array([self.codes[label] for label in labels], dtype=np.int64)[encoded.indices.to_numpy()]
        folded = _sleep_kernel.fold_batch(code, seconds, asleep, self.gap, self.carry, self.seen)
        if folded is None:
            return False
        if folded.head_intervals:  # rows continuing the previous batch's last session
            last = self.parts[-1]
            last.intervals[-1] += folded.head_intervals
            last.minutes[-1] += folded.head_minutes
            last.end[-1] = folded.head_end
        if len(folded.owner):
            self.parts.append(folded)
        self.rows += len(seconds)
        return True

    def sessions(self) -> pd.DataFrame:
        """account_id, start_s, end_s, intervals, asleep (minutes) of the sessions with an asleep minute."""
        owner, start, end, intervals, minutes = (
            np.concatenate([getattr(p, name) for p in self.parts]) if self.parts else np.zeros(0, dtype=np.int64)
            for name in ("owner", "start", "end", "intervals", "minutes")
        )
        keep = minutes > 0
        account_ids = np.array(list(self.codes), dtype=object)
        return pd.DataFrame(
            {
                "account_id": account_ids[owner[keep]],
                "start_s": start[keep],
                "end_s": end[keep],
                "intervals": intervals[keep],
                "asleep": minutes[keep],
            }
        )


def _fold(batches, today: dt.date):
    """The sessions of a stream of (account_id, s, v) batches: (table, lines) when clean and in account order,
    None when a line is not clean, False when the rows are not in account order (``_sleep_kernel.fold_batch``)."""
    fold = SessionFold(today)
    for batch in batches:
        if not batch.num_rows:
            continue
        if any(column.null_count for column in batch.columns):
            return None
        seconds = batch.column("s").to_numpy()
        value = batch.column("v").to_numpy()
        if not fold.in_bounds(seconds).all() or not np.isin(value, SLEEP_VALUES).all():
            return None
        known = len(fold.codes)
        if not fold.add(batch.column("account_id"), seconds, value == 1):
            return False
        if not all(SAFE_ID.match(label) for label in list(fold.codes)[known:]):
            return None
    if not fold.rows:
        return None
    return fold.sessions(), fold.rows


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
    rows = daily_rows(found[0], source, source_file, today)
    return None if rows is None else (rows, found[1])


def daily_rows(table: pd.DataFrame, source: str, source_file: str, today: dt.date) -> pd.DataFrame | None:
    """Daily sleep observations (with ``account_id``) of ``SessionFold.sessions``, by the code every sleep source
    uses; None when a daily row would break an observation rule (the ordinary path then judges the file)."""
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
    return typed_observations(rows, source, source_file)

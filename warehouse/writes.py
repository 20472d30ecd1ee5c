"""Idempotent writes. Each replaces a well-defined slice (a day range of a table, or every row that came
from a set of landing files) inside one transaction, so re-running anything never duplicates rows."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import warnings
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from warehouse import tables
from warehouse.connection import registered, sql, transaction

if TYPE_CHECKING:
    from warehouse.storage import Warehouse

if TYPE_CHECKING:
    from warehouse.storage import Warehouse


def replace_days(
    wh: Warehouse, table: tables.Table, frame: pd.DataFrame, start: dt.date, end: dt.date, keep_days=()
) -> int:
    """Delete ``table``'s rows for days start … end, except ``keep_days`` (blocked partitions keep their
    earlier rows), and insert ``frame`` (which must lie in that range and avoid ``keep_days``), in one
    transaction. Returns the number of rows inserted."""
    return replace_days_from_chunks(wh, table, [frame], start, end, keep_days)


def replace_days_from_chunks(
    wh: Warehouse, table: tables.Table, frames: Iterable[pd.DataFrame], start: dt.date, end: dt.date, keep_days=()
) -> int:
    """``replace_days`` with the new rows arriving as an iterable of frames (e.g. computed a chunk of
    participants at a time, so a large range never sits in memory at once): one delete, one insert per
    frame, one transaction. An exception from the iterable rolls the whole range back."""
    keep = days_frame(list(keep_days))

    def checked(frame):
        days = pd.to_datetime(frame[table.day_column])
        if days.min() < pd.Timestamp(start) or days.max() > pd.Timestamp(end):
            raise ValueError(f"{table.name}: rows outside the partition range {start} … {end}")
        if days.isin(keep["day"]).any():
            raise ValueError(f"{table.name}: rows on blocked days")
        return frame

    return wh.replace_days(table, (checked(f) for f in frames if len(f)), start, end, keep)


def replace_blocked_days(wh: Warehouse, asset: str, start: dt.date, end: dt.date, blocked: pd.DataFrame) -> None:
    """Make ``quality.blocked_partitions`` hold exactly ``blocked`` (day, reason, run_id, blocked_at) for
    ``asset`` within start … end."""
    wh.replace_blocked_days(asset, start, end, blocked)


FILE_ROW_TABLES = ("staging.observations", "staging.questionnaire_responses", "quality.quarantine")


@dataclass
class FileRows:
    """What one landing file adds to the tables of ``FILE_ROW_TABLES``, in that order."""

    observations: pd.DataFrame
    responses: pd.DataFrame
    rejects: pd.DataFrame

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return self.observations, self.responses, self.rejects


class FileRowsStage:
    """The rows of a batch of landing files on their way into the warehouse, so that no file's rows can abort
    the transaction that writes the others.

    Rows are first inserted into connection-local temporary tables with the target tables' columns, types and
    NOT NULL constraints (:meth:`add`): a whole batch at once, or, when that is refused, file by file, each file
    all-or-nothing, so a refused file is named and only its rows stay out. :meth:`commit` then replaces the
    batch's files in the warehouse from rows that have already met every constraint, in one transaction (in a
    lake: one partition per file, the file records last)."""

    def __init__(self, wh: Warehouse):
        self.wh, self.conn = wh, wh.conn
        conn = wh.conn
        batch = uuid.uuid4().hex[:8]
        self.names = {table: f"file_rows_{batch}_{table.replace('.', '_')}" for table in FILE_ROW_TABLES}
        catalog = wh.catalog
        for table, name in self.names.items():
            schema, bare = table.split(".")
            columns = conn.execute(
                "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE database_name = ? AND "
                "schema_name = ? AND table_name = ? ORDER BY column_index",
                [catalog, schema, bare],
            ).fetchall()
            ddl = ", ".join(f'"{c}" {t}{"" if nullable else " NOT NULL"}' for c, t, nullable in columns)
            conn.execute(f"CREATE TEMP TABLE {name} ({ddl})")

    def add(self, files: list[FileRows]) -> dict[int, str]:
        """Stage the rows of ``files``; returns, by position in ``files``, why a file's rows were refused (those
        files' rows are not staged; every other file's are)."""

        def joined(frames):
            present = [f for f in frames if len(f)]
            if len(present) < 2:
                return (present or frames)[0]
            with warnings.catch_warnings():  # all-NA columns (observed_at of daily files): dtypes are the schema's
                warnings.simplefilter("ignore", FutureWarning)
                return pd.concat(present, ignore_index=True)

        try:
            self._insert([joined(frames) for frames in zip(*(f.frames() for f in files))] if files else [])
            return {}
        except Exception:  # a constraint, a cast, a frame DuckDB cannot scan: find the files responsible
            refused = {}
            for position, rows in enumerate(files):
                try:
                    self._insert(rows.frames())
                except Exception as exc:
                    refused[position] = self._message(exc)
            return refused

    def _insert(self, frames) -> None:
        with transaction(self.conn):
            for name, frame in zip(self.names.values(), frames):
                if len(frame):
                    with registered(self.conn, "incoming_file_rows", frame):
                        self.conn.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming_file_rows")

    def _message(self, exc: Exception) -> str:
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        for table, name in self.names.items():
            text = text.replace(name, table)
        return text[:300]

    def commit(self, files: pd.DataFrame) -> list[dt.date]:
        """Make the warehouse hold exactly the staged rows of the paths in ``files`` (their ops.ingested_files
        records): every staging and quarantine row from those paths is deleted, their earlier versions in
        ops.ingested_files are marked ``superseded``, the staged rows and the file records inserted, and every
        day the change touched (the staged rows' days and those of the replaced rows) recorded in
        ops.pending_changed_days (``take_pending_changed_days``) and ops.days_to_recompute (cleared by
        ``forget_recomputed_days``), with the days that moved into or out of a data span. Returns the days that
        held rows of the replaced versions and those span days (they need recomputing even when no new row
        falls on them)."""
        return self.wh.commit_file_rows(self, files)

    def series_spans_before(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The participant·metrics the batch touches, and their data spans before it is written. The days
        whose place inside or outside a span changes (a later file extends a span across a gap, a removed file
        shortens it) get or lose rows where no observation changed, so they are recomputed too
        (``span_change_days`` of these spans and ``spans_now``)."""
        staged = self.names["staging.observations"]
        touched = self.conn.execute(sql("touched_series").format(staged=staged)).df()
        return touched, self.spans_now(touched)

    def spans_now(self, touched: pd.DataFrame) -> pd.DataFrame:
        """The data spans of the ``touched`` participant·metrics as the warehouse holds them now."""
        with registered(self.conn, "touched_series", touched):
            return self.conn.execute(sql("touched_series_spans")).df()

    def groups_sql(self, prefix: str) -> str:
        """The participant·source groups the batch touches: its staged rows' and the replaced versions'."""
        staged = " UNION ".join(
            f"SELECT DISTINCT participant_id, source FROM {name}"
            for table, name in self.names.items()
            if table != "quality.quarantine"
        )
        return (
            f"{prefix}SELECT participant_id, source FROM ({staged} UNION "
            f"SELECT DISTINCT participant_id, source FROM ({sql('file_row_groups')}))"
        )

    def changed_days_sql(self, prefix: str) -> str:
        staged = " UNION ".join(
            f"SELECT DISTINCT day FROM {name} WHERE day IS NOT NULL"
            for table, name in self.names.items()
            if table != "quality.quarantine"
        )
        return f"{prefix}SELECT day FROM ({staged} UNION SELECT day FROM removed_days)"

    def drop(self) -> None:
        for name in self.names.values():
            self.conn.execute(f"DROP TABLE IF EXISTS {name}")


def days_frame(days: list[dt.date]) -> pd.DataFrame:
    """``days`` as a one-column frame ``day`` of DuckDB dates."""
    return pd.DataFrame({"day": pd.to_datetime(pd.Series(days, dtype="object")).astype("datetime64[s]")})


DUPLICATE_REASON = "(reason LIKE 'duplicate of file %' OR reason LIKE 'conflicting duplicate of file %')"


def refresh_duplicates(wh: Warehouse, ingested_at: pd.Timestamp) -> int:
    """Bring the duplicate records of the participant·source groups whose files changed
    (ops.duplicates_pending) up to date: their quarantine rows (``duplicate of file <path> (<locator>)``,
    rebuilt for every file of those groups) and their files' counts (``rows_duplicate``, moved from accepted to
    quarantined). The records that count are chosen when they are read (counted_observations.sql); this keeps
    what the quarantine and ops.ingested_files say in step. Returns the duplicate records listed."""
    conn = wh.conn
    if not conn.execute("SELECT count(*) FROM ops.duplicates_pending").fetchone()[0]:
        return 0
    conn.execute(f"CREATE OR REPLACE TEMP TABLE duplicates AS {sql('duplicate_records')}")
    conn.execute(f"CREATE OR REPLACE TEMP TABLE affected_paths AS {sql('duplicate_affected_paths')}")
    new_rows = (
        "SELECT source_file, locator, source_format, reason, '' AS raw, ?::TIMESTAMP AS ingested_at FROM duplicates"
    )
    try:
        n = conn.execute("SELECT count(*) FROM duplicates").fetchone()[0]
        wh.replace_duplicate_records(new_rows, [ingested_at], DUPLICATE_REASON)
        return n
    finally:
        for name in ("duplicates", "affected_paths", "recounted"):
            conn.execute(f"DROP TABLE IF EXISTS {name}")


def span_change_days(before: pd.DataFrame, after: pd.DataFrame) -> list[dt.date]:
    """The days inside one of a series' spans (participant_id, metric, first_day, last_day) ``before`` and
    ``after`` but not the other: for a series in both, the days between the two last days and between the two
    first days; for a series in one only, its whole span."""
    keys = ["participant_id", "metric"]
    both = before.merge(after, on=keys, how="outer", suffixes=("_b", "_a"))
    fb, lb, fa, la = (
        pd.to_datetime(both[c]).to_numpy(dtype="datetime64[D]")
        for c in ("first_day_b", "last_day_b", "first_day_a", "last_day_a")
    )
    one = np.timedelta64(1, "D")
    in_both = ~np.isnat(fb) & ~np.isnat(fa)
    lo = np.concatenate(
        [np.minimum(lb, la)[in_both] + one, np.minimum(fb, fa)[in_both], fb[np.isnat(fa)], fa[np.isnat(fb)]]
    )
    hi = np.concatenate(
        [np.maximum(lb, la)[in_both], np.maximum(fb, fa)[in_both] - one, lb[np.isnat(fa)], la[np.isnat(fb)]]
    )
    n = np.maximum((hi - lo).astype("int64") + 1, 0)
    if not n.sum():
        return []
    starts = np.repeat(lo, n)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    days = np.unique(starts + offsets.astype("timedelta64[D]"))
    return [d.item() for d in days]


def take_pending_changed_days(wh: Warehouse) -> set[dt.date]:
    """The days ingestions changed that no ingestion has reported yet (also those of a run killed after its
    commit), and forget them: the caller reports them to the daily assets."""
    days = {
        pd.Timestamp(row[0]).date()
        for row in wh.conn.execute("SELECT DISTINCT day FROM ops.pending_changed_days").fetchall()
    }
    wh.delete_rows("ops.pending_changed_days")
    return days


def days_to_recompute(conn: duckdb.DuckDBPyConnection) -> set[dt.date]:
    """The days ingestions changed whose recomputation has not completed yet (a daily run that failed or was
    never started, e.g. after a sensor-only ingestion): ``forget_recomputed_days`` clears them."""
    return {
        pd.Timestamp(row[0]).date() for row in conn.execute("SELECT DISTINCT day FROM ops.days_to_recompute").fetchall()
    }


def record_data_span(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[dt.date | None, dt.date | None]:
    """Write the first and last day with data to ``path`` (JSON, replaced atomically), for the definitions to
    read without opening the warehouse (pipelines.settings.partitions_start). Returns them."""
    first, last = conn.execute(sql("data_day_range")).fetchone()
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"first_day": first and str(first), "last_day": last and str(last)}))
    tmp.replace(path)
    return first, last


def forget_recomputed_days(wh: Warehouse, start: dt.date, end: dt.date, follow_days: int) -> int:
    """After a run recomputed start … end, forget the changed days c it brought up to date: c within the range
    and either c + ``follow_days`` (the later days whose windows read c) within it too, or the range reaching
    the last day with data (no row exists after it, METHODS.md "Which rows exist"). Returns how many."""
    conn = wh.conn
    last = conn.execute(sql("data_day_range")).fetchone()[1]
    done = "day BETWEEN ?::DATE AND ?::DATE AND (day + ?::INTEGER <= ?::DATE OR ?::DATE >= ?::DATE)"
    params = [start, end, follow_days, end, end, last or end]
    n = conn.execute(f"SELECT count(DISTINCT day) FROM ops.days_to_recompute WHERE {done}", params).fetchone()[0]
    if not n:
        return 0
    wh.delete_rows("ops.days_to_recompute", done, params)
    return n


@contextmanager
def file_rows_stage(wh: Warehouse):
    stage = FileRowsStage(wh)
    try:
        yield stage
    finally:
        stage.drop()


def append_check_results(wh: Warehouse, results: pd.DataFrame) -> None:
    """Record check outcomes (a history: each run appends its results)."""
    if len(results):
        wh.append_check_results(results)


def replace_table(wh: Warehouse, table: tables.Table, frame: pd.DataFrame) -> int:
    """Replace every row of ``table`` with ``frame`` in one transaction (small summary tables)."""
    return wh.replace_table(table, frame)


def replace_episodes(wh: Warehouse, frame: pd.DataFrame) -> int:
    """Make analytics.episodes hold ``frame`` for the series in ``episode_candidates`` and clear the day ranges
    that selected them, in one transaction (on a lake, where every flagged series is a candidate, the whole
    table is replaced)."""
    return wh.replace_episodes(frame)

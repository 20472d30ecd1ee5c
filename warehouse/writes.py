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

import duckdb
import numpy as np
import pandas as pd

from warehouse import lake, tables
from warehouse.connection import registered, sql, transaction


def replace_days(
    conn: duckdb.DuckDBPyConnection,
    table: tables.Table,
    frame: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    keep_days=(),
) -> int:
    """Delete ``table``'s rows for days start … end, except ``keep_days`` (blocked partitions keep their
    earlier rows), and insert ``frame`` (which must lie in that range and avoid ``keep_days``), in one
    transaction. Returns the number of rows inserted."""
    return replace_days_from_chunks(conn, table, [frame], start, end, keep_days)


def replace_days_from_chunks(
    conn: duckdb.DuckDBPyConnection,
    table: tables.Table,
    frames: Iterable[pd.DataFrame],
    start: dt.date,
    end: dt.date,
    keep_days=(),
) -> int:
    """``replace_days`` with the new rows arriving as an iterable of frames (e.g. computed a chunk of
    participants at a time, so a large range never sits in memory at once): one delete, one insert per
    frame, one transaction. An exception from the iterable rolls the whole range back."""
    keep = pd.DataFrame({"day": pd.to_datetime(pd.Series(list(keep_days), dtype="object")).astype("datetime64[s]")})

    def checked(frame):
        days = pd.to_datetime(frame[table.day_column])
        if days.min() < pd.Timestamp(start) or days.max() > pd.Timestamp(end):
            raise ValueError(f"{table.name}: rows outside the partition range {start} … {end}")
        if days.isin(keep["day"]).any():
            raise ValueError(f"{table.name}: rows on blocked days")
        return frame

    n = 0
    if lake.root_of(conn):
        with lake.staged(conn, table.name) as stage:
            for frame in frames:
                if len(frame):
                    with registered(conn, "incoming", checked(frame)):
                        stage.add("SELECT * FROM incoming")
            return stage.replace(lake.days(start, end, keep_days))
    with transaction(conn), registered(conn, "kept_days", keep):
        conn.execute(table.delete_days_except_sql, [start, end])
        conn.execute("INSERT INTO ops.publish_pending VALUES (?, ?, ?)", [table.name, start, end])
        for summary in tables.SUMMARIES_READING.get(table.name, ()):
            conn.execute("INSERT INTO ops.summary_pending VALUES (?, ?, ?)", [summary, start, end])
        for frame in frames:
            if not len(frame):
                continue
            with registered(conn, "incoming", checked(frame)):
                conn.execute(table.insert_frame_sql)
            n += len(frame)
    return n


def replace_blocked_days(
    conn: duckdb.DuckDBPyConnection, asset: str, start: dt.date, end: dt.date, blocked: pd.DataFrame
) -> None:
    """Make ``quality.blocked_partitions`` hold exactly ``blocked`` (day, reason, run_id, blocked_at) for
    ``asset`` within start … end."""
    if lake.root_of(conn):
        with (
            lake.staged(conn, "quality.blocked_partitions") as stage,
            registered(conn, "incoming_blocked", blocked.assign(asset=asset)),
        ):
            stage.add("SELECT * FROM incoming_blocked")
            stage.replace((asset, day) for (day,) in lake.days(start, end))
        return
    with transaction(conn), registered(conn, "incoming_blocked", blocked.assign(asset=asset)):
        conn.execute(sql("delete_blocked_days"), [asset, start, end])
        if len(blocked):
            conn.execute(sql("insert_blocked_days"))


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

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        batch = uuid.uuid4().hex[:8]
        self.names = {table: f"file_rows_{batch}_{table.replace('.', '_')}" for table in FILE_ROW_TABLES}
        catalog = lake.DDL if lake.root_of(conn) else conn.execute("SELECT current_database()").fetchone()[0]
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
        if lake.root_of(self.conn):
            return self._commit_to_lake(files)
        conn = self.conn
        with transaction(conn), registered(conn, "incoming_files", files[["path"]]):
            removed_days = [row[0] for row in conn.execute(sql("days_of_file_rows")).fetchall()]
            touched, spans_before = self._series_spans_before()
            conn.execute(self._groups_sql("INSERT INTO ops.duplicates_pending "))
            conn.execute(sql("delete_file_rows"))
            for table, name in self.names.items():
                conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
            if len(files):
                with registered(conn, "incoming_file_rows", files):
                    conn.execute("INSERT INTO ops.ingested_files BY NAME SELECT * FROM incoming_file_rows")
            spans_after = self._spans_now(touched)
            removed_days += span_change_days(spans_before, spans_after)
            with registered(conn, "touched_series", touched), registered(conn, "touched_spans", spans_after):
                conn.execute(
                    "DELETE FROM ops.series_spans s USING touched_series t "
                    "WHERE s.participant_id = t.participant_id AND s.metric = t.metric"
                )
                conn.execute("INSERT INTO ops.series_spans BY NAME SELECT * FROM touched_spans")
            with registered(conn, "removed_days", _days_frame(removed_days)):
                conn.execute(self._changed_days_sql("INSERT INTO ops.pending_changed_days "))
                conn.execute(self._changed_days_sql("INSERT INTO ops.days_to_recompute "))
        return removed_days

    def _series_spans_before(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The participant·metrics the batch touches, and their data spans before it is written. The days
        whose place inside or outside a span changes (a later file extends a span across a gap, a removed file
        shortens it) get or lose rows where no observation changed, so they are recomputed too
        (``span_change_days`` of these spans and ``_spans_now``)."""
        staged = self.names["staging.observations"]
        touched = self.conn.execute(sql("touched_series").format(staged=staged)).df()
        return touched, self._spans_now(touched)

    def _spans_now(self, touched: pd.DataFrame) -> pd.DataFrame:
        """The data spans of the ``touched`` participant·metrics as the warehouse holds them now."""
        with registered(self.conn, "touched_series", touched):
            return self.conn.execute(sql("touched_series_spans")).df()

    def _groups_sql(self, prefix: str) -> str:
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

    def _changed_days_sql(self, prefix: str) -> str:
        staged = " UNION ".join(
            f"SELECT DISTINCT day FROM {name} WHERE day IS NOT NULL"
            for table, name in self.names.items()
            if table != "quality.quarantine"
        )
        return f"{prefix}SELECT day FROM ({staged} UNION SELECT day FROM removed_days)"

    def _commit_to_lake(self, files: pd.DataFrame) -> list[dt.date]:
        """Each file's rows are one partition per table, replaced by rename, the file records last: a crash
        midway leaves those files unrecorded, so the next ingestion replaces them again."""
        conn = self.conn
        keys = lake.file_keys(conn, files)
        with registered(conn, "incoming_files", files[["path"]]):
            removed_days = [row[0] for row in conn.execute(sql("days_of_file_rows")).fetchall()]
            touched, spans_before = self._series_spans_before()
            with lake.staged(conn, "ops.duplicates_pending") as stage:
                stage.add("SELECT * FROM ops.duplicates_pending")
                stage.add(self._groups_sql(""))
                stage.whole()
            for table, name in self.names.items():
                with lake.staged(conn, table) as stage:
                    stage.add(f"SELECT * FROM {name}")
                    stage.replace(keys)
            spans_after = self._spans_now(touched)
            removed_days += span_change_days(spans_before, spans_after)
            with (
                lake.staged(conn, "ops.series_spans") as stage,
                registered(conn, "touched_series", touched),
                registered(conn, "touched_spans", spans_after),
            ):
                stage.add(
                    "SELECT * FROM ops.series_spans s ANTI JOIN touched_series t "
                    "ON s.participant_id = t.participant_id AND s.metric = t.metric"
                )
                stage.add("SELECT * FROM touched_spans")
                stage.whole()
            with registered(conn, "removed_days", _days_frame(removed_days)):
                for table in ("ops.pending_changed_days", "ops.days_to_recompute"):
                    with lake.staged(conn, table) as stage:
                        stage.add(f"SELECT day FROM {table}")
                        stage.add(self._changed_days_sql(""))
                        stage.whole()
            with lake.staged(conn, "ops.ingested_files") as stage, registered(conn, "incoming_file_rows", files):
                # earlier versions stay, marked superseded
                stage.add(
                    "SELECT * REPLACE ('superseded' AS status) FROM ops.ingested_files "
                    "WHERE path IN (SELECT path FROM incoming_files)"
                )
                if len(files):
                    stage.add("SELECT * FROM incoming_file_rows")
                stage.replace(keys)
        return removed_days

    def drop(self) -> None:
        for name in self.names.values():
            self.conn.execute(f"DROP TABLE IF EXISTS {name}")


def _days_frame(days: list[dt.date]) -> pd.DataFrame:
    """``days`` as a one-column frame ``day`` of DuckDB dates."""
    return pd.DataFrame({"day": pd.to_datetime(pd.Series(days, dtype="object")).astype("datetime64[s]")})


DUPLICATE_REASON = "(reason LIKE 'duplicate of file %' OR reason LIKE 'conflicting duplicate of file %')"


def refresh_duplicates(conn: duckdb.DuckDBPyConnection, ingested_at: pd.Timestamp) -> int:
    """Bring the duplicate records of the participant·source groups whose files changed
    (ops.duplicates_pending) up to date: their quarantine rows (``duplicate of file <path> (<locator>)``,
    rebuilt for every file of those groups) and their files' counts (``rows_duplicate``, moved from accepted to
    quarantined). The records that count are chosen when they are read (counted_observations.sql); this keeps
    what the quarantine and ops.ingested_files say in step. Returns the duplicate records listed."""
    if not conn.execute("SELECT count(*) FROM ops.duplicates_pending").fetchone()[0]:
        return 0
    conn.execute(f"CREATE OR REPLACE TEMP TABLE duplicates AS {sql('duplicate_records')}")
    conn.execute(f"CREATE OR REPLACE TEMP TABLE affected_paths AS {sql('duplicate_affected_paths')}")
    new_rows = (
        "SELECT source_file, locator, source_format, reason, '' AS raw, ?::TIMESTAMP AS ingested_at FROM duplicates"
    )
    try:
        n = conn.execute("SELECT count(*) FROM duplicates").fetchone()[0]
        if lake.root_of(conn):
            keys = lake.file_keys(conn, conn.execute("SELECT path FROM affected_paths").df())
            with lake.staged(conn, "quality.quarantine") as stage:
                stage.add(
                    "SELECT * FROM quality.quarantine WHERE split_part(source_file, '//', 1) IN "
                    f"(SELECT path FROM affected_paths) AND NOT {DUPLICATE_REASON}"
                )
                stage.add(new_rows, [ingested_at])
                stage.replace(keys)
            with lake.staged(conn, "ops.ingested_files") as stage:
                stage.add(
                    "SELECT * FROM ops.ingested_files WHERE path IN (SELECT path FROM affected_paths) "
                    "AND status <> 'ingested'"
                )
                stage.add(sql("duplicate_counts"))
                stage.replace(keys)
            with lake.staged(conn, "ops.duplicates_pending") as stage:
                stage.whole()
            return n
        with transaction(conn):
            conn.execute(
                "DELETE FROM quality.quarantine WHERE split_part(source_file, '//', 1) IN "
                f"(SELECT path FROM affected_paths) AND {DUPLICATE_REASON}"
            )
            conn.execute(f"INSERT INTO quality.quarantine BY NAME {new_rows}", [ingested_at])
            conn.execute("CREATE OR REPLACE TEMP TABLE recounted AS " + sql("duplicate_counts"))
            conn.execute(
                "DELETE FROM ops.ingested_files WHERE path IN (SELECT path FROM recounted) AND status = 'ingested'"
            )
            conn.execute("INSERT INTO ops.ingested_files BY NAME SELECT * FROM recounted")
            conn.execute("DELETE FROM ops.duplicates_pending")
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


def take_pending_changed_days(conn: duckdb.DuckDBPyConnection) -> set[dt.date]:
    """The days ingestions changed that no ingestion has reported yet (also those of a run killed after its
    commit), and forget them: the caller reports them to the daily assets."""
    days = {
        pd.Timestamp(row[0]).date()
        for row in conn.execute("SELECT DISTINCT day FROM ops.pending_changed_days").fetchall()
    }
    if lake.root_of(conn):
        with lake.staged(conn, "ops.pending_changed_days") as stage:
            stage.whole()
    else:
        conn.execute("DELETE FROM ops.pending_changed_days")
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


def forget_recomputed_days(conn: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, follow_days: int) -> int:
    """After a run recomputed start … end, forget the changed days c it brought up to date: c within the range
    and either c + ``follow_days`` (the later days whose windows read c) within it too, or the range reaching
    the last day with data (no row exists after it, METHODS.md "Which rows exist"). Returns how many."""
    last = conn.execute(sql("data_day_range")).fetchone()[1]
    done = "day BETWEEN ?::DATE AND ?::DATE AND (day + ?::INTEGER <= ?::DATE OR ?::DATE >= ?::DATE)"
    params = [start, end, follow_days, end, end, last or end]
    n = conn.execute(f"SELECT count(DISTINCT day) FROM ops.days_to_recompute WHERE {done}", params).fetchone()[0]
    if not n:
        return 0
    if lake.root_of(conn):
        with lake.staged(conn, "ops.days_to_recompute") as stage:
            stage.add(f"SELECT day FROM ops.days_to_recompute WHERE NOT ({done})", params)
            stage.whole()
    else:
        conn.execute(f"DELETE FROM ops.days_to_recompute WHERE {done}", params)
    return n


@contextmanager
def file_rows_stage(conn: duckdb.DuckDBPyConnection):
    stage = FileRowsStage(conn)
    try:
        yield stage
    finally:
        stage.drop()


def append_check_results(conn: duckdb.DuckDBPyConnection, results: pd.DataFrame) -> None:
    """Record check outcomes (a history: each run appends its results)."""
    if len(results) and lake.root_of(conn):
        with lake.staged(conn, "quality.check_results") as stage, registered(conn, "incoming_checks", results):
            stage.add("SELECT * FROM incoming_checks")
            stage.append()
    elif len(results):
        with transaction(conn), registered(conn, "incoming_checks", results):
            conn.execute("INSERT INTO quality.check_results BY NAME SELECT * FROM incoming_checks")


def replace_table(conn: duckdb.DuckDBPyConnection, table: tables.Table, frame: pd.DataFrame) -> int:
    """Replace every row of ``table`` with ``frame`` in one transaction (small summary tables)."""
    if lake.root_of(conn):
        with lake.staged(conn, table.name) as stage, registered(conn, "incoming", frame):
            if len(frame):
                stage.add("SELECT * FROM incoming")
            return stage.whole()
    with transaction(conn), registered(conn, "incoming", frame):
        conn.execute(table.delete_all_sql)
        if len(frame):
            conn.execute(table.insert_all_sql)
    return len(frame)


def replace_episodes(conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Make analytics.episodes hold ``frame`` for the series in ``episode_candidates`` and clear the day ranges
    that selected them, in one transaction (on a lake, where every flagged series is a candidate, the whole
    table is replaced)."""
    if lake.root_of(conn):
        return replace_table(conn, tables.EPISODES, frame)
    with transaction(conn), registered(conn, "incoming", frame):
        conn.execute(
            f"DELETE FROM {tables.EPISODES.name} e USING episode_candidates c "
            "WHERE e.participant_id = c.participant_id AND e.metric = c.metric"
        )
        if len(frame):
            conn.execute(tables.EPISODES.insert_all_sql)
        conn.execute("DELETE FROM ops.summary_pending WHERE summary = 'episodes'")
    return len(frame)

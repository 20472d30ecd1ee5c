"""The embedded profile's warehouse: one DuckDB file (``$WELLNESS_HOME/warehouse.duckdb``), written by one
process at a time (warehouse/lock.py), every replacement one transaction.

Implements the :class:`warehouse.storage.Warehouse` interface; the Parquet lake (warehouse/lake.py) is the
other implementation. Only warehouse.storage chooses between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import publish, quality_report, tables
from warehouse.connection import registered, sql, transaction
from warehouse.writes import days_frame, span_change_days


class DuckDBFileWarehouse:
    """The warehouse file, open for writing through ``conn``."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        self.catalog = conn.execute("SELECT current_database()").fetchone()[0]

    def replace_days(
        self, table: tables.Table, frames: Iterable[pd.DataFrame], start: dt.date, end: dt.date, keep: pd.DataFrame
    ) -> int:
        conn, n = self.conn, 0
        with transaction(conn), registered(conn, "kept_days", keep):
            conn.execute(table.delete_days_except_sql, [start, end])
            conn.execute("INSERT INTO ops.publish_pending VALUES (?, ?, ?)", [table.name, start, end])
            for summary in tables.SUMMARIES_READING.get(table.name, ()):
                conn.execute("INSERT INTO ops.summary_pending VALUES (?, ?, ?)", [summary, start, end])
            for frame in frames:
                if not len(frame):
                    continue
                with registered(conn, "incoming", frame):
                    conn.execute(table.insert_frame_sql)
                n += len(frame)
        return n

    def replace_blocked_days(self, asset: str, start: dt.date, end: dt.date, blocked: pd.DataFrame) -> None:
        conn = self.conn
        with transaction(conn), registered(conn, "incoming_blocked", blocked.assign(asset=asset)):
            conn.execute(sql("delete_blocked_days"), [asset, start, end])
            if len(blocked):
                conn.execute(sql("insert_blocked_days"))

    def commit_file_rows(self, stage, files: pd.DataFrame) -> list[dt.date]:
        """``writes.FileRowsStage.commit`` in one transaction: every row of the batch's paths replaced, the file
        records inserted with them."""
        conn = self.conn
        with transaction(conn), registered(conn, "incoming_files", files[["path"]]):
            removed_days = [row[0] for row in conn.execute(sql("days_of_file_rows")).fetchall()]
            touched, spans_before = stage.series_spans_before()
            conn.execute(stage.groups_sql("INSERT INTO ops.duplicates_pending "))
            conn.execute(sql("delete_file_rows"))
            for table, name in stage.names.items():
                conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
            if len(files):
                with registered(conn, "incoming_file_rows", files):
                    conn.execute("INSERT INTO ops.ingested_files BY NAME SELECT * FROM incoming_file_rows")
            spans_after = stage.spans_now(touched)
            removed_days += span_change_days(spans_before, spans_after)
            with registered(conn, "touched_series", touched), registered(conn, "touched_spans", spans_after):
                conn.execute(
                    "DELETE FROM ops.series_spans s USING touched_series t "
                    "WHERE s.participant_id = t.participant_id AND s.metric = t.metric"
                )
                conn.execute("INSERT INTO ops.series_spans BY NAME SELECT * FROM touched_spans")
            with registered(conn, "removed_days", days_frame(removed_days)):
                conn.execute(stage.changed_days_sql("INSERT INTO ops.pending_changed_days "))
                conn.execute(stage.changed_days_sql("INSERT INTO ops.days_to_recompute "))
        return removed_days

    def replace_duplicate_records(self, new_rows: str, params: list, reason: str) -> None:
        """The quarantine rows of the files in ``affected_paths`` whose reason matches the condition ``reason``
        replaced by ``new_rows``, those files' counts by duplicate_counts.sql; ops.duplicates_pending
        emptied."""
        conn = self.conn
        with transaction(conn):
            conn.execute(
                "DELETE FROM quality.quarantine WHERE split_part(source_file, '//', 1) IN "
                f"(SELECT path FROM affected_paths) AND ({reason})"
            )
            conn.execute(f"INSERT INTO quality.quarantine BY NAME {new_rows}", params)
            conn.execute("CREATE OR REPLACE TEMP TABLE recounted AS " + sql("duplicate_counts"))
            conn.execute(
                "DELETE FROM ops.ingested_files WHERE path IN (SELECT path FROM recounted) AND status = 'ingested'"
            )
            conn.execute("INSERT INTO ops.ingested_files BY NAME SELECT * FROM recounted")
            conn.execute("DELETE FROM ops.duplicates_pending")

    def delete_rows(self, table: str, where: str = "true", params: list | tuple = ()) -> None:
        self.conn.execute(f"DELETE FROM {table} WHERE {where}", list(params))

    def append_check_results(self, results: pd.DataFrame) -> None:
        conn = self.conn
        with transaction(conn), registered(conn, "incoming_checks", results):
            conn.execute("INSERT INTO quality.check_results BY NAME SELECT * FROM incoming_checks")

    def replace_table(self, table: tables.Table, frame: pd.DataFrame) -> int:
        conn = self.conn
        with transaction(conn), registered(conn, "incoming", frame):
            conn.execute(table.delete_all_sql)
            if len(frame):
                conn.execute(table.insert_all_sql)
        return len(frame)

    def episode_candidates_sql(self) -> tuple[str, str]:
        """The series the day ranges rewritten since the last episode update can change (the file records
        those ranges in ops.summary_pending)."""
        return sql("episode_candidates_affected"), "changed"

    def replace_episodes(self, frame: pd.DataFrame) -> int:
        conn = self.conn
        with transaction(conn), registered(conn, "incoming", frame):
            conn.execute(
                f"DELETE FROM {tables.EPISODES.name} e USING episode_candidates c "
                "WHERE e.participant_id = c.participant_id AND e.metric = c.metric"
            )
            if len(frame):
                conn.execute(tables.EPISODES.insert_all_sql)
            conn.execute("DELETE FROM ops.summary_pending WHERE summary = 'episodes'")
        return len(frame)

    def refresh_participant_coverage(self, min_coverage: float) -> None:
        """Only the months holding days that runs rewrote since the last refresh (``ops.summary_pending``)
        are recomputed into ``ops.coverage_months``, all of them when there are none yet or they were counted
        with another ``min_coverage``; the table is then summed from the months."""
        conn = self.conn
        with transaction(conn):
            stale = conn.execute(
                "SELECT count(*) = 0 OR bool_or(min_coverage <> ?) FROM ops.coverage_months", [min_coverage]
            ).fetchone()[0]
            if stale:
                span = quality_report.ALL_DAYS
            else:
                span = conn.execute(
                    "SELECT min(first_day), max(last_day) FROM ops.summary_pending "
                    "WHERE summary = 'participant_coverage'"
                ).fetchone()
            if span[0] is not None:
                conn.execute(
                    "DELETE FROM ops.coverage_months WHERE month BETWEEN date_trunc('month', CAST(? AS DATE)) "
                    "AND date_trunc('month', CAST(? AS DATE))",
                    list(span),
                )
                conn.execute(
                    "INSERT INTO ops.coverage_months BY NAME " + sql("coverage_months"), [*span, *[min_coverage] * 3]
                )
                conn.execute("DELETE FROM ops.summary_pending WHERE summary = 'participant_coverage'")
            conn.execute(
                "CREATE OR REPLACE TABLE quality.participant_coverage AS "
                + quality_report.coverage_from("SELECT * FROM ops.coverage_months")
            )

    def publish(self, target: Path) -> dict[str, int]:
        return publish.publish_generation(self.conn, target)

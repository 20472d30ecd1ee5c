"""Parquet lake storage: the scale-out profile's warehouse (docs/deploy.md).

With many workers, DuckDB's single writer cannot be shared, so every table lives as Parquet files under
``$WELLNESS_LAKE_ROOT`` in a hive layout, one file per partition::

    <root>/analytics/drift/day=2025-03-09/data.parquet
    <root>/quality/blocked_partitions/asset=drift/day=2025-03-09/data.parquet
    <root>/staging/observations/file=<16 hex of sha256(landing path)>/data.parquet
    <root>/analytics/episodes/data.parquet                 (whole-table)
    <root>/quality/check_results/part-<uuid>.parquet        (append-only history)
    <root>/<schema>/<table>/_schema-<hash>.parquet          (no rows: the DDL's columns and types)

A step opens an in-memory DuckDB (:func:`connect`) in which every warehouse table is a view over its files
(``read_parquet(<table>/**/*.parquet, union_by_name)``), so the warehouse's SQL reads run unchanged. Writes
replace whole partitions: the partition's rows are copied from a staging table with the DDL's types to
``<root>/_tmp/<uuid>.parquet`` and renamed over the partition's file (``rename(2)``: readers see the old or
the new file, never a half-written one); a partition left without rows loses its file. Steps writing
different partitions never touch the same file, so any number of workers write at once.
:class:`LakeWarehouse` implements the :class:`warehouse.storage.Warehouse` interface that every write goes
through (the DuckDB file, warehouse/embedded.py, is the other); only warehouse.storage chooses between them,
so asset code is the same in both profiles.

Not atomic across partitions: a step killed midway leaves some of its days new and some old. Every write is
a replacement, so re-running the step (a run retry, or the backfill's re-execution) converges to the same
files.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from transforms import catalogue
from warehouse.connection import DEFAULT_MEMORY_LIMIT, registered, sql, sql_string
from warehouse.publish import publish_rebuilt
from warehouse.quality_report import ALL_DAYS, coverage_from
from warehouse.schema import daily_wide_sql, schema_sql
from warehouse.tables import EPISODES
from warehouse.writes import days_frame, span_change_days

DDL = "lake_ddl"  # the attached in-memory catalog holding the DDL's (empty) tables
FILE_KEY = "left(sha256(split_part({column}, '//', 1)), 16)"  # zip members belong to their archive's file
APPEND = "append"


def _layout(spec) -> tuple | str:
    """(directory key, SQL expression) per partition level, "append", or () for one whole-table file."""
    if spec.lake == "whole":
        return ()
    if spec.lake == APPEND:
        return APPEND
    return tuple((key, FILE_KEY.format(column=column) if key == "file" else column) for key, column in spec.lake)


# table → partition columns, each (directory key, SQL expression over the table's columns), from the catalogue's
# ``lake`` entries; tables declared "local" are bookkeeping of one process and have no files
LAYOUT: dict[str, tuple | str] = {
    spec.qualified: _layout(spec) for spec in catalogue.tables().values() if spec.lake != "local"
}


@contextmanager
def connect(root: str | Path, memory_limit: str = DEFAULT_MEMORY_LIMIT):
    """The lake at ``root`` (created if new) as a :class:`LakeWarehouse`: an in-memory DuckDB whose warehouse
    tables are views over its files."""
    root = Path(root).resolve()
    conn = duckdb.connect()
    try:
        conn.execute("SET memory_limit = ?", [memory_limit])
        conn.execute(f"ATTACH ':memory:' AS {DDL}")
        conn.execute(f"USE {DDL}")
        conn.execute(schema_sql())
        conn.execute("USE memory")
        for schema, table in ddl_tables(conn):
            name = f"{schema}.{table}"
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{schema}")
            if name in LAYOUT:
                _ensure_schema_file(conn, root, name)
                source = (
                    f"read_parquet('{sql_string(table_dir(root, name))}/**/*.parquet', union_by_name = true, "
                    f"hive_partitioning = false)"
                )
            else:  # bookkeeping of the embedded file (publish_pending, warehouse_identity): local only
                source = f"{DDL}.{name}"
            conn.execute(f"CREATE VIEW memory.{name} AS SELECT * FROM {source}")
        conn.execute(f"CREATE VIEW memory.analytics.daily_wide AS {daily_wide_sql('memory.analytics.daily_metrics')}")
        yield LakeWarehouse(conn, root)
    finally:
        conn.close()


def ddl_tables(conn) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY schema_name, table_name",
        [DDL],
    ).fetchall()


def table_dir(root: Path, table: str) -> Path:
    schema, name = table.split(".")
    return root / schema / name


def _ensure_schema_file(conn, root: Path, table: str) -> None:
    """A row-less file with the DDL's columns: the view has the right types before any data arrives (and
    still reads when every partition is gone). Renamed when the DDL changes."""
    columns = conn.execute(f"DESCRIBE {DDL}.{table}").fetchall()
    digest = hashlib.sha256(repr(columns).encode()).hexdigest()[:12]
    directory = table_dir(root, table)
    path = directory / f"_schema-{digest}.parquet"
    if path.exists():
        return
    _copy_to(conn, f"SELECT * FROM {DDL}.{table}", [], root, path)
    for old in directory.glob("_schema-*.parquet"):
        if old != path:
            old.unlink(missing_ok=True)


def _copy_to(conn, query: str, params: list, root: Path, path: Path) -> None:
    """Write ``query``'s rows to ``path`` as Parquet: a temporary file first, then one rename."""
    tmp_dir = root / "_tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{uuid.uuid4().hex}.parquet"
    try:
        conn.execute(f"COPY ({query}) TO '{sql_string(tmp)}' (FORMAT parquet, COMPRESSION zstd)", params)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class Staged:
    """New rows of one table, gathered (with the DDL's types, exactly as an INSERT BY NAME into the embedded
    file would type them) before :meth:`replace` writes them out partition by partition."""

    def __init__(self, conn, root: Path, table: str):
        self.conn, self.root, self.table, self.layout = conn, root, table, LAYOUT[table]
        self.name = f"lake_stage_{uuid.uuid4().hex[:8]}"
        parts = "" if self.layout == APPEND else "".join(f", NULL::VARCHAR AS _p{i}" for i in range(len(self.layout)))
        conn.execute(f"CREATE TEMP TABLE {self.name} AS SELECT *{parts} FROM {DDL}.{table} LIMIT 0")

    def add(self, source: str, params: Iterable = ()) -> None:
        """Append the rows of the SELECT ``source`` (columns matched by name). The DDL's NOT NULL columns are
        enforced as an INSERT into the embedded file would (a staging table made by CREATE … AS has none)."""
        self.conn.execute(f"INSERT INTO {self.name} BY NAME {source}", list(params))
        required = [
            r[0]
            for r in self.conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                "AND table_name = ? AND NOT is_nullable",
                [DDL, *self.table.split(".")],
            ).fetchall()
        ]
        if required:
            nulls = self.conn.execute(
                f"SELECT {', '.join(f'count(*) FILTER ({c} IS NULL)' for c in required)} FROM {self.name}"
            ).fetchall()[0]
            missing = [c for c, n in zip(required, nulls) if n]
            if missing:
                raise duckdb.ConstraintException(f"{self.table}: NOT NULL constraint failed on {', '.join(missing)}")

    def replace(self, partitions: Iterable[tuple]) -> int:
        """Make each partition in ``partitions`` (tuples of directory values, e.g. ``("2025-03-09",)``) hold
        exactly the staged rows that belong to it. Staged rows outside them are an error. Returns the rows
        written."""
        layout, conn = self.layout, self.conn
        if layout:
            assign = ", ".join(f"_p{i} = CAST({expr} AS VARCHAR)" for i, (_, expr) in enumerate(layout))
            conn.execute(f"UPDATE {self.name} SET {assign}")
        present = (
            {
                tuple(r[:-1]): r[-1]
                for r in conn.execute(
                    f"SELECT {''.join(f'_p{i}, ' for i in range(len(layout)))} count(*) FROM {self.name} GROUP BY ALL"
                ).fetchall()
            }
            if layout
            else {}
        )
        wanted = {tuple(str(v) for v in p) for p in partitions}
        stray = set(present) - wanted
        if stray:
            raise ValueError(f"{self.table}: rows outside the partitions being replaced, e.g. {sorted(stray)[0]}")
        columns = ", ".join(f"_p{i}" for i in range(len(layout)))
        n = 0
        for values in sorted(wanted):
            path = table_dir(self.root, self.table).joinpath(
                *(f"{key}={value}" for (key, _), value in zip(layout, values)), "data.parquet"
            )
            if values in present:
                where = " AND ".join(f"_p{i} = ?" for i in range(len(layout))) or "true"
                _copy_to(
                    conn,
                    f"SELECT * EXCLUDE ({columns}) FROM {self.name} WHERE {where}"
                    if layout
                    else f"SELECT * FROM {self.name}",
                    list(values),
                    self.root,
                    path,
                )
                n += present[values]
            else:
                path.unlink(missing_ok=True)
        return n

    def append(self) -> int:
        """Write the staged rows as one more file of an append-only table."""
        n = self.conn.execute(f"SELECT count(*) FROM {self.name}").fetchall()[0][0]
        if n:
            path = table_dir(self.root, self.table) / f"part-{uuid.uuid4().hex}.parquet"
            _copy_to(self.conn, f"SELECT * FROM {self.name}", [], self.root, path)
        return n

    def whole(self) -> int:
        """Replace a whole-table table with the staged rows."""
        n = self.conn.execute(f"SELECT count(*) FROM {self.name}").fetchall()[0][0]
        _copy_to(
            self.conn, f"SELECT * FROM {self.name}", [], self.root, table_dir(self.root, self.table) / "data.parquet"
        )
        return n

    def drop(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {self.name}")


@contextmanager
def staged(conn, root: Path, table: str):
    stage = Staged(conn, root, table)
    try:
        yield stage
    finally:
        stage.drop()


def days(start, end, keep=()) -> list[tuple[str]]:
    """Day partitions start … end without ``keep``."""
    kept = {pd.Timestamp(d).date() for d in keep}
    return [(str(d.date()),) for d in pd.date_range(start, end, freq="D") if d.date() not in kept]


def file_keys(conn, paths: pd.DataFrame) -> list[tuple[str]]:
    """Partition values of the landing paths in ``paths`` (column ``path``)."""
    conn.register("lake_paths", paths[["path"]])
    try:
        return [
            (r[0],)
            for r in conn.execute(f"SELECT DISTINCT {FILE_KEY.format(column='path')} FROM lake_paths").fetchall()
        ]
    finally:
        conn.unregister("lake_paths")


class LakeWarehouse:
    """The lake at ``root``, read and written through the in-memory ``conn`` of :func:`connect`. Implements
    the :class:`warehouse.storage.Warehouse` interface; every replacement rewrites whole partitions."""

    catalog = DDL  # where the DDL's tables (and their constraints) live

    def __init__(self, conn: duckdb.DuckDBPyConnection, root: Path):
        self.conn, self.root = conn, root

    def staged(self, table: str):
        return staged(self.conn, self.root, table)

    def replace_days(self, table, frames, start, end, keep: pd.DataFrame) -> int:
        with self.staged(table.name) as stage:
            for frame in frames:
                if len(frame):
                    with registered(self.conn, "incoming", frame):
                        stage.add("SELECT * FROM incoming")
            return stage.replace(days(start, end, keep["day"]))

    def replace_blocked_days(self, asset: str, start, end, blocked: pd.DataFrame) -> None:
        with (
            self.staged("quality.blocked_partitions") as stage,
            registered(self.conn, "incoming_blocked", blocked.assign(asset=asset)),
        ):
            stage.add("SELECT * FROM incoming_blocked")
            stage.replace((asset, day) for (day,) in days(start, end))

    def commit_file_rows(self, stage, files: pd.DataFrame) -> list:
        """``writes.FileRowsStage.commit`` as partitions: each file's rows are one partition per table,
        replaced by rename, the file records last: a crash midway leaves those files unrecorded, so the next
        ingestion replaces them again."""
        conn = self.conn
        keys = file_keys(conn, files)
        with registered(conn, "incoming_files", files[["path"]]):
            removed_days = [row[0] for row in conn.execute(sql("days_of_file_rows")).fetchall()]
            touched, spans_before = stage.series_spans_before()
            with self.staged("ops.duplicates_pending") as pending:
                pending.add("SELECT * FROM ops.duplicates_pending")
                pending.add(stage.groups_sql(""))
                pending.whole()
            for table, name in stage.names.items():
                with self.staged(table) as rows:
                    rows.add(f"SELECT * FROM {name}")
                    rows.replace(keys)
            spans_after = stage.spans_now(touched)
            removed_days += span_change_days(spans_before, spans_after)
            with (
                self.staged("ops.series_spans") as spans,
                registered(conn, "touched_series", touched),
                registered(conn, "touched_spans", spans_after),
            ):
                spans.add(
                    "SELECT * FROM ops.series_spans s ANTI JOIN touched_series t "
                    "ON s.participant_id = t.participant_id AND s.metric = t.metric"
                )
                spans.add("SELECT * FROM touched_spans")
                spans.whole()
            with registered(conn, "removed_days", days_frame(removed_days)):
                for table in ("ops.pending_changed_days", "ops.days_to_recompute"):
                    with self.staged(table) as changed:
                        changed.add(f"SELECT day FROM {table}")
                        changed.add(stage.changed_days_sql(""))
                        changed.whole()
            with self.staged("ops.ingested_files") as records, registered(conn, "incoming_file_rows", files):
                # earlier versions stay, marked superseded
                records.add(
                    "SELECT * REPLACE ('superseded' AS status) FROM ops.ingested_files "
                    "WHERE path IN (SELECT path FROM incoming_files)"
                )
                if len(files):
                    records.add("SELECT * FROM incoming_file_rows")
                records.replace(keys)
        return removed_days

    def replace_duplicate_records(self, new_rows: str, params: list, reason: str) -> None:
        keys = file_keys(self.conn, self.conn.execute("SELECT path FROM affected_paths").df())
        with self.staged("quality.quarantine") as stage:
            stage.add(
                "SELECT * FROM quality.quarantine WHERE split_part(source_file, '//', 1) IN "
                f"(SELECT path FROM affected_paths) AND NOT ({reason})"
            )
            stage.add(new_rows, params)
            stage.replace(keys)
        with self.staged("ops.ingested_files") as stage:
            stage.add(
                "SELECT * FROM ops.ingested_files WHERE path IN (SELECT path FROM affected_paths) "
                "AND status <> 'ingested'"
            )
            stage.add(sql("duplicate_counts"))
            stage.replace(keys)
        with self.staged("ops.duplicates_pending") as stage:
            stage.whole()

    def delete_rows(self, table: str, where: str = "true", params: list | tuple = ()) -> None:
        """Rows of a whole-table table deleted: the table rewritten without them."""
        with self.staged(table) as stage:
            stage.add(f"SELECT * FROM {table} WHERE NOT ({where})", params)
            stage.whole()

    def append_check_results(self, results: pd.DataFrame) -> None:
        with self.staged("quality.check_results") as stage, registered(self.conn, "incoming_checks", results):
            stage.add("SELECT * FROM incoming_checks")
            stage.append()

    def replace_table(self, table, frame: pd.DataFrame) -> int:
        with self.staged(table.name) as stage, registered(self.conn, "incoming", frame):
            if len(frame):
                stage.add("SELECT * FROM incoming")
            return stage.whole()

    def episode_candidates_sql(self) -> tuple[str, str]:
        """Every series with a flagged day: a lake keeps no record of the rewritten day ranges."""
        return "SELECT DISTINCT participant_id, metric FROM analytics.drift WHERE flagged", "all"

    def replace_episodes(self, frame: pd.DataFrame) -> int:
        """Every flagged series is a candidate, so the whole table is replaced."""
        return self.replace_table(EPISODES, frame)

    def refresh_participant_coverage(self, min_coverage: float) -> None:
        """No per-month bookkeeping: every month computed each time, with the same SQL as the file's."""
        with self.staged("quality.participant_coverage") as stage:
            stage.add(coverage_from(sql("coverage_months")), [*ALL_DAYS, *[min_coverage] * 3])
            stage.whole()

    def publish(self, target: Path) -> dict[str, int]:
        return publish_rebuilt(self.conn, ddl_tables(self.conn), target)

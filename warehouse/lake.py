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
different partitions never touch the same file, so any number of workers write at once. Only
``warehouse.writes``, ``warehouse.publish`` and ``warehouse.quality_report`` call in here; asset code is the
same in both profiles.

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

from warehouse.connection import DEFAULT_MEMORY_LIMIT, sql
from warehouse.tables import PARTITIONED

DDL = "lake_ddl"  # the attached in-memory catalog holding the DDL's (empty) tables
FILE_KEY = "left(sha256(split_part({column}, '//', 1)), 16)"  # zip members belong to their archive's file
APPEND = "append"

# table → partition columns, each (directory key, SQL expression over the table's columns)
LAYOUT: dict[str, tuple | str] = {
    "staging.observations": (("file", FILE_KEY.format(column="source_file")),),
    "staging.questionnaire_responses": (("file", FILE_KEY.format(column="source_file")),),
    "quality.quarantine": (("file", FILE_KEY.format(column="source_file")),),
    "ops.ingested_files": (("file", FILE_KEY.format(column="path")),),
    **{t.name: (("day", t.day_column),) for t in PARTITIONED.values()},
    "quality.blocked_partitions": (("asset", "asset"), ("day", "day")),
    "analytics.episodes": (),
    "quality.participant_coverage": (),
    "quality.check_results": APPEND,
    "ops.pending_changed_days": (),
    "ops.days_to_recompute": (),
    "ops.series_spans": (),
    "ops.duplicates_pending": (),
}

_ROOTS: dict[int, Path] = {}


def root_of(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The lake root when ``conn`` was opened by :func:`connect`, else None (an embedded warehouse file)."""
    return _ROOTS.get(id(conn))


@contextmanager
def connect(root: str | Path):
    """An in-memory DuckDB whose warehouse tables are views over the lake at ``root`` (created if new)."""
    root = Path(root).resolve()
    conn = duckdb.connect()
    try:
        conn.execute("SET memory_limit = ?", [os.environ.get("WELLNESS_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)])
        conn.execute(f"ATTACH ':memory:' AS {DDL}")
        conn.execute(f"USE {DDL}")
        conn.execute(sql("schema"))
        conn.execute("USE memory")
        for schema, table in ddl_tables(conn):
            name = f"{schema}.{table}"
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{schema}")
            if name in LAYOUT:
                _ensure_schema_file(conn, root, name)
                source = (
                    f"read_parquet('{_quote(table_dir(root, name))}/**/*.parquet', union_by_name = true, "
                    f"hive_partitioning = false)"
                )
            else:  # bookkeeping of the embedded file (publish_pending, warehouse_identity): local only
                source = f"{DDL}.{name}"
            conn.execute(f"CREATE VIEW memory.{name} AS SELECT * FROM {source}")
        _ROOTS[id(conn)] = root
        yield conn
    finally:
        _ROOTS.pop(id(conn), None)
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
        conn.execute(f"COPY ({query}) TO '{_quote(tmp)}' (FORMAT parquet, COMPRESSION zstd)", params)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class Staged:
    """New rows of one table, gathered (with the DDL's types, exactly as an INSERT BY NAME into the embedded
    file would type them) before :meth:`replace` writes them out partition by partition."""

    def __init__(self, conn, table: str):
        self.conn, self.table, self.layout = conn, table, LAYOUT[table]
        self.root = root_of(conn)
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
def staged(conn, table: str):
    stage = Staged(conn, table)
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


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")

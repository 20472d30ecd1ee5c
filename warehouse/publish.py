"""Publishing ``analytics.duckdb``: the analysts' copy of the warehouse.

Analysts never open the pipeline's own database (DuckDB has one writer, and even a read-only reader blocks
it). After each successful run the pipeline brings its private mirror of the published tables up to date
(only the day ranges runs rewrote), copies it next to the published file, then renames the copy over the
old one (an atomic ``rename(2)``). A reader holding the old file keeps reading the old, complete state; its
next connection opens the new one. A crash mid-build leaves the mirror at its previous commit and at most a
stray temporary file, which the next publish removes.

Layout of the published file: DuckDB names a file's catalog after the file, so a schema ``analytics``
inside ``analytics.duckdb`` would make ``analytics.drift`` ambiguous. The analytics tables therefore sit in
the file's default schema and analysts still write ``analytics.drift``; quality tables are in schema
``quality``. ``quality.quarantine`` is published without its ``raw`` column (the verbatim record can hold
device account ids).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from warehouse import lake
from warehouse.connection import sql, transaction
from warehouse.tables import PARTITIONED

PUBLISHED_SCHEMAS = ("analytics", "quality")
WITHHELD_COLUMNS = {("quality", "quarantine"): {"raw"}}
LAYOUT_VERSION = "2"  # bump when what is published changes shape beyond the SQL files hashed below


def mirror_path(target: Path) -> Path:
    return target.with_name(f".{target.stem}.mirror.duckdb")


def publish(conn: duckdb.DuckDBPyConnection, target: str | Path) -> dict[str, int]:
    """Bring the mirror up to date with the warehouse (``conn``: the open warehouse), copy it next to
    ``target`` and rename the copy over ``target`` atomically. Returns rows per published table.

    The mirror (``.analytics.mirror.duckdb``, the pipeline's own, never opened by analysts) holds exactly what
    is published. It is patched, not rebuilt: the day ranges that runs rewrote (``ops.publish_pending``,
    recorded in the same transaction as the rows) are deleted and re-copied; the small unpartitioned tables
    (episodes, quality) are copied whole. It is rebuilt from scratch when missing, built from another
    warehouse file, or built by a different layout (schema or view SQL changed). A nightly run of a large
    cohort then costs a few days of rows plus one file copy instead of copying every table."""
    target = Path(target)
    if lake.root_of(conn):
        return _publish_from_lake(conn, target)
    mirror = mirror_path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.building")
    for stale in target.parent.glob(f".{target.name}.*.building*"):
        stale.unlink()
    stamp = _stamp(conn)
    stamp_file = mirror.with_suffix(".json")
    current = stamp_file.exists() and mirror.exists() and stamp_file.read_text() == stamp
    if not current:
        for leftover in (mirror, mirror.with_name(mirror.name + ".wal"), stamp_file):
            leftover.unlink(missing_ok=True)
    pending = conn.execute("SELECT table_name, first_day, last_day FROM ops.publish_pending").fetchall()
    counts = _update_mirror(conn, mirror, full=not current, pending=pending)
    if not current:
        stamp_file.write_text(stamp)
    if pending:
        with transaction(conn):  # only what was applied: a run committing meanwhile keeps its own rows
            conn.executemany("DELETE FROM ops.publish_pending WHERE table_name = ? AND first_day = ? AND last_day = ?",
                             pending)
    shutil.copyfile(mirror, tmp)
    os.replace(tmp, target)
    return counts


def _stamp(conn: duckdb.DuckDBPyConnection) -> str:
    identity = conn.execute("SELECT min(id) FROM ops.warehouse_identity").fetchone()[0]
    layout = hashlib.sha256((LAYOUT_VERSION + sql("schema") + sql("published_views")).encode()).hexdigest()
    return f"{identity} {layout}"


def _published_tables(conn) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name IN ('analytics', 'quality') "
        "ORDER BY schema_name, table_name").fetchall()


def _update_mirror(conn, mirror: Path, full: bool, pending: list) -> dict[str, int]:
    partitioned = {t.name: t for t in PARTITIONED.values()}
    ranges: dict[str, list] = {}
    for name, first, last in pending:
        ranges.setdefault(name, []).append((first, last))
    counts: dict[str, int] = {}
    conn.execute(f"ATTACH '{_quote(mirror)}' AS mirror")
    # copies run in parallel when DuckDB need not keep the source's row order (analysts' queries set their own)
    conn.execute("SET preserve_insertion_order = false")
    try:
        conn.execute("BEGIN TRANSACTION")  # one transaction on the mirror: a crash leaves its previous state
        try:
            conn.execute("CREATE SCHEMA IF NOT EXISTS mirror.quality")
            for schema, table in _published_tables(conn):
                source = f"{schema}.{table}"
                dest = f"mirror.main.{table}" if schema == "analytics" else f"mirror.quality.{table}"
                withheld = WITHHELD_COLUMNS.get((schema, table))
                columns = f"* EXCLUDE ({', '.join(sorted(withheld))})" if withheld else "*"
                spec = partitioned.get(source)
                if full or spec is None:
                    conn.execute(f"CREATE OR REPLACE TABLE {dest} AS SELECT {columns} FROM {source}")
                else:
                    for first, last in ranges.get(source, []):
                        conn.execute(f"DELETE FROM {dest} WHERE {spec.day_column} BETWEEN ? AND ?", [first, last])
                        conn.execute(f"INSERT INTO {dest} SELECT {columns} FROM {source} "
                                     f"WHERE {spec.day_column} BETWEEN ? AND ?", [first, last])
                counts[source] = conn.execute(f"SELECT count(*) FROM {dest}").fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("CHECKPOINT mirror")
    finally:
        conn.execute("RESET preserve_insertion_order")
        conn.execute("DETACH mirror")
    _create_views(mirror)
    return counts


def _publish_from_lake(conn, target: Path) -> dict[str, int]:
    """Build ``target`` from a lake (``conn`` from ``warehouse.lake.connect``): every published table copied
    from its Parquet files into a new file next to ``target`` (the same layout, types and views as the
    embedded profile's), then renamed over it. Always a full build: there is no mirror to patch, and
    reading Parquet is the fast part."""
    building = target.with_name(f".{target.name}.{os.getpid()}.building")
    for stale in target.parent.glob(f".{target.name}.*.building*"):
        stale.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    conn.execute(f"ATTACH '{_quote(building)}' AS building")
    try:
        conn.execute("CREATE SCHEMA building.quality")
        for schema, table in lake.ddl_tables(conn):
            if schema not in PUBLISHED_SCHEMAS:
                continue
            dest = f"building.main.{table}" if schema == "analytics" else f"building.quality.{table}"
            withheld = WITHHELD_COLUMNS.get((schema, table))
            columns = f"* EXCLUDE ({', '.join(sorted(withheld))})" if withheld else "*"
            conn.execute(f"CREATE TABLE {dest} AS SELECT {columns} FROM memory.{schema}.{table}")
            counts[f"{schema}.{table}"] = conn.execute(f"SELECT count(*) FROM {dest}").fetchone()[0]
        conn.execute("CHECKPOINT building")
    finally:
        conn.execute("DETACH building")
    _create_views(building)
    os.replace(building, target)
    return counts


def _create_views(path: Path) -> None:
    """The published views (latest_drift, participant_summary), created inside the file at ``path``."""
    views = duckdb.connect(str(path))
    try:
        views.execute(sql("published_views"))
        views.execute("CHECKPOINT")
    finally:
        views.close()


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")

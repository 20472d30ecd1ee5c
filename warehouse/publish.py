"""Publishing ``analytics.duckdb``: the analysts' copy of the warehouse.

Analysts never open the pipeline's own database (DuckDB has one writer, and even a read-only reader blocks
it). After each successful run the pipeline builds a new file next to the published one, then renames it
over the old one (an atomic ``rename(2)``). A reader holding the old file keeps reading the old, complete
state; its next connection opens the new one. A crash mid-build leaves only a stray temporary file, which
the next publish removes.

Layout of the published file: DuckDB names a file's catalog after the file, so a schema ``analytics``
inside ``analytics.duckdb`` would make ``analytics.drift`` ambiguous. The analytics tables therefore sit in
the file's default schema and analysts still write ``analytics.drift``; quality tables are in schema
``quality``. ``quality.quarantine`` is published without its ``raw`` column (the verbatim record can hold
device account ids).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.connection import sql

PUBLISHED_SCHEMAS = ("analytics", "quality")
WITHHELD_COLUMNS = {("quality", "quarantine"): {"raw"}}


def publish(conn: duckdb.DuckDBPyConnection, target: str | Path) -> dict[str, int]:
    """Copy the warehouse's analytics and quality tables (``conn``: the open warehouse) into a new
    ``target`` and swap it in atomically. Returns rows per published table."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.building")
    for stale in target.parent.glob(f".{target.name}.*.building*"):
        stale.unlink()
    tables = conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name IN ('analytics', 'quality') "
        "ORDER BY schema_name, table_name").fetchall()
    counts: dict[str, int] = {}
    conn.execute(f"ATTACH '{_quote(tmp)}' AS publication")
    try:
        conn.execute("CREATE SCHEMA IF NOT EXISTS publication.quality")
        for schema, table in tables:
            dest = f"publication.main.{table}" if schema == "analytics" else f"publication.quality.{table}"
            withheld = WITHHELD_COLUMNS.get((schema, table))
            columns = f"* EXCLUDE ({', '.join(sorted(withheld))})" if withheld else "*"
            conn.execute(f"CREATE TABLE {dest} AS SELECT {columns} FROM {schema}.{table}")
            counts[f"{schema}.{table}"] = conn.execute(f"SELECT count(*) FROM {dest}").fetchone()[0]
        conn.execute("CHECKPOINT publication")
    finally:
        conn.execute("DETACH publication")
    views = duckdb.connect(str(tmp))
    try:
        views.execute(sql("published_views"))
        views.execute("CHECKPOINT")
    finally:
        views.close()
    os.replace(tmp, target)
    return counts


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")

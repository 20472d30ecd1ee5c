"""The warehouse's DDL, generated from the table catalogue (``transforms/config/tables.toml``, the one place
a table is declared): a schema per catalogue schema, a table per entry, and the warehouse's identity row.
Every statement is idempotent; ``ensure_schema`` runs it on each writable connection, then adds the columns a
newer catalogue declares to tables created by an older release (nullable: DuckDB adds no NOT NULL column to
a table that has rows)."""

from __future__ import annotations

from functools import cache

import duckdb

from transforms import catalogue

IDENTITY_SQL = (
    "INSERT INTO ops.warehouse_identity SELECT uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM ops.warehouse_identity)"
)


@cache
def schema_sql() -> str:
    """The whole DDL as one script (also hashed by warehouse/publish.py: a new DDL rebuilds the publication)."""
    tables = catalogue.tables().values()
    statements = [f"CREATE SCHEMA IF NOT EXISTS {schema}" for schema in dict.fromkeys(t.schema for t in tables)]
    for t in tables:
        columns = ",\n    ".join(c.ddl for c in t.columns)
        statements.append(f"CREATE TABLE IF NOT EXISTS {t.qualified} (\n    {columns}\n)")
    statements.append(IDENTITY_SQL)
    return ";\n".join(statements) + ";\n"


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing: schemas, tables, and columns added to the catalogue since a table was created."""
    conn.execute(schema_sql())
    present = {
        (schema, table, column)
        for schema, table, column in conn.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
        ).fetchall()
    }
    for t in catalogue.tables().values():
        for c in t.columns:
            if (t.schema, t.name, c.name) not in present:
                default = f" DEFAULT {c.default}" if c.default else ""
                conn.execute(f"ALTER TABLE {t.qualified} ADD COLUMN {c.name} {c.sql_type}{default}")

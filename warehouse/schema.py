"""The warehouse's DDL, generated from the table catalogue (``transforms/config/tables.toml``, the one place
a table is declared): a schema per catalogue schema, a table per entry, and the warehouse's identity row.
Every statement is idempotent; ``ensure_schema`` runs it on each writable connection, then adds the columns a
newer catalogue declares to tables created by an older release (nullable: DuckDB adds no NOT NULL column to
a table that has rows)."""

from __future__ import annotations

from functools import cache

import duckdb

from transforms import catalogue, vocabulary

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
    statements += [metrics_sql("analytics"), f"CREATE OR REPLACE VIEW analytics.daily_wide AS {daily_wide_sql()}"]
    return ";\n".join(statements) + ";\n"


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def metrics_sql(schema: str) -> str:
    """Replace the rows of ``<schema>.metrics`` with the vocabulary's (metrics.toml, proxy_domains.csv): one
    statement, so a warehouse always holds the vocabulary of the release that last opened it. ``domain`` is
    the domain the metric weighs most in (the first listed on a tie), ``domains`` all of them."""
    weights: dict[str, list[tuple[float, str]]] = {}
    for component in vocabulary.proxy_domains():
        weights.setdefault(component.metric, []).append((component.weight, component.domain))
    rows = []
    for m in vocabulary.metrics().values():
        ranked = sorted(weights.get(m.name, []), key=lambda wd: -wd[0])  # stable: file order on ties
        domains = ", ".join(dict.fromkeys(d for _, d in weights.get(m.name, []))) or None
        values = (m.name, m.unit, m.description, ranked[0][1] if ranked else None, domains, m.aggregation)
        values += (m.drift_test, m.valid_min, m.valid_max)
        rows.append("(" + ", ".join(map(_literal, values)) + ")")
    return (
        f"DELETE FROM {schema}.metrics; INSERT INTO {schema}.metrics (metric, unit, description, domain, domains, "
        f"aggregation, drift_tested, valid_min, valid_max) VALUES " + ",\n".join(rows)
    )


def daily_wide_sql(source: str = "analytics.daily_metrics") -> str:
    """The query of the ``daily_wide`` view: one row per participant·day with a value, one column per metric
    of the vocabulary (NULL where that metric has no value that day); the columns follow metrics.toml, so
    they are the same whatever the data holds."""
    columns = ",\n    ".join(
        f"max(value) FILTER (WHERE metric = {_literal(name)}) AS {name}" for name in vocabulary.metrics()
    )
    return f"SELECT participant_id, day,\n    {columns}\nFROM {source}\nGROUP BY participant_id, day"


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

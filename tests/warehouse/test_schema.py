"""The warehouse's DDL is the table catalogue (transforms/config/tables.toml): a new warehouse DESCRIBEs as the
catalogue declares, and one created by the release before the catalogue gains what it lacks when opened
(columns added since: appended and nullable)."""

from pathlib import Path

import duckdb

from transforms import catalogue
from warehouse.connection import connect

BEFORE_CATALOGUE = Path(__file__).parent / "fixtures" / "schema_before_catalogue.sql"


def _described(conn) -> dict:
    rows = conn.execute(
        "SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default "
        "FROM duckdb_columns() WHERE database_name = current_database() "
        "AND (schema_name, table_name) IN (SELECT (schema_name, table_name) FROM duckdb_tables()) "
        "ORDER BY schema_name, table_name, column_index"
    ).fetchall()
    out: dict = {}
    for schema, table, column, dtype, nullable, default in rows:
        out.setdefault(f"{schema}.{table}", []).append((column, dtype, nullable, default))
    return out


def _declared() -> dict:
    return {
        t.qualified: [(c.name, c.sql_type, not c.not_null, c.default) for c in t.columns]
        for t in catalogue.tables().values()
    }


def test_a_new_warehouse_describes_as_the_catalogue_declares(tmp_path):
    conn = connect(tmp_path / "w.duckdb")
    try:
        assert _described(conn) == _declared()
        views = conn.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        assert views == [("analytics", "daily_wide")]
        assert conn.execute("SELECT count(*) FROM ops.warehouse_identity").fetchone()[0] == 1
    finally:
        conn.close()


# columns the catalogue declared after that release (issue 19's detector): added, nullable, at the end
ADDED_SINCE = {
    "analytics.drift": [("cusum", "DOUBLE"), ("cusum_threshold", "DOUBLE"), ("change_day", "DATE")],
    "analytics.episodes": [("first_flag_day", "DATE")],
}
TABLES_SINCE = ("analytics.metrics",)  # issue 20's vocabulary table


def test_a_warehouse_of_the_release_before_the_catalogue_keeps_its_tables_and_gains_only_newer_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute(BEFORE_CATALOGUE.read_text())
    old.execute(
        "INSERT INTO analytics.daily_metrics VALUES ('P1', DATE '2025-01-01', 'steps', 5000, 'count', 'x', 1, 1)"
    )
    before = _described(old)
    old.close()
    conn = connect(path)
    try:
        after = _described(conn)
        expected = {
            t: cols + [(c, dtype, True, None) for c, dtype in ADDED_SINCE.get(t, [])] for t, cols in before.items()
        }
        expected |= {t: _declared()[t] for t in TABLES_SINCE}
        assert after == expected  # that release's tables kept as they were, newer columns appended, newer tables
        assert {t: sorted(c[:2] for c in cols) for t, cols in after.items()} == {
            t: sorted(c[:2] for c in cols) for t, cols in _declared().items()
        }
        assert conn.execute("SELECT value FROM analytics.daily_metrics").fetchall() == [(5000.0,)]
    finally:
        conn.close()

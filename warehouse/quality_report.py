"""The tables behind the data-quality report (and the per-participant coverage summary it refreshes)."""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse import lake
from warehouse.connection import sql, transaction

SECTIONS = ("files", "quarantine", "participants", "weekly_yield", "checks", "blocked")


def refresh_participant_coverage(conn: duckdb.DuckDBPyConnection, min_coverage: float) -> None:
    """Rebuild ``quality.participant_coverage`` from analytics.daily_metrics."""
    if lake.root_of(conn):
        with lake.staged(conn, "quality.participant_coverage") as stage:
            stage.add(sql("participant_coverage"), [min_coverage] * 3)
            stage.whole()
        return
    with transaction(conn):
        conn.execute("CREATE OR REPLACE TABLE quality.participant_coverage AS " + sql("participant_coverage"),
                     [min_coverage] * 3)


def report_data(conn: duckdb.DuckDBPyConnection, min_coverage: float) -> dict[str, pd.DataFrame]:
    refresh_participant_coverage(conn, min_coverage)
    params = {"weekly_yield": [min_coverage]}
    return {name: conn.execute(sql(f"report_{name}"), params.get(name, [])).df() for name in SECTIONS}

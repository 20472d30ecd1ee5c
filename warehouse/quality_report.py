"""The tables behind the data-quality report (and the per-participant coverage summary it refreshes)."""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse import lake
from warehouse.connection import sql, transaction

ALL_DAYS = ("0001-01-01", "9999-12-31")
SECTIONS = ("files", "quarantine", "participants", "weekly_yield", "checks", "blocked")


def refresh_participant_coverage(conn: duckdb.DuckDBPyConnection, min_coverage: float) -> None:
    """Bring ``quality.participant_coverage`` up to date with analytics.daily_metrics.

    The DuckDB file keeps per-month partial sums (``ops.coverage_months``); only the months holding days that
    runs rewrote since the last refresh (``ops.summary_pending``) are recomputed, then the table is summed
    from the months (a nightly run: one or two months of rows, not the whole history). All months are
    recomputed when there are none yet or they were counted with another ``min_coverage``. A lake has no
    such bookkeeping: every month is computed each time, with the same SQL."""
    if lake.root_of(conn):
        with lake.staged(conn, "quality.participant_coverage") as stage:
            stage.add(_coverage_from(sql("coverage_months")), [*ALL_DAYS, *[min_coverage] * 3])
            stage.whole()
        return
    with transaction(conn):
        stale = conn.execute(
            "SELECT count(*) = 0 OR bool_or(min_coverage <> ?) FROM ops.coverage_months", [min_coverage]
        ).fetchone()[0]
        if stale:
            span = ALL_DAYS
        else:
            span = conn.execute(
                "SELECT min(first_day), max(last_day) FROM ops.summary_pending WHERE summary = 'participant_coverage'"
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
            + _coverage_from("SELECT * FROM ops.coverage_months")
        )


def _coverage_from(months_sql: str) -> str:
    return f"WITH months AS ({months_sql}) {sql('participant_coverage')}"


def report_data(
    conn: duckdb.DuckDBPyConnection, min_coverage: float, heatmap_participants: int
) -> dict[str, pd.DataFrame]:
    """The report's sections; the weekly yield only of the ``heatmap_participants`` with the lowest data yield
    (the ones the heatmap shows), so its size does not grow with the cohort."""
    refresh_participant_coverage(conn, min_coverage)
    params = {"weekly_yield": [min_coverage, heatmap_participants]}
    return {name: conn.execute(sql(f"report_{name}"), params.get(name, [])).df() for name in SECTIONS}

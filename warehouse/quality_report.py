"""The tables behind the data-quality report (and the per-participant coverage summary it refreshes)."""

from __future__ import annotations

import pandas as pd

from warehouse.connection import sql

ALL_DAYS = ("0001-01-01", "9999-12-31")
SECTIONS = ("files", "quarantine", "participants", "weekly_yield", "checks", "blocked")


def refresh_participant_coverage(wh, min_coverage: float) -> None:
    """Bring ``quality.participant_coverage`` up to date with analytics.daily_metrics (``wh``: a
    warehouse.storage.Warehouse).

    The DuckDB file keeps per-month partial sums (``ops.coverage_months``); only the months holding days that
    runs rewrote since the last refresh (``ops.summary_pending``) are recomputed, then the table is summed
    from the months (a nightly run: one or two months of rows, not the whole history). All months are
    recomputed when there are none yet or they were counted with another ``min_coverage``. A lake has no
    such bookkeeping: every month is computed each time, with the same SQL."""
    wh.refresh_participant_coverage(min_coverage)


def coverage_from(months_sql: str) -> str:
    return f"WITH months AS ({months_sql}) {sql('participant_coverage')}"


def report_data(wh, min_coverage: float, heatmap_participants: int) -> dict[str, pd.DataFrame]:
    """The report's sections; the weekly yield only of the ``heatmap_participants`` with the lowest data yield
    (the ones the heatmap shows), so its size does not grow with the cohort."""
    refresh_participant_coverage(wh, min_coverage)
    conn = wh.conn
    params = {"weekly_yield": [min_coverage, heatmap_participants]}
    return {name: conn.execute(sql(f"report_{name}"), params.get(name, [])).df() for name in SECTIONS}

"""Read-only summaries for the CLI (the demo's closing report)."""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.connection import sql


def pipeline_summary(conn: duckdb.DuckDBPyConnection) -> dict:
    """Counts across the warehouse: participants, days, rows, files by status, latest checks."""
    out = dict(
        zip(
            ["participants", "first_day", "last_day", "days", "daily_rows"],
            conn.execute(sql("summary_daily")).fetchone(),
        )
    )
    out["files"] = dict(conn.execute(sql("summary_files")).fetchall())
    landing = conn.execute(sql("current_landing_files")).df()
    out["failed_files"] = landing[landing["status"] == "failed"][["path", "source_format", "message"]]
    out["rows_accepted"], out["rows_empty"] = conn.execute(sql("summary_rows")).fetchone()
    out["quarantine_by_reason"] = conn.execute(sql("summary_quarantine")).df()
    out["rows_quarantined"] = int(out["quarantine_by_reason"]["rows"].sum()) if len(out["quarantine_by_reason"]) else 0
    out["checks"] = conn.execute(sql("summary_checks")).df()
    for table, count_sql in TABLE_COUNTS.items():
        out[f"{table}_rows"] = conn.execute(count_sql).fetchone()[0]
    out["blocked_partitions"] = conn.execute(sql("summary_blocked")).df()
    out["low_yield"] = conn.execute(sql("summary_low_yield")).fetchone()[0]
    return out


TABLE_COUNTS = {
    table: f"SELECT count(*) FROM analytics.{table}"
    for table in ("questionnaire_scores", "questionnaire_change", "baselines", "drift", "proxies", "episodes")
}


def top_drift_flags(conn: duckdb.DuckDBPyConnection, limit: int = 10) -> pd.DataFrame:
    """The largest drift episodes (runs of flagged days), largest |peak z| first."""
    return conn.execute(sql("top_drift_flags"), [limit]).df()


def flagged_days(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute("SELECT participant_id, day, metric, direction FROM analytics.drift WHERE flagged").df()

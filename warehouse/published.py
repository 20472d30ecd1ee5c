"""Reads from the published ``analytics.duckdb`` (read-only; never touches the pipeline's warehouse, so
reports and analysts never block a run). Tables there sit in the file's default schema."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

PARTICIPANT_QUERIES = {
    "daily": "SELECT day, metric, value FROM daily_metrics WHERE participant_id = ? AND value IS NOT NULL "
    "ORDER BY metric, day",
    "baselines": "SELECT day, metric, median, mad, p10, p90, sufficient FROM baselines WHERE participant_id = ? "
    "ORDER BY metric, day",
    "flags": "SELECT day, metric, direction, value FROM drift WHERE participant_id = ? AND flagged ORDER BY metric, day",
    "episodes": "SELECT metric, direction, start_day, end_day, n_days, peak_z, recovery_days FROM episodes "
    "WHERE participant_id = ? ORDER BY start_day, metric",
    "scores": "SELECT administered_at, instrument, score, severity FROM questionnaire_scores "
    "WHERE participant_id = ? AND score IS NOT NULL ORDER BY administered_at",
}
DATE_COLUMNS = ("day", "start_day", "end_day", "administered_at")


class NoSuchParticipant(LookupError):
    pass


def open_published(path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet: run the pipeline (wellness run) to publish it")
    return duckdb.connect(str(path), read_only=True)


def participant_report_data(conn: duckdb.DuckDBPyConnection, participant_id: str) -> dict[str, pd.DataFrame]:
    """The frames ``transforms.reports.participant_chart`` draws, for one participant."""
    out = {}
    for name, query in PARTICIPANT_QUERIES.items():
        frame = conn.execute(query, [participant_id]).df()
        for col in DATE_COLUMNS:
            if col in frame:
                frame[col] = pd.to_datetime(frame[col])
        out[name] = frame
    if out["daily"].empty and out["scores"].empty:
        raise NoSuchParticipant(f"no data for participant {participant_id!r} in the published analytics database")
    return out


def participant_ids(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT participant_id FROM participant_summary ORDER BY 1").fetchall()]


RUN_VOLATILE_COLUMNS = frozenset({"ingested_at", "checked_at", "blocked_at", "run_id"})


def table_fingerprints(path: str | Path) -> dict[str, tuple]:
    """Every table of a published ``analytics.duckdb`` → (column names and types, row count, order-independent
    hash of its rows without run ids and run times). Two files that agree here hold the same rows."""
    conn = open_published(path)
    try:
        out = {}
        names = conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1, 2"
        ).fetchall()
        for schema, table in names:
            described = [(r[0], r[1]) for r in conn.execute(f'DESCRIBE "{schema}"."{table}"').fetchall()]
            cols = ", ".join(f'"{c}"' for c, _ in described if c not in RUN_VOLATILE_COLUMNS)
            n, digest = conn.execute(f'SELECT count(*), sum(hash({cols})) FROM "{schema}"."{table}"').fetchone()
            out[f"{schema}.{table}"] = (described, n, digest)
        return out
    finally:
        conn.close()

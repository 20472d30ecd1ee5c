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


DAY = "strftime({}, '%Y-%m-%d')"
PEOPLE = "{people}"  # where a participant filter goes, before any aggregation (site_series)
# Per participant·series lists built by DuckDB (one row per series, not per day): the site's pages only
# place them into figures.
SITE_SERIES = {
    "daily": f"SELECT participant_id, metric, list({DAY.format('day')} ORDER BY day), list(round(value, 4) ORDER BY day) "
    f"FROM daily_metrics WHERE value IS NOT NULL AND {PEOPLE} GROUP BY participant_id, metric "
    "ORDER BY participant_id, metric",
    "baselines": f"SELECT participant_id, metric, list({DAY.format('day')} ORDER BY day), "
    "list(round(median, 4) ORDER BY day), list(round(p10, 4) ORDER BY day), list(round(p90, 4) ORDER BY day) "
    f"FROM baselines WHERE sufficient AND {PEOPLE} GROUP BY participant_id, metric ORDER BY participant_id, metric",
    # a flag on a day without its own value is drawn at the recent window's median
    "flags": f"SELECT participant_id, metric, direction, list({DAY.format('day')} ORDER BY day), "
    f"list(round(coalesce(value, recent_median), 4) ORDER BY day) FROM drift WHERE flagged AND {PEOPLE} "
    "GROUP BY participant_id, metric, direction ORDER BY participant_id, metric, direction",
    "proxies": f"SELECT participant_id, domain, list({DAY.format('day')} ORDER BY day), list(round(score, 4) ORDER BY day) "
    f"FROM proxies WHERE sufficient AND {PEOPLE} GROUP BY participant_id, domain ORDER BY participant_id, domain",
    "questionnaires": f"SELECT participant_id, instrument, list({DAY.format('day')} ORDER BY administered_at), "
    "list(score ORDER BY administered_at), list(coalesce(severity_to, '') ORDER BY administered_at), "
    "list(change ORDER BY administered_at), list(coalesce(reliable_change, false) ORDER BY administered_at), "
    "list(coalesce(direction, '') ORDER BY administered_at) "
    f"FROM questionnaire_change WHERE {PEOPLE} GROUP BY participant_id, instrument ORDER BY participant_id, instrument",
    "episodes": f"SELECT participant_id, metric, direction, {DAY.format('start_day')}, {DAY.format('end_day')}, n_days, "
    f"peak_z, coalesce({DAY.format('recovered_day')}, ''), recovery_days FROM episodes WHERE {PEOPLE} "
    "ORDER BY participant_id, start_day, metric",
}
DOMAIN_LATEST = ", ".join(
    f"arg_max(score, day) FILTER (WHERE domain = '{d}') AS {d}_latest"
    for d in ("autonomic_arousal", "sleep_circadian", "activity_drive", "mood_affect")
)
# One row per participant from the small tables (coverage, episodes) and the last 28 days of proxies: the
# cohort page of a large cohort costs no scan of the daily tables (participant_summary's days_with_data does).
SITE_SUMMARY = f"""
WITH coverage AS (
    SELECT participant_id, max(last_day) AS last_day, max(days_with_signal) AS days_with_data,
           min(data_yield) AS min_data_yield
    FROM quality.participant_coverage GROUP BY participant_id
), answered AS (
    SELECT participant_id, max(day) AS last_day FROM questionnaire_scores GROUP BY participant_id
), eps AS (
    SELECT participant_id, count(*) AS episodes, count(*) FILTER (WHERE recovery_days IS NULL) AS open_episodes
    FROM episodes GROUP BY participant_id
), proxy AS (
    SELECT participant_id, {DOMAIN_LATEST}
    FROM proxies WHERE sufficient AND day > (SELECT max(day) FROM proxies) - INTERVAL 28 DAY
    GROUP BY participant_id
)
SELECT participant_id, greatest(c.last_day, a.last_day) AS last_day, coalesce(c.days_with_data, 0) AS days_with_data,
       c.min_data_yield, coalesce(e.episodes, 0) AS episodes, coalesce(e.open_episodes, 0) AS open_episodes,
       p.autonomic_arousal_latest, p.sleep_circadian_latest, p.activity_drive_latest, p.mood_affect_latest
FROM coverage c FULL JOIN answered a USING (participant_id)
LEFT JOIN eps e USING (participant_id)
LEFT JOIN proxy p USING (participant_id)
ORDER BY participant_id"""
SITE_FRAMES = {
    "summary": SITE_SUMMARY,
    "metrics": "SELECT metric, unit FROM metrics ORDER BY metric",
    "flagged_now": "SELECT participant_id, metric, direction, recent_z, change_day FROM latest_drift WHERE flagged "
    "ORDER BY participant_id, metric",
    "episodes_week": "SELECT * FROM episodes WHERE end_day > (SELECT max(day) FROM drift) - INTERVAL 7 DAY "
    "ORDER BY participant_id, start_day",
}


def site_frames(conn: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The report site's cohort frames (transforms/reports/site.py): participant_summary, the metric units,
    who is flagged now, the episodes of the last 7 days."""
    return {name: conn.execute(query).df() for name, query in SITE_FRAMES.items()}


def site_series(conn: duckdb.DuckDBPyConnection, pages_for: list[str] | None = None) -> dict[str, list[tuple]]:
    """The series of the participants who get a page (``pages_for``; None: everyone), each table read once,
    as rows (participant_id first, sorted by it). The filter sits before the aggregation, so a few pages of a
    large cohort read only their rows."""
    if pages_for is None:
        return {name: conn.execute(q.replace(PEOPLE, "true")).fetchall() for name, q in SITE_SERIES.items()}
    chosen = "participant_id IN (SELECT unnest($1::VARCHAR[]))"
    return {name: conn.execute(q.replace(PEOPLE, chosen), [pages_for]).fetchall() for name, q in SITE_SERIES.items()}


def site_participants(frames: dict[str, pd.DataFrame], max_pages: int, configured: list[str]) -> list[str] | None:
    """Who gets a page: everyone (None) in a cohort of at most ``max_pages``; otherwise those drifting now,
    with an episode this week, or ``configured``."""
    if len(frames["summary"]) <= max_pages:
        return None
    chosen = set(frames["flagged_now"]["participant_id"]) | set(frames["episodes_week"]["participant_id"])
    return sorted(chosen | (set(configured) & set(frames["summary"]["participant_id"])))

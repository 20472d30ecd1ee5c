"""analytics.episodes is updated only for the series a run's rewritten days can change, and always equals
episodes computed from scratch over every flagged series."""

import datetime as dt

import pytest

from tests.pipelines.helpers import generate_home, revise_resting_hr, run
from transforms import vocabulary
from transforms.stats.episodes import find_episodes
from warehouse import reads
from warehouse.connection import connect
from warehouse.embedded import DuckDBFileWarehouse

pytestmark = pytest.mark.slow


def _differences(paths) -> tuple[int, int, int]:
    """(rows in the table, rows computed from scratch, rows in one but not the other)."""
    conn = connect(paths.warehouse)
    try:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE episode_candidates AS "
            "SELECT DISTINCT participant_id, metric FROM analytics.drift WHERE flagged"
        )
        fresh = find_episodes(*reads.episode_inputs(conn), vocabulary.windows().min_flag_days)
        conn.register("fresh", fresh)
        columns = ", ".join(fresh.columns)
        stored = conn.execute("SELECT count(*) FROM analytics.episodes").fetchone()[0]
        differ = conn.execute(
            f"SELECT count(*) FROM ((SELECT {columns} FROM analytics.episodes EXCEPT ALL "
            f"SELECT {columns} FROM fresh) UNION ALL (SELECT {columns} FROM fresh EXCEPT ALL "
            f"SELECT {columns} FROM analytics.episodes))"
        ).fetchone()[0]
        return stored, len(fresh), differ
    finally:
        conn.close()


def _hr_episodes(paths, pid: str) -> list:
    conn = connect(paths.warehouse, read_only=True)
    try:
        return conn.execute(
            "SELECT start_day, end_day, recovered_day FROM analytics.episodes WHERE participant_id = ? "
            "AND metric = 'resting_hr_bpm' ORDER BY ALL",
            [pid],
        ).fetchall()
    finally:
        conn.close()


def _candidates_for(paths, first: dt.date, last: dt.date) -> tuple[int, int]:
    """(series select_episode_candidates picks for a rewrite of first … last, series with any flag)."""
    conn = connect(paths.warehouse)
    wh = DuckDBFileWarehouse(conn)
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute("INSERT INTO ops.summary_pending VALUES ('episodes', ?, ?)", [first, last])
        assert reads.select_episode_candidates(wh) == "changed"
        picked = conn.execute("SELECT count(*) FROM episode_candidates").fetchone()[0]
        flagged = conn.execute(
            "SELECT count(DISTINCT (participant_id, metric)) FROM analytics.drift WHERE flagged"
        ).fetchone()[0]
        conn.execute("ROLLBACK")
        return picked, flagged
    finally:
        conn.close()


def test_episodes_follow_partial_reruns_and_equal_a_full_recomputation(tmp_path):
    paths, cohort = generate_home(tmp_path, participants=6, days=120, seed=11)
    assert run(paths).ok
    stored, fresh, differ = _differences(paths)
    assert stored == fresh > 0 and differ == 0

    days = [d.date() for d in cohort.dates]
    picked, flagged = _candidates_for(paths, days[-2], days[-1])
    assert 0 < picked < flagged  # a nightly-sized rewrite recomputes few series

    # a re-export moves one participant's resting HR for three weeks in the middle; only those days are re-run
    pid = cohort.people.query("device == 'fitbit_takeout'")["participant_id"].iloc[0]
    before = _hr_episodes(paths, pid)
    revise_resting_hr(paths.landing, pid, days[60:81], value=95.0)
    assert run(paths, start=days[60], end=days[80]).ok
    assert _hr_episodes(paths, pid) != before
    stored, fresh, differ = _differences(paths)
    assert stored == fresh and differ == 0
    conn = connect(paths.warehouse, read_only=True)
    try:
        assert conn.execute("SELECT count(*) FROM ops.summary_pending").fetchone()[0] == 0
    finally:
        conn.close()

    # the last days again (a nightly), then the whole range
    assert run(paths, start=days[-4], end=days[-1]).ok
    assert _differences(paths)[2] == 0
    assert run(paths).ok
    assert _differences(paths)[2] == 0

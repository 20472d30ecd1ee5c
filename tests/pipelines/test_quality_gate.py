"""An ERROR check failing on one day blocks that day's downstream partitions; the other days complete;
fixing the data and re-running unblocks it."""

import datetime as dt

import pytest

from pipelines.settings import Paths
from tests.pipelines.helpers import query, run
from transforms.synthetic.cohort import CohortSpec, simulate
from transforms.synthetic.vendor_files import write_cohort
from warehouse.connection import connect

pytestmark = pytest.mark.slow
BAD_DAY = dt.date(2025, 3, 25)
START, END = dt.date(2025, 3, 18), dt.date(2025, 4, 1)


def test_error_check_blocks_only_the_failing_partition(tmp_path):
    paths = Paths(tmp_path)
    cohort = simulate(CohortSpec(participants=6, days=100, seed=21, device_shares=(1.0, 0.0, 0.0)))
    write_cohort(cohort, paths.landing, paths.ground_truth)
    assert run(paths).ok
    before = query(paths, "SELECT * FROM analytics.baselines WHERE day = ? ORDER BY ALL", [BAD_DAY])
    later = BAD_DAY + dt.timedelta(days=16)  # its baseline window (later−69 … later−14) contains BAD_DAY
    n_days_before = query(
        paths,
        "SELECT n_days FROM analytics.baselines WHERE participant_id = 'P0001' AND "
        "metric = 'resting_hr_bpm' AND day = ?",
        [later],
    )["n_days"][0]

    conn = connect(paths.warehouse)  # a corrupt record that bypassed the row rules (e.g. a parser bug)
    conn.execute(
        "INSERT INTO staging.observations (participant_id, day, metric, value, unit, source, source_file, "
        "locator) VALUES ('P0001', ?, 'resting_hr_bpm', 900, 'bpm', 'fitbit_takeout_resting_hr', "
        "'P0001/fitbit/resting_heart_rate.json', 'manual')",
        [BAD_DAY],
    )
    conn.close()
    assert run(paths, start=START, end=later).ok  # the run itself completes

    blocked = query(paths, "SELECT asset, day, reason FROM quality.blocked_partitions ORDER BY asset")
    assert blocked[["asset", "day"]].astype(str).values.tolist() == [
        ["baselines", str(BAD_DAY)],
        ["daily_metrics", str(BAD_DAY)],
        ["drift", str(BAD_DAY)],
        ["proxies", str(BAD_DAY)],
    ]
    assert "values_in_physiological_range" in blocked.set_index("asset").loc["daily_metrics", "reason"]
    assert blocked.set_index("asset").loc["drift", "reason"].startswith("upstream")
    failed = query(paths, "SELECT check_name, severity FROM quality.check_results WHERE NOT passed")
    assert failed.values.tolist() == [["values_in_physiological_range", "ERROR"]]

    days_built = set(
        query(paths, "SELECT DISTINCT day FROM analytics.drift WHERE day BETWEEN ? AND ?", [START, END])["day"].dt.date
    )
    assert days_built == {START + dt.timedelta(days=i) for i in range(15)}  # BAD_DAY kept its earlier rows
    after = query(paths, "SELECT * FROM analytics.baselines WHERE day = ? ORDER BY ALL", [BAD_DAY])
    assert after.equals(before)
    n_days_gated = query(
        paths,
        "SELECT n_days FROM analytics.baselines WHERE participant_id = 'P0001' AND "
        "metric = 'resting_hr_bpm' AND day = ?",
        [later],
    )["n_days"][0]
    assert n_days_gated == n_days_before - 1  # the blocked day counts as missing in other windows

    conn = connect(paths.warehouse)
    conn.execute("DELETE FROM staging.observations WHERE locator = 'manual'")
    conn.close()
    assert run(paths, start=START, end=later).ok
    assert query(paths, "SELECT count(*) AS n FROM quality.blocked_partitions")["n"][0] == 0
    restored = query(
        paths,
        "SELECT n_days FROM analytics.baselines WHERE participant_id = 'P0001' AND "
        "metric = 'resting_hr_bpm' AND day = ?",
        [later],
    )["n_days"][0]
    assert restored == n_days_before

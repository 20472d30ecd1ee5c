"""Backfills as data engineers launch them: `dagster asset materialize --partition-range` runs a 30-day
range as one run; two overlapping backfills launched together queue on the warehouse and both succeed,
leaving the same tables as one run."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance

from pipelines.runner import run_pipeline
from tests.pipelines.helpers import dagster_home, fingerprints, generate_home, query
from warehouse.lock import writer_lock

pytestmark = pytest.mark.slow
DAGSTER = str(Path(sys.executable).parent / "dagster")
DAILY = "daily_metrics,questionnaire_scores,questionnaire_change,baselines,drift,proxies"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("backfills")
    paths, _ = generate_home(tmp, participants=5, days=90)
    home = dagster_home(tmp)
    with DagsterInstance.from_config(str(home)) as instance:
        assert run_pipeline(paths, instance=instance, echo=lambda *_: None).ok
    env = {**os.environ, "WELLNESS_HOME": str(paths.home), "DAGSTER_HOME": str(home)}
    return paths, home, env


def _materialize(env, start, end, **popen):
    cmd = [
        DAGSTER,
        "asset",
        "materialize",
        "-m",
        "pipelines.definitions",
        "--select",
        DAILY,
        "--partition-range",
        f"{start}...{end}",
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)


def test_a_30_day_backfill_is_one_run(ingested):
    paths, home, env = ingested
    before = fingerprints(paths)
    with DagsterInstance.from_config(str(home)) as instance:
        runs_before = {r.run_id for r in instance.get_runs()}
    proc = _materialize(env, "2025-02-01", "2025-03-02")
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-3000:]
    with DagsterInstance.from_config(str(home)) as instance:
        new = [r for r in instance.get_runs() if r.run_id not in runs_before]
    assert len(new) == 1 and new[0].is_success
    assert new[0].tags["dagster/asset_partition_range_start"] == "2025-02-01"
    assert new[0].tags["dagster/asset_partition_range_end"] == "2025-03-02"
    days = query(
        paths, "SELECT count(DISTINCT day) AS n FROM analytics.drift WHERE day BETWEEN '2025-02-01' AND '2025-03-02'"
    )
    assert days["n"][0] == 30
    assert fingerprints(paths) == before  # recomputing changes nothing: no duplicates, same values


def test_overlapping_backfills_launched_together_both_succeed(ingested):
    paths, _, env = ingested
    before = fingerprints(paths)
    with writer_lock(paths.warehouse):  # hold the warehouse so both runs must queue behind it
        procs = [_materialize(env, "2025-02-10", "2025-03-05"), _materialize(env, "2025-02-20", "2025-03-20")]
        time.sleep(12)
        assert all(p.poll() is None for p in procs)  # both waiting, neither failed on DuckDB's lock
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outputs):
        assert p.returncode == 0, out[-3000:]
    assert any("waiting for the warehouse writer lock" in out for out in outputs)
    assert fingerprints(paths) == before

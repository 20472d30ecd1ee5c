"""The distributed profile end to end on loopback (docs/deploy.md): PostgreSQL as the Dagster instance,
dagster-daemon, two Celery workers on RabbitMQ, the warehouse a Parquet lake. A 30-day backfill of a small
cohort must publish the same analytics.duckdb, table by table, as the embedded profile from the same landing
folder; runs of different day ranges must run on different workers; a worker killed mid-backfill must not
change the result.

Skipped with the reason when PostgreSQL or RabbitMQ is not reachable, except under CI (``CI=true``), where
they must be (.ci/run starts them)."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.pipelines.cluster import BIN, Cluster, step_workers, unavailable_reason, wait_for_run
from tests.pipelines.helpers import published_tables, run

pytestmark = pytest.mark.slow

PSEUDONYM_KEY = "5e" * 32
# differ by run: which runs wrote the check results (one row per check and run range) and when
RUN_DEPENDENT = {"quality.check_results"}


@pytest.fixture(scope="module")
def cohort_home(tmp_path_factory):
    """The embedded profile's result for a 10-participant × 30-day cohort: (paths, first day, last day)."""
    from tests.pipelines.helpers import generate_home

    paths, _ = generate_home(tmp_path_factory.mktemp("embedded"), participants=10, days=30, seed=21)
    os.environ["WELLNESS_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    try:
        outcome = run(paths)
    finally:
        del os.environ["WELLNESS_PSEUDONYM_KEY"]
    assert outcome.ok
    return paths, outcome.start, outcome.end


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, cohort_home):
    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the distributed test, but {reason}")
        pytest.skip(reason)
    paths, _, _ = cohort_home
    cluster = Cluster(tmp_path_factory.mktemp("distributed"), PSEUDONYM_KEY)
    shutil.copytree(paths.landing, cluster.home / "landing")
    cluster.create_database()
    try:
        cluster.start_daemon()
        cluster.start_worker("w1")
        cluster.start_worker("w2")
        yield cluster
    finally:
        cluster.stop()
        cluster.drop_database()


def _backfill(cluster: Cluster, start, end, during=None, timeout: float = 900) -> tuple[str, list[str]]:
    """Submit a backfill with ``wellness backfill`` and wait for it (calling ``during(instance)`` every
    half second meanwhile). Returns its status and run ids."""
    out = cluster.command(str(BIN / "wellness"), "backfill", "--start", str(start), "--end", str(end))
    backfill_id = out.stdout.split("submitted backfill ")[1].split(":")[0]
    deadline = time.monotonic() + timeout
    with cluster.instance() as instance:
        while time.monotonic() < deadline:
            status = instance.get_backfill(backfill_id).status.value
            if status not in ("REQUESTED", "CANCELING"):
                break
            if during:
                during(instance, backfill_id)
            time.sleep(0.5)
        else:
            raise TimeoutError(f"backfill {backfill_id} still {status}; logs in {cluster.logs}")
        from dagster import RunsFilter

        runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
        for r in runs:
            assert wait_for_run(instance, r.run_id, 120) in ("SUCCESS",), f"run {r.run_id}: logs in {cluster.logs}"
    return status, [r.run_id for r in runs]


def _assert_same_publication(cluster: Cluster, embedded_paths) -> None:
    embedded = published_tables(embedded_paths.analytics)
    distributed = published_tables(cluster.home / "analytics.duckdb")
    assert set(distributed) == set(embedded)
    for table in sorted(embedded):
        columns, rows, digest = embedded[table]
        assert distributed[table][0] == columns, f"{table}: columns or types differ"
        if table not in RUN_DEPENDENT:
            assert distributed[table][1:] == (rows, digest), f"{table}: rows differ"
    assert embedded["main.drift"][1] > 500  # the comparison is not vacuous


def test_lake_backfill_on_two_workers_equals_embedded(cluster, cohort_home):
    paths, start, end = cohort_home
    assert cluster.launch_job("ingest_landing") == "SUCCESS"
    t0 = time.perf_counter()
    status, run_ids = _backfill(cluster, start, end)
    elapsed = time.perf_counter() - t0
    assert status == "COMPLETED_SUCCESS", f"logs in {cluster.logs}"
    print(f"30-day backfill on 2 workers: {elapsed:.1f} s, {len(run_ids)} runs")

    _assert_same_publication(cluster, paths)
    # steps of different day ranges ran on different workers
    with cluster.instance() as instance:
        executions = step_workers(instance, run_ids)
        ranges = {
            r.run_id: r.tags.get("dagster/asset_partition_range_start")
            for r in (instance.get_run_by_id(i) for i in run_ids)
        }
    workers = {w for _, _, w in executions}
    assert {w.split("@")[0] for w in workers} == {"w1", "w2"}, executions
    by_worker = {w: {ranges[r] for r, _, ww in executions if ww == w and ranges[r]} for w in workers}
    assert all(by_worker.values()) and len(set().union(*by_worker.values())) >= 2
    assert len(run_ids) >= 4  # 30 days in runs of 10, per level of the graph, plus the publication


def test_worker_killed_mid_backfill_changes_nothing(cluster, cohort_home):
    paths, start, end = cohort_home
    if not (cluster.home / "analytics.duckdb").exists():
        assert cluster.launch_job("ingest_landing") == "SUCCESS"
    shutil.rmtree(cluster.lake / "analytics")  # the backfill must rebuild every partition
    killed = []

    def kill_w1_mid_step(instance, backfill_id):
        if killed:
            return
        from dagster import RunsFilter

        runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
        busy = [
            (run_id, step)
            for run_id, step, worker in step_workers(instance, [r.run_id for r in runs])
            if worker.startswith("w1@")
        ]
        if busy:
            cluster.kill("w1")
            killed.append(busy[0])

    status, _ = _backfill(cluster, start, end, during=kill_w1_mid_step)
    assert killed, "w1 never took a step before the backfill ended"
    assert status == "COMPLETED_SUCCESS", f"logs in {cluster.logs}"
    # RabbitMQ gave the dead worker's task to w2, which ran the step again in the same run
    run_id, step = killed[0]
    with cluster.instance() as instance:
        again = [w for r, s, w in step_workers(instance, [run_id]) if s == step]
    assert any(w.startswith("w2@") for w in again), again
    _assert_same_publication(cluster, paths)

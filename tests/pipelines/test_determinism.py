"""One landing folder gives one set of published tables however the runs were triggered (METHODS.md "Which
rows exist"): (a) `wellness run`, (b) the sensor chain, (c) one backfill run over a range much wider than the
data, (d) nightly runs day by day. (e), the distributed profile's backfill of the same cohort, is
tests/pipelines/test_distributed.py, which asserts the same tables as (a) table by table."""

import datetime as dt
import os
import shutil

import pytest
from dagster import DagsterEventType, RunRequest, build_run_status_sensor_context, build_sensor_context

from pipelines.definitions import build_definitions
from pipelines.partitions import range_tags
from pipelines.resources import WellnessHome
from pipelines.settings import Paths
from tests.pipelines.helpers import generate_home, product_instance, published_tables, query, run

pytestmark = pytest.mark.slow
COHORT = dict(participants=10, days=30, seed=21)  # test_distributed's cohort
# differ by trigger: which runs wrote the check results (one row per check and run range) and when
RUN_DEPENDENT = {"quality.check_results"}


def fingerprint(paths: Paths) -> tuple[dict, set]:
    """(every published table but the check log → its content hash, the distinct check outcomes)."""
    tables = {k: v for k, v in published_tables(paths.analytics).items() if k not in RUN_DEPENDENT}
    checks = query(paths, "SELECT DISTINCT asset, check_name, severity, passed FROM quality.check_results")
    return tables, set(map(tuple, checks.values.tolist()))


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    paths, _ = generate_home(tmp_path_factory.mktemp("source"), **COHORT)
    os.environ["WELLNESS_PSEUDONYM_KEY"] = "7a" * 32
    yield paths.landing
    del os.environ["WELLNESS_PSEUDONYM_KEY"]


@pytest.fixture(scope="module")
def by_wellness_run(tmp_path_factory, landing):
    paths = _home(tmp_path_factory.mktemp("a"), landing)
    outcome = run(paths)
    assert outcome.ok
    metrics = query(paths, "SELECT DISTINCT metric FROM analytics.daily_metrics")["metric"]
    with_baselines = query(paths, "SELECT DISTINCT metric FROM analytics.baselines")["metric"]
    assert set(with_baselines) == set(metrics)  # every daily metric has a span, the derived one included
    return paths, outcome.start, outcome.end, fingerprint(paths)


def _home(tmp_path, landing) -> Paths:
    paths = Paths(tmp_path / "home")
    shutil.copytree(landing, paths.landing)
    return paths


def _execute(defs, instance, job_name: str, tags: dict | None = None):
    result = defs.resolve_job_def(job_name).execute_in_process(instance=instance, tags=tags or {})
    assert result.success
    return result


def test_the_sensor_chain_gives_the_same_tables(tmp_path, landing, by_wellness_run):
    *_, expected = by_wellness_run
    paths = _home(tmp_path, landing)
    defs = build_definitions(paths)
    with product_instance(paths) as instance:
        landing_sensor = defs.resolve_sensor_def("landing_sensor")
        tick = landing_sensor(build_sensor_context(resources={"wellness_home": WellnessHome(home=str(paths.home))}))
        assert isinstance(tick, RunRequest)
        ingest = _execute(defs, instance, "ingest_landing", tick.tags)
        event = instance.all_logs(ingest.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event
        context = build_run_status_sensor_context(
            sensor_name="after_ingestion_sensor",
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(ingest.run_id),
            dagster_event=event,
        )
        requests = defs.resolve_sensor_def("after_ingestion_sensor")(context)
        assert requests and all(isinstance(r, RunRequest) for r in requests)
        for request in requests:  # the touched days and the 69 after them: past the data's end
            _execute(defs, instance, request.job_name, request.tags)
    assert fingerprint(paths) == expected


def test_a_backfill_much_wider_than_the_data_gives_the_same_tables(tmp_path, landing, by_wellness_run):
    _, first, last, expected = by_wellness_run
    paths = _home(tmp_path, landing)
    defs = build_definitions(paths)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with product_instance(paths) as instance:
        _execute(defs, instance, "ingest_landing")
        _execute(
            defs,
            instance,
            "daily_analytics",
            range_tags(first - dt.timedelta(days=60), min(last + dt.timedelta(days=120), yesterday)),
        )
    assert fingerprint(paths) == expected


def test_nightly_runs_day_by_day_give_the_same_tables(tmp_path, landing, by_wellness_run):
    _, first, last, expected = by_wellness_run
    paths = _home(tmp_path, landing)
    defs = build_definitions(paths)
    with product_instance(paths) as instance:
        day = first
        while day <= last + dt.timedelta(days=2):  # each night: ingest, yesterday and the 3 days before it
            _execute(defs, instance, "nightly_refresh", range_tags(day - dt.timedelta(days=3), day))
            day += dt.timedelta(days=1)
    assert fingerprint(paths) == expected


def test_a_rerun_with_nothing_changed_computes_nothing_and_changes_nothing(tmp_path, landing, by_wellness_run):
    *_, expected = by_wellness_run
    paths = _home(tmp_path, landing)
    assert run(paths).ok
    again = run(paths)
    assert again.ok and again.start is None  # nothing pending: no daily run
    assert fingerprint(paths) == expected


def _hrv_file(path, days, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "timestamp,rmssd,nremhr,entropy\n"
        + "".join(f"{d:%Y-%m-%d}T00:00:00,{rng.normal(35, 4):.1f},{rng.normal(55, 3):.1f},2.4\n" for d in days)
    )


def test_a_later_file_across_a_gap_or_a_removed_one_leaves_the_tables_of_a_fresh_run(tmp_path):
    """A later export that extends a series across a three-week gap makes the days after the old last day
    part of its span (and so able to hold rows); removing it takes them out again. Only the new file's days
    changed, yet the tables equal a fresh run's on the same folder each time."""
    first = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(70)]  # … 2024-03-10
    later = [dt.date(2024, 3, 31) + dt.timedelta(days=i) for i in range(21)]
    paths = Paths(tmp_path / "incremental")
    _hrv_file(paths.landing / "P1" / "fitbit" / "Daily Heart Rate Variability Summary - 2024-01.csv", first, 1)
    assert run(paths).ok
    late = paths.landing / "P1" / "fitbit" / "Daily Heart Rate Variability Summary - 2024-04.csv"
    _hrv_file(late, later, 2)
    assert run(paths).ok
    fresh = Paths(tmp_path / "fresh")
    shutil.copytree(paths.landing, fresh.landing)
    assert run(fresh).ok
    assert fingerprint(paths)[0] == fingerprint(fresh)[0]
    gap_rows = query(
        paths, "SELECT count(*) AS n FROM analytics.baselines WHERE day BETWEEN '2024-03-11' AND '2024-03-30'"
    )["n"][0]
    assert gap_rows > 0  # the gap's days now lie within the span and hold rows

    late.unlink()
    assert run(paths).ok
    alone = Paths(tmp_path / "alone")
    shutil.copytree(paths.landing, alone.landing)
    assert run(alone).ok
    assert fingerprint(paths)[0] == fingerprint(alone)[0]

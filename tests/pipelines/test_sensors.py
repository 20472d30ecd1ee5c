"""The landing sensor starts ingestion when files appear or change; after an ingestion, the follow-up
sensor requests exactly the partitions the files touched (plus the days whose windows read them)."""

import datetime as dt

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
    build_sensor_context,
)

from pipelines.definitions import build_definitions
from pipelines.partitions import RANGE_END_TAG, RANGE_START_TAG
from pipelines.resources import WellnessHome
from tests.pipelines.helpers import generate_home, run, write_resting_hr
from transforms import vocabulary

pytestmark = pytest.mark.slow
FOLLOW = vocabulary.windows().drift_history_days - 1


def _landing_tick(paths, cursor):
    context = build_sensor_context(cursor=cursor, resources={"wellness_home": WellnessHome(home=str(paths.home))})
    result = build_definitions(paths).resolve_sensor_def("landing_sensor")(context)
    return result, context.cursor


def _ingest_and_follow_up(paths, instance):
    result = build_definitions(paths).resolve_job_def("ingest_landing").execute_in_process(instance=instance)
    assert result.success
    dagster_run = instance.get_run_by_id(result.run_id)
    event = instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event
    context = build_run_status_sensor_context(
        sensor_name="after_ingestion_sensor", dagster_instance=instance, dagster_run=dagster_run, dagster_event=event
    )
    return build_definitions(paths).resolve_sensor_def("after_ingestion_sensor")(context)


def _ranges(requests):
    return [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in requests if RANGE_START_TAG in r.tags]


def test_a_new_file_starts_ingestion_and_only_its_days_are_recomputed(tmp_path):
    paths, cohort = generate_home(tmp_path, participants=4, days=60)
    first_tick, cursor = _landing_tick(paths, None)
    assert isinstance(first_tick, RunRequest) and first_tick.job_name in (None, "ingest_landing")
    assert isinstance(_landing_tick(paths, cursor)[0], SkipReason)  # nothing changed since

    with DagsterInstance.ephemeral() as instance:
        assert run(paths).ok  # the initial state: everything ingested and computed
        pid = cohort.people["participant_id"].iloc[0]
        late = [dt.date(2025, 2, 3), dt.date(2025, 2, 4), dt.date(2025, 2, 5)]
        write_resting_hr(paths.landing, pid, late)
        tick, _ = _landing_tick(paths, cursor)
        assert isinstance(tick, RunRequest)  # the sensor noticed the new file

        requests = _ingest_and_follow_up(paths, instance)
        follow_end = late[-1] + dt.timedelta(days=FOLLOW)
        assert _ranges(requests) == [(late[0].isoformat(), follow_end.isoformat())]
        assert all(r.job_name == "daily_analytics" for r in requests)

        # nothing new: ingestion changes nothing, so no follow-up run
        assert isinstance(_ingest_and_follow_up(paths, instance), SkipReason)

        # a file replaced with one day fewer: the removed day is recomputed too
        write_resting_hr(paths.landing, pid, late[1:])
        requests = _ingest_and_follow_up(paths, instance)
        assert _ranges(requests) == [(late[0].isoformat(), follow_end.isoformat())]

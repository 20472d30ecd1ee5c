"""The nightly schedule asks for one run over yesterday and the look-back days."""

import datetime as dt

from dagster import build_schedule_context

from pipelines.partitions import RANGE_END_TAG, RANGE_START_TAG
from pipelines.schedules import build_nightly_schedule, nightly_range
from pipelines.settings import Automation


def test_run_request_for_a_given_night():
    when = dt.datetime(2025, 3, 10, 2, 30, tzinfo=dt.UTC)
    schedule = build_nightly_schedule(Automation())
    request = schedule(build_schedule_context(scheduled_execution_time=when))
    assert request.tags[RANGE_START_TAG] == "2025-03-06" and request.tags[RANGE_END_TAG] == "2025-03-09"
    assert request.run_key == "nightly-2025-03-09"
    assert schedule.job_name == "nightly_refresh"


def test_the_schedule_is_built_from_the_automation_settings():
    when = dt.datetime(2025, 3, 10, 4, 15, tzinfo=dt.UTC)
    schedule = build_nightly_schedule(Automation(cron="15 4 * * *", timezone="Europe/Berlin", lookback_days=0))
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("15 4 * * *", "Europe/Berlin")
    request = schedule(build_schedule_context(scheduled_execution_time=when))
    assert request.tags[RANGE_START_TAG] == request.tags[RANGE_END_TAG] == "2025-03-09"


def test_look_back_is_configurable_and_crosses_month_ends():
    assert nightly_range(dt.date(2025, 3, 1), 0) == (dt.date(2025, 2, 28), dt.date(2025, 2, 28))
    assert nightly_range(dt.date(2025, 3, 2), 5) == (dt.date(2025, 2, 24), dt.date(2025, 3, 1))


def test_nightly_job_runs_ingestion_daily_assets_and_publication(tmp_path):
    from pipelines.definitions import build_definitions
    from pipelines.settings import Paths

    job = build_definitions(Paths(tmp_path)).resolve_job_def("nightly_refresh")
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert {"observations", "daily_metrics", "drift", "episodes", "analytics_duckdb"} <= keys


def test_time_timezone_look_back_and_on_off_come_from_the_environment(monkeypatch):
    import pytest

    from pipelines.settings import Automation

    for name in (
        "WELLNESS_NIGHTLY_CRON",
        "WELLNESS_NIGHTLY_TIMEZONE",
        "WELLNESS_LOOKBACK_DAYS",
        "WELLNESS_SENSOR_INTERVAL_S",
        "WELLNESS_AUTOMATION",
    ):
        monkeypatch.delenv(name, raising=False)
    assert Automation.from_env() == Automation()  # 02:30 UTC, 3 look-back days, stopped until turned on
    monkeypatch.setenv("WELLNESS_NIGHTLY_CRON", "15 4 * * *")
    monkeypatch.setenv("WELLNESS_NIGHTLY_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("WELLNESS_LOOKBACK_DAYS", "7")
    monkeypatch.setenv("WELLNESS_AUTOMATION", "Running")
    assert Automation.from_env() == Automation(
        cron="15 4 * * *", timezone="Europe/Berlin", lookback_days=7, running=True
    )
    monkeypatch.setenv("WELLNESS_AUTOMATION", "yes")
    with pytest.raises(ValueError, match="WELLNESS_AUTOMATION"):
        Automation.from_env()

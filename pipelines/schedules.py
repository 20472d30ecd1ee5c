"""The nightly schedule: ingest, then recompute yesterday and the look-back days, in one run."""

from __future__ import annotations

import datetime as dt

from dagster import DefaultScheduleStatus, RunRequest, ScheduleDefinition, ScheduleEvaluationContext, schedule

from pipelines.jobs import nightly_job
from pipelines.partitions import range_tags
from pipelines.settings import Automation


def nightly_range(run_date: dt.date, lookback_days: int) -> tuple[dt.date, dt.date]:
    """Yesterday and the ``lookback_days`` days before it (late-arriving data lands there)."""
    end = run_date - dt.timedelta(days=1)
    return end - dt.timedelta(days=lookback_days), end


def build_nightly_schedule(automation: Automation) -> ScheduleDefinition:
    """The nightly schedule with ``automation``'s cron, time zone, look-back and default status."""

    @schedule(
        job=nightly_job,
        cron_schedule=automation.cron,
        execution_timezone=automation.timezone,
        name="nightly_refresh_schedule",
        default_status=DefaultScheduleStatus.RUNNING if automation.running else DefaultScheduleStatus.STOPPED,
        description=f"{automation.cron} ({automation.timezone}): ingest, recompute yesterday and the "
        f"{automation.lookback_days} days before it, publish analytics.duckdb.",
    )
    def nightly_refresh_schedule(context: ScheduleEvaluationContext) -> RunRequest:
        start, end = nightly_range(context.scheduled_execution_time.date(), automation.lookback_days)
        return RunRequest(
            run_key=f"nightly-{end.isoformat()}", tags={**range_tags(start, end), "wellness/trigger": "nightly"}
        )

    return nightly_refresh_schedule

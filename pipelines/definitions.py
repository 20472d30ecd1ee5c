"""Dagster definitions (loaded by workspace.yaml through the lazy ``defs`` entry point). Only assembles, from
the settings of the process that loads them (pipelines/settings.py); logic lives in the packages."""

from __future__ import annotations

from dagster import DailyPartitionsDefinition, Definitions, definitions, in_process_executor

from pipelines import settings
from pipelines.assets import INGESTION_ASSETS, SUMMARY_ASSETS
from pipelines.daily_assets import backfill_policy, build_daily_assets
from pipelines.jobs import daily_job, ingest_job, nightly_job, report_job
from pipelines.metadata import describe_assets
from pipelines.partitions import daily_partitions
from pipelines.resources import build_resources
from pipelines.schedules import build_nightly_schedule
from pipelines.sensors import build_sensors
from pipelines.settings import Automation, Paths, Profile


def build_executor(profile: Profile):
    """Embedded: a run's steps one after another in its own process (one DuckDB writer). Distributed: each
    step is a Celery task on whichever worker takes it (docs/deploy.md). ``task_acks_late`` with
    ``task_reject_on_worker_lost``: a task whose worker dies is given back to the broker and run again by
    another worker (the step's writes are replacements, so the re-run converges)."""
    if not profile.distributed:
        return in_process_executor
    from dagster_celery import celery_executor

    return celery_executor.configured(celery_config(profile))


def celery_config(profile: Profile) -> dict:
    """The Celery executor's config: broker and backend by environment variable when set (so secrets in
    them never show in the run config), the queue of this deployment, late acknowledgement."""
    return {
        "broker": {"env": "WELLNESS_CELERY_BROKER"} if profile.broker_from_env else profile.broker,
        "backend": {"env": "WELLNESS_CELERY_BACKEND"} if profile.backend_from_env else profile.backend,
        "config_source": {**CELERY_CONFIG_SOURCE, "task_default_queue": profile.celery_queue},
    }


CELERY_CONFIG_SOURCE = {
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "broker_connection_retry_on_startup": True,
}


def build_definitions(
    paths: Paths | None = None, profile: Profile | None = None, automation: Automation | None = None
) -> Definitions:
    """Every asset, check, job, schedule and sensor, built for ``profile`` (the backfill policy, the executor,
    the warehouse or lake) and ``automation`` (the schedule's cron and the sensors' interval and status), on
    daily partitions from ``settings.partitions_start()``; each defaults to what the environment says."""
    paths = paths or Paths.from_env()
    profile = profile or Profile.from_env(paths)
    automation = automation or Automation.from_env()
    settings.configure_process()
    partitions = daily_partitions(settings.partitions_start(paths))
    return Definitions(
        assets=describe_assets(
            [*INGESTION_ASSETS, *build_daily_assets(partitions, backfill_policy(profile)), *SUMMARY_ASSETS],
            profile.distributed,
        ),
        jobs=[ingest_job, daily_job, nightly_job, report_job],
        schedules=[build_nightly_schedule(automation)],
        sensors=build_sensors(automation, partitions),
        resources=build_resources(paths, profile),
        executor=build_executor(profile),
    )


def daily_partitions_of(defs: Definitions) -> DailyPartitionsDefinition:
    """The daily partitions ``defs`` were built with."""
    return defs.resolve_assets_def("daily_metrics").partitions_def


@definitions
def defs() -> Definitions:
    """The definitions of this process's environment, built when a Dagster tool loads them (not at import)."""
    return build_definitions()

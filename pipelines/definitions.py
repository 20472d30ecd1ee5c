"""Dagster definitions (loaded by workspace.yaml). Only assembles; logic lives in the packages."""

from __future__ import annotations

import os

from dagster import Definitions, in_process_executor

from pipelines.assets import DAILY_ASSETS, INGESTION_ASSETS, REPORT_ASSETS
from pipelines.jobs import daily_job, ingest_job, nightly_job, report_job
from pipelines.resources import build_resources
from pipelines.schedules import nightly_refresh_schedule
from pipelines.sensors import after_ingestion_sensor, landing_sensor
from pipelines.settings import EVENT_BATCH_SIZE, Paths, Profile

os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)  # every process that loads the definitions


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
        "broker": {"env": "WELLNESS_CELERY_BROKER"} if "WELLNESS_CELERY_BROKER" in os.environ else profile.broker,
        "backend": {"env": "WELLNESS_CELERY_BACKEND"} if "WELLNESS_CELERY_BACKEND" in os.environ else profile.backend,
        "config_source": {**CELERY_CONFIG_SOURCE, "task_default_queue": profile.celery_queue},
    }


CELERY_CONFIG_SOURCE = {
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "broker_connection_retry_on_startup": True,
}


def build_definitions(paths: Paths | None = None, profile: Profile | None = None) -> Definitions:
    paths = paths or Paths.from_env()
    profile = profile or Profile.from_env(paths)
    return Definitions(
        assets=[*INGESTION_ASSETS, *DAILY_ASSETS, *REPORT_ASSETS],
        jobs=[ingest_job, daily_job, nightly_job, report_job],
        schedules=[nightly_refresh_schedule],
        sensors=[landing_sensor, after_ingestion_sensor],
        resources=build_resources(paths, profile),
        executor=build_executor(profile),
    )


defs = build_definitions()

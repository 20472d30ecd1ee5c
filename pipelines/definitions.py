"""Dagster definitions (loaded by workspace.yaml). Only assembles; logic lives in the packages."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from pipelines.assets import DAILY_ASSETS, INGESTION_ASSETS, REPORT_ASSETS
from pipelines.jobs import daily_job, ingest_job, nightly_job, report_job
from pipelines.resources import build_resources
from pipelines.schedules import nightly_refresh_schedule
from pipelines.sensors import after_ingestion_sensor, landing_sensor
from pipelines.settings import Paths


def build_definitions(paths: Paths | None = None) -> Definitions:
    paths = paths or Paths.from_env()
    return Definitions(
        assets=[*INGESTION_ASSETS, *DAILY_ASSETS, *REPORT_ASSETS],
        jobs=[ingest_job, daily_job, nightly_job, report_job],
        schedules=[nightly_refresh_schedule],
        sensors=[landing_sensor, after_ingestion_sensor],
        resources=build_resources(paths),
        # DuckDB has one writer: the embedded profile runs a run's steps one after another in one process
        executor=in_process_executor,
    )


defs = build_definitions()

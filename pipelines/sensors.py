"""Sensors: new or changed landing files start an ingestion run; every successful ingestion is followed by
runs over exactly the days its files touched (and the later days whose windows read them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterRunStatus,
    DailyPartitionsDefinition,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_status_sensor,
    sensor,
)

from pipelines.jobs import daily_job, ingest_job, nightly_job, report_job
from pipelines.partitions import RANGE_END_TAG, RANGE_START_TAG, affected_ranges, partition_bounds, range_tags
from pipelines.resources import WellnessHome
from pipelines.settings import Automation
from transforms import vocabulary


def landing_fingerprint(landing) -> str:
    """A cheap digest of the landing folder: every file's relative path, size and modification time (the
    ingestion itself compares content hashes, so a touched but unchanged file costs one no-op run)."""
    digest = hashlib.sha256()
    if not os.path.isdir(landing):
        return ""
    for root, dirs, files in os.walk(landing):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except FileNotFoundError:  # removed while walking
                continue
            digest.update(f"{os.path.relpath(path, landing)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _ingestion_metadata(context: RunStatusSensorContext) -> dict | None:
    records = context.instance.all_logs(context.dagster_run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    for record in records:
        mat = record.dagster_event.event_specific_data.materialization
        if mat.asset_key == AssetKey("observations"):
            return {k: v.value for k, v in mat.metadata.items()}
    return None


def follow_up_requests(run_id: str, meta: dict, tags: dict, partitions: tuple[dt.date, dt.date]) -> list[RunRequest]:
    """Runs that bring the analytics up to date with what an ingestion changed: the daily job over each
    affected range not already recomputed by the same run (a nightly run's own range); the summaries and
    publication alone when files changed but no day did (e.g. everything was quarantined)."""
    changed = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in meta.get("changed_day_ranges", [])]
    done = None
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        done = (dt.date.fromisoformat(tags[RANGE_START_TAG]), dt.date.fromisoformat(tags[RANGE_END_TAG]))
    follow = vocabulary.windows().drift_history_days - 1
    ranges = affected_ranges(changed, follow, *partitions, done)
    requests = [
        RunRequest(
            run_key=f"{run_id}:{a}:{b}",
            job_name=daily_job.name,
            tags={**range_tags(a, b), "wellness/trigger": "after_ingestion", "wellness/ingestion_run": run_id},
        )
        for a, b in ranges
    ]
    if not requests and done is None and meta.get("files_ingested", 0):
        requests.append(
            RunRequest(
                run_key=f"{run_id}:publish",
                job_name=report_job.name,
                tags={"wellness/trigger": "after_ingestion", "wellness/ingestion_run": run_id},
            )
        )
    return requests


def build_sensors(automation: Automation, partitions: DailyPartitionsDefinition) -> list[SensorDefinition]:
    """``landing_sensor`` and ``after_ingestion_sensor`` with ``automation``'s interval and default status, the
    follow-up runs clipped to ``partitions``."""
    status = DefaultSensorStatus.RUNNING if automation.running else DefaultSensorStatus.STOPPED

    @sensor(
        job=ingest_job,
        minimum_interval_seconds=automation.sensor_interval_s,
        name="landing_sensor",
        default_status=status,
        description="Starts an ingestion run when files in $WELLNESS_HOME/landing are added, changed or removed.",
    )
    def landing_sensor(context: SensorEvaluationContext, wellness_home: WellnessHome):
        fingerprint = landing_fingerprint(wellness_home.paths.landing)
        if not fingerprint or fingerprint == context.cursor:
            return SkipReason("landing folder unchanged")
        context.update_cursor(fingerprint)
        return RunRequest(run_key=f"landing-{fingerprint[:16]}", tags={"wellness/trigger": "landing_sensor"})

    @run_status_sensor(
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[ingest_job, nightly_job],
        request_jobs=[daily_job, report_job],
        name="after_ingestion_sensor",
        minimum_interval_seconds=automation.sensor_interval_s,
        default_status=status,
        description="After a successful ingestion, recomputes exactly the days its files touched "
        "(plus the later days whose baseline and drift windows read them).",
    )
    def after_ingestion_sensor(context: RunStatusSensorContext):
        meta = _ingestion_metadata(context)
        if meta is None:
            return SkipReason("the run materialized no observations")
        first, last = partition_bounds(partitions)
        changed = [dt.date.fromisoformat(a) for a, _ in meta.get("changed_day_ranges", [])]
        if changed and min(changed) < first:
            context.log.warning(
                f"data now starts {min(changed)}, before the first daily partition {first}: reload the "
                "code location (or set WELLNESS_PARTITIONS_START) to compute the earlier days"
            )
        requests = follow_up_requests(context.dagster_run.run_id, meta, context.dagster_run.tags, (first, last))
        return requests or SkipReason("nothing changed")

    return [landing_sensor, after_ingestion_sensor]

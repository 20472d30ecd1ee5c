"""Run the Dagster jobs from the command line, in-process, against the persistent instance (so the runs
show up in ``make dev``)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance

from pipelines.definitions import build_definitions
from pipelines.partitions import daily_partitions
from pipelines.settings import Paths
from warehouse import reads
from warehouse.connection import connect

DAGSTER_YAML = "telemetry:\n  enabled: false\n"
# Run tags Dagster uses for single-run partition ranges (as set by `dagster asset materialize
# --partition-range` and UI backfills).
ASSET_PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
ASSET_PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def dagster_instance(paths: Paths) -> DagsterInstance:
    """The instance in ``$DAGSTER_HOME``; when unset, ``$WELLNESS_HOME/dagster_home`` with telemetry off."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(paths.home / "dagster_home")
        os.environ["DAGSTER_HOME"] = home
    Path(home).mkdir(parents=True, exist_ok=True)
    config = Path(home) / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return DagsterInstance.get()


def _log_config(verbose: bool) -> dict:
    return {"loggers": {"console": {"config": {"log_level": "INFO" if verbose else "WARNING"}}}}


@dataclass
class RunOutcome:
    ingest_ok: bool
    daily_ok: bool | None
    start: dt.date | None
    end: dt.date | None

    @property
    def ok(self) -> bool:
        return self.ingest_ok and self.daily_ok is not False


def partition_bounds() -> tuple[dt.date, dt.date]:
    keys = daily_partitions.get_partition_keys()
    return dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])


def run_pipeline(paths: Paths, start: dt.date | None = None, end: dt.date | None = None,
                 reingest: bool = False, verbose: bool = False, echo=print,
                 instance: DagsterInstance | None = None) -> RunOutcome:
    """Ingest the landing folder, then materialize the daily assets over ``start … end`` in one run
    (default: every day with data)."""
    instance = instance or dagster_instance(paths)
    defs = build_definitions(paths)
    echo(f"[1/3] ingest   {paths.landing}")
    ingest_config = {**_log_config(verbose), "ops": {"landing_files": {"config": {"reingest": reingest}}}}
    ingest = defs.resolve_job_def("ingest_landing").execute_in_process(
        instance=instance, run_config=ingest_config, raise_on_error=False)
    if not ingest.success:
        echo("      ingestion failed; see the run in the Dagster UI")
        return RunOutcome(False, None, None, None)

    conn = connect(paths.warehouse)
    try:
        first, last = reads.data_day_range(conn)
    finally:
        conn.close()
    changed = ingest.asset_materializations_for_node("landing_files")[0].metadata
    changed_first = changed["first_changed_day"].value or None
    changed_last = changed["last_changed_day"].value or None
    # days whose rows a changed file removed must be recomputed even though no data is left on them
    first = min(filter(None, [first, changed_first and dt.date.fromisoformat(changed_first)]), default=None)
    last = max(filter(None, [last, changed_last and dt.date.fromisoformat(changed_last)]), default=None)
    start, end = start or first, end or last
    if start is None or end is None:
        echo("[2/3] no data in the landing folder: nothing to materialize")
        return RunOutcome(True, None, None, None)
    lo, hi = partition_bounds()
    if start < lo or end > hi:
        echo(f"      note: data runs {start} … {end} but daily partitions cover {lo} … {hi}; days outside are "
             "not materialized (set WELLNESS_PARTITIONS_START to include earlier days)")
    start, end = max(start, lo), min(end, hi)
    if start > end:
        echo(f"[2/3] {start} … {end} lies outside the daily partitions ({lo} … {hi})")
        return RunOutcome(True, None, None, None)
    n_days = (end - start).days + 1
    echo(f"[2/3] daily    {start} … {end} ({n_days} partitions, one run)")
    tags = {ASSET_PARTITION_RANGE_START_TAG: start.isoformat(), ASSET_PARTITION_RANGE_END_TAG: end.isoformat()}
    daily = defs.resolve_job_def("daily_analytics").execute_in_process(
        instance=instance, run_config=_log_config(verbose), tags=tags, raise_on_error=False)
    if not daily.success:
        echo("      daily analytics failed; see the run in the Dagster UI")
    report = defs.resolve_job_def("quality_report").execute_in_process(
        instance=instance, run_config=_log_config(verbose), raise_on_error=False)
    echo(f"[3/3] report   {paths.reports / 'quality_report.html'}")
    return RunOutcome(True, daily.success and report.success, start, end)

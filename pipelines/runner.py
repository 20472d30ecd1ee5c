"""Run the Dagster jobs from the command line, in-process, against the persistent instance (so the runs
show up in ``make dev``)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance

from pipelines import progress
from pipelines.definitions import build_definitions
from pipelines.jobs import report_job
from pipelines.partitions import daily_partitions, range_tags
from pipelines.settings import DAGSTER_YAML, Paths, Profile
from warehouse import reads
from warehouse.connection import writer



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
    with progress.listening(lambda message: echo(f"      {message}")):
        return _run(paths, start, end, reingest, verbose, echo, instance)


def _run(paths, start, end, reingest, verbose, echo, instance) -> RunOutcome:
    defs = build_definitions(paths)
    echo(f"[1/2] ingest   {paths.landing}")
    ingest_config = {**_log_config(verbose), "ops": {"landing_files": {"config": {"reingest": reingest}}}}
    ingest = defs.resolve_job_def("ingest_landing").execute_in_process(
        instance=instance, run_config=ingest_config, raise_on_error=False)
    if not ingest.success:
        echo("      ingestion failed; see the run in the Dagster UI")
        return RunOutcome(False, None, None, None)

    with writer(paths.warehouse, lake_root=Profile.from_env(paths).lake_root) as conn:
        first, last = reads.data_day_range(conn)
    changed = ingest.asset_materializations_for_node("landing_files")[0].metadata
    changed_first = changed["first_changed_day"].value or None
    changed_last = changed["last_changed_day"].value or None
    # days whose rows a changed file removed must be recomputed even though no data is left on them
    first = min(filter(None, [first, changed_first and dt.date.fromisoformat(changed_first)]), default=None)
    last = max(filter(None, [last, changed_last and dt.date.fromisoformat(changed_last)]), default=None)
    start, end = start or first, end or last
    if start is None or end is None:
        echo("[2/2] no data in the landing folder: no daily partitions to materialize")
        return RunOutcome(True, _publish_only(defs, instance, verbose), None, None)
    lo, hi = partition_bounds()
    if start < lo or end > hi:
        echo(f"      note: data runs {start} … {end} but daily partitions cover {lo} … {hi}; days outside are "
             "not materialized (set WELLNESS_PARTITIONS_START to include earlier days)")
    start, end = max(start, lo), min(end, hi)
    if start > end:
        echo(f"[2/2] {start} … {end} lies outside the daily partitions ({lo} … {hi})")
        return RunOutcome(True, _publish_only(defs, instance, verbose), None, None)
    n_days = (end - start).days + 1
    echo(f"[2/2] daily    {start} … {end} ({n_days} partitions, one run), then episodes, the quality report "
         f"and {paths.analytics.name}")
    daily = defs.resolve_job_def("daily_analytics").execute_in_process(
        instance=instance, run_config=_log_config(verbose), tags=range_tags(start, end), raise_on_error=False)
    if not daily.success:
        echo("      daily analytics failed; see the run in the Dagster UI")
    return RunOutcome(True, daily.success, start, end)


def _publish_only(defs, instance, verbose: bool) -> bool:
    """Episodes, the quality report and analytics.duckdb without daily partitions (the quarantine and file
    records still changed)."""
    return defs.resolve_job_def(report_job.name).execute_in_process(
        instance=instance, run_config=_log_config(verbose), raise_on_error=False).success


def submit_backfill(instance: DagsterInstance, start: dt.date, end: dt.date, title: str | None = None) -> str:
    """Ask the instance's backfill daemon to materialize the daily assets over start … end and then the
    summaries and analytics.duckdb: the same request as a backfill launched from the UI's asset graph.
    Embedded profile: one run (single-run backfill policy). Distributed profile: runs of
    ``$WELLNESS_RUN_PARTITIONS`` days, started side by side as the days they read complete, each run's
    steps on the Celery workers. Returns the backfill id (``dagster-daemon`` must be running)."""
    import time

    from dagster import PartitionKeyRange
    from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
    from dagster._core.execution.backfill import PartitionBackfill
    from dagster._core.utils import make_new_backfill_id

    from pipelines.assets import DAILY_ASSETS, REPORT_ASSETS

    keys = daily_partitions.get_partition_keys_in_range(PartitionKeyRange(start.isoformat(), end.isoformat()))
    days = daily_partitions.empty_subset().with_partition_keys(keys)
    # exactly these days of every daily asset (an asset-graph backfill in the UI also adds the 71 days after
    # the range that baselines and drift read them in), then the unpartitioned summaries and publication
    subset = AssetGraphSubset(
        partitions_subsets_by_asset_key={a.key: days for a in DAILY_ASSETS},
        non_partitioned_asset_keys={a.key for a in REPORT_ASSETS if a.key.path != ["participant_reports"]})
    backfill = PartitionBackfill.from_asset_graph_subset(
        backfill_id=make_new_backfill_id(), backfill_timestamp=time.time(), tags={},
        dynamic_partitions_store=instance, asset_graph_subset=subset,
        title=title or f"wellness backfill {start} … {end}", description=None, run_config=None)
    instance.add_backfill(backfill)
    return backfill.backfill_id


def wait_for_backfill(instance: DagsterInstance, backfill_id: str, timeout_s: float = 1800,
                      echo=None) -> str:
    """Block until the backfill ends; returns its final status (COMPLETED_SUCCESS, COMPLETED_FAILED, …)."""
    import time

    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        backfill = instance.get_backfill(backfill_id)
        status = backfill.status.value
        if echo and status != last:
            echo(f"backfill {backfill_id}: {status}")
            last = status
        if status not in ("REQUESTED", "CANCELING"):
            return status
        time.sleep(1)
    raise TimeoutError(f"backfill {backfill_id} still {last} after {timeout_s:.0f} s")

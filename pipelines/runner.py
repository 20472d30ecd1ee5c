"""Run the Dagster jobs from the command line, in-process, against the persistent instance (so the runs
show up in ``make dev``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance

from pipelines import progress, settings
from pipelines.definitions import build_definitions, daily_partitions_of
from pipelines.jobs import report_job
from pipelines.partitions import partition_bounds, range_tags
from pipelines.settings import Paths, Profile, dagster_yaml, partitions_start_pinned
from transforms import vocabulary
from warehouse import reads, writes
from warehouse.storage import open_warehouse


def dagster_instance(paths: Paths) -> DagsterInstance:
    """The instance in ``$DAGSTER_HOME``; when unset, ``$WELLNESS_HOME/dagster_home`` with telemetry off."""
    home = settings.dagster_home()
    if not home:
        home = str(paths.home / "dagster_home")
        settings.use_dagster_home(Path(home))
    Path(home).mkdir(parents=True, exist_ok=True)
    config = Path(home) / "dagster.yaml"
    if not config.exists():
        config.write_text(dagster_yaml(Path(home)))
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


def run_pipeline(
    paths: Paths,
    start: dt.date | None = None,
    end: dt.date | None = None,
    reingest: bool = False,
    verbose: bool = False,
    echo=print,
    instance: DagsterInstance | None = None,
) -> RunOutcome:
    """Ingest the landing folder, then materialize the daily assets over ``start … end`` in one run
    (default: every day with data)."""
    instance = instance or dagster_instance(paths)
    with progress.listening(lambda message: echo(f"      {message}")):
        return _run(paths, start, end, reingest, verbose, echo, instance)


class RangeRefused(ValueError):
    """A requested day range that holds nothing to compute (the message names the data's span)."""


def _run(paths, start, end, reingest, verbose, echo, instance) -> RunOutcome:
    defs = build_definitions(paths)
    echo(f"[1/2] ingest   {paths.landing}")
    ingest_config = {**_log_config(verbose), "ops": {"landing_files": {"config": {"reingest": reingest}}}}
    ingest = defs.resolve_job_def("ingest_landing").execute_in_process(
        instance=instance, run_config=ingest_config, raise_on_error=False
    )
    if not ingest.success:
        echo("      ingestion failed; see the run in the Dagster UI")
        return RunOutcome(False, None, None, None)

    lake_root, memory_limit = Profile.from_env(paths).lake_root, settings.duckdb_memory_limit()
    with open_warehouse(paths.warehouse, lake_root=lake_root, memory_limit=memory_limit) as wh:
        first, last = reads.data_day_range(wh.conn)
        pending = sorted(writes.days_to_recompute(wh.conn))
    lo, hi = partition_bounds(daily_partitions_of(defs))
    asked = (start, end)
    start, end = run_range(start, end, first, last, pending, (lo, hi))
    if None not in asked and (start, end) != asked:
        echo(f"      note: {asked[0]} … {asked[1]} clipped to {start} … {end}, the days that can hold rows")
    if start is None:
        echo("[2/2] nothing changed since the last run: the daily tables are up to date")
        return RunOutcome(True, _publish_only(defs, instance, verbose), None, None)
    if start < lo and not partitions_start_pinned():
        # the data now starts before the partitions these definitions were loaded with: a fresh process
        # loads them from the data span the ingestion just recorded
        echo(f"      the data now starts {start}, before the loaded partitions ({lo}): daily run in a new process")
        return RunOutcome(True, daily_in_new_process(start, end, verbose), start, end)
    if start < lo:
        echo(
            f"      note: data starts {start} but daily partitions start {lo}; earlier days are not "
            "materialized (WELLNESS_PARTITIONS_START)"
        )
        start = lo
    n_days = (end - start).days + 1
    echo(
        f"[2/2] daily    {start} … {end} ({n_days} partitions, one run), then episodes, the quality report "
        f"and {paths.analytics.name}"
    )
    daily = defs.resolve_job_def("daily_analytics").execute_in_process(
        instance=instance, run_config=_log_config(verbose), tags=range_tags(start, end), raise_on_error=False
    )
    if not daily.success:
        echo("      daily analytics failed; see the run in the Dagster UI")
    return RunOutcome(True, daily.success, start, end)


def daily_in_new_process(start: dt.date, end: dt.date, verbose: bool) -> bool:
    """The daily job over start … end in a fresh interpreter (``python -m pipelines.runner``), whose
    definitions read the partitions' start anew; True when it succeeded."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "pipelines.runner", start.isoformat(), end.isoformat()]
    return subprocess.run(argv + (["--verbose"] if verbose else []), check=False).returncode == 0


def _daily_main(argv: list[str]) -> int:
    """``python -m pipelines.runner START END [--verbose]``: the daily job over START … END on the instance of
    ``$DAGSTER_HOME``, as ``wellness run`` would run it after ingesting."""
    from pipelines.cli import terminal_echo

    start, end = dt.date.fromisoformat(argv[0]), dt.date.fromisoformat(argv[1])
    verbose = "--verbose" in argv
    paths = Paths.from_env()
    instance = dagster_instance(paths)
    echo = terminal_echo()
    with progress.listening(lambda message: echo(f"      {message}")):
        daily = (
            build_definitions(paths)
            .resolve_job_def("daily_analytics")
            .execute_in_process(
                instance=instance, run_config=_log_config(verbose), tags=range_tags(start, end), raise_on_error=False
            )
        )
    return 0 if daily.success else 1


def run_range(
    start: dt.date | None,
    end: dt.date | None,
    first: dt.date | None,
    last: dt.date | None,
    pending: list[dt.date],
    partitions: tuple[dt.date, dt.date],
) -> tuple[dt.date | None, dt.date | None]:
    """The days a run recomputes. Without ``start``/``end``: the changed days not yet recomputed (``pending``)
    and the later days whose windows read them (``drift_history_days − 1``), up to the last day with data or
    changed; (None, None) when nothing is pending. With them: that range, clipped to the days that can hold
    rows (data or changed days; METHODS.md "Which rows exist"); a range holding none is refused
    (``RangeRefused``)."""
    follow = vocabulary.windows().drift_history_days - 1
    span_last = max(filter(None, [last, pending[-1] if pending else None]), default=None)
    span_first = min(filter(None, [first, pending[0] if pending else None]), default=None)
    if start is None and end is None:
        if not pending:
            return None, None
        return pending[0], min(pending[-1] + dt.timedelta(days=follow), span_last, partitions[1])
    if span_first is None:
        raise RangeRefused(f"the warehouse holds no data yet: nothing to compute for {start or '…'} … {end or '…'}")
    start, end = start or span_first, end or span_last
    if end < span_first or start > span_last:
        raise RangeRefused(f"{start} … {end} holds no data: the data runs {span_first} … {span_last}")
    return max(start, span_first), min(end, span_last)


def _publish_only(defs, instance, verbose: bool) -> bool:
    """Episodes, the quality report and analytics.duckdb without daily partitions (the quarantine and file
    records still changed)."""
    return (
        defs.resolve_job_def(report_job.name)
        .execute_in_process(instance=instance, run_config=_log_config(verbose), raise_on_error=False)
        .success
    )


def submit_backfill(
    instance: DagsterInstance, partitions, start: dt.date, end: dt.date, title: str | None = None
) -> str:
    """Ask the instance's backfill daemon to materialize the daily assets over start … end and then the
    summaries and analytics.duckdb: the same request as a backfill launched from the UI's asset graph.
    Embedded profile: one run (single-run backfill policy). Distributed profile: runs of
    ``$WELLNESS_RUN_PARTITIONS`` days, started side by side as the days they read complete, each run's
    steps on the Celery workers. Returns the backfill id (``dagster-daemon`` must be running)."""
    import time

    from dagster import AssetKey, PartitionKeyRange
    from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
    from dagster._core.execution.backfill import PartitionBackfill
    from dagster._core.utils import make_new_backfill_id

    from pipelines.daily_assets import DAILY_ASSET_NAMES

    keys = partitions.get_partition_keys_in_range(PartitionKeyRange(start.isoformat(), end.isoformat()))
    days = partitions.empty_subset().with_partition_keys(keys)
    # exactly these days of every daily asset (an asset-graph backfill in the UI also adds the 71 days after
    # the range that baselines and drift read them in), then the unpartitioned summaries and publication
    subset = AssetGraphSubset(
        partitions_subsets_by_asset_key={AssetKey(name): days for name in DAILY_ASSET_NAMES},
        non_partitioned_asset_keys={AssetKey(name) for name in ("episodes", "quality_report", "analytics_duckdb")},
    )
    backfill = PartitionBackfill.from_asset_graph_subset(
        backfill_id=make_new_backfill_id(),
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=instance,
        asset_graph_subset=subset,
        title=title or f"wellness backfill {start} … {end}",
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill.backfill_id


def wait_for_backfill(instance: DagsterInstance, backfill_id: str, timeout_s: float = 1800, echo=None) -> str:
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


if __name__ == "__main__":
    import sys

    sys.exit(_daily_main(sys.argv[1:]))

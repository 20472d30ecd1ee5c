"""Run the Dagster jobs from the command line, in-process, against the persistent instance (so the runs
show up in ``make dev``)."""

from __future__ import annotations

import datetime as dt
import re
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

LONG_RANGE_DAYS = 90  # from this many partitions, the stock event log's per-event writes take noticeable time


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


def event_log_advice(instance: DagsterInstance) -> str | None:
    """One line when the instance keeps its event log in Dagster's stock SQLite storage (a ``dagster.yaml``
    written by hand, without the batched storage of pipelines/event_log.py), which stores a range run's
    per-partition events one by one: minutes of bookkeeping for a run over years of days."""
    from dagster._core.storage.event_log import SqliteEventLogStorage

    from pipelines.event_log import BatchedSqliteEventLogStorage

    storage = instance.event_log_storage
    if not isinstance(storage, SqliteEventLogStorage) or isinstance(storage, BatchedSqliteEventLogStorage):
        return None
    return (
        f"note: {instance.root_directory}/dagster.yaml keeps Dagster's stock SQLite event log, which stores this "
        "run's per-partition events one at a time (minutes for years of days); add the event_log_storage block "
        "that wellness writes for a new DAGSTER_HOME (module pipelines.event_log, class "
        'BatchedSqliteEventLogStorage; README, "What a partition costs")'
    )


def _log_config(verbose: bool) -> dict:
    """Dagster's console log: everything with ``--verbose``; otherwise nothing (progress lines and
    :func:`failure_lines` tell what happened, without Dagster's tracebacks: they stay in the run's log in the UI)."""
    return {"loggers": {"console": {"config": {"log_level": "INFO" if verbose else "CRITICAL"}}}}


def failure_lines(result) -> list[str]:
    """One line per failed step of an in-process run: the step and its error's message (the innermost cause
    our code raised, not Dagster's wrapper), without the traceback."""
    lines = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        error = event.step_failure_data.error
        while error is not None and error.cause is not None and error.cls_name in _WRAPPERS:
            error = error.cause
        message = (error.message if error else "").strip().splitlines()
        text = re.sub(r"^[\w.]+: ", "", message[-1]) if message else "unknown error"  # DagsterError's "module.Class: "
        lines.append(f"step {event.step_key} failed: {text}")
    return lines


_WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"}


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
        for line in failure_lines(ingest):
            echo(f"      {line}")
        echo(f"      ingestion failed; the run's full log: {settings.ui_url()}/runs/{ingest.run_id}")
        return RunOutcome(False, None, None, None)

    lake_root, memory_limit = Profile.from_env(paths).lake_root, settings.duckdb_memory_limit()
    wait_log = lambda message: echo(f"      {message}")  # noqa: E731
    with open_warehouse(paths.warehouse, log=wait_log, lake_root=lake_root, memory_limit=memory_limit) as wh:
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
    advice = event_log_advice(instance) if n_days > LONG_RANGE_DAYS else None
    if advice:
        echo(f"      {advice}")
    daily = defs.resolve_job_def("daily_analytics").execute_in_process(
        instance=instance, run_config=_log_config(verbose), tags=range_tags(start, end), raise_on_error=False
    )
    if not daily.success:
        for line in failure_lines(daily):
            echo(f"      {line}")
        echo(f"      daily analytics failed; the run's full log: {settings.ui_url()}/runs/{daily.run_id}")
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


class BackfillNotPickedUp(RuntimeError):
    """No daemon started a run of the backfill within the pick-up timeout."""


def wait_for_backfill(
    instance: DagsterInstance,
    backfill_id: str,
    timeout_s: float = 1800,
    echo=None,
    pickup_timeout_s: float | None = None,
    until_picked_up: bool = False,
    poll_s: float = 1.0,
) -> str:
    """Follow the backfill: ``echo`` hears its status changes and its runs' progress (runs started / done /
    failed, the days each run covers, elapsed time). Returns its final status (COMPLETED_SUCCESS,
    COMPLETED_FAILED, CANCELED, …), or ``PICKED_UP`` with ``until_picked_up`` once its first run exists.
    Raises BackfillNotPickedUp when no run of it exists after ``pickup_timeout_s`` (no daemon is taking
    backfills from this instance), TimeoutError after ``timeout_s``."""
    import time

    from dagster import RunsFilter

    started = time.monotonic()
    last_status, last_progress = None, None
    while True:
        elapsed = time.monotonic() - started
        backfill = instance.get_backfill(backfill_id)
        status = backfill.status.value
        runs = instance.get_runs(filters=RunsFilter.for_backfill(backfill_id))
        if echo and status != last_status:
            echo(f"backfill {backfill_id}: {status}")
            last_status = status
        progress_line = _runs_progress(runs)
        if echo and runs and progress_line != last_progress:
            echo(f"backfill {backfill_id}: {progress_line} ({elapsed:.0f} s)")
            last_progress = progress_line
        if status not in ("REQUESTED", "CANCELING"):
            return status
        if runs and until_picked_up:
            return "PICKED_UP"
        if not runs and pickup_timeout_s is not None and elapsed > pickup_timeout_s:
            raise BackfillNotPickedUp(
                f"no daemon started a run of backfill {backfill_id} within {pickup_timeout_s:.0f} s"
            )
        if elapsed > timeout_s:
            raise TimeoutError(f"backfill {backfill_id} still {status} after {timeout_s:.0f} s")
        time.sleep(poll_s)


def _runs_progress(runs) -> str:
    """``3 runs: 1 done, 0 failed, 2 in progress; days 2025-01-01 … 2025-03-31`` for a backfill's runs."""
    done = sum(r.status.value == "SUCCESS" for r in runs)
    failed = sum(r.status.value in ("FAILURE", "CANCELED") for r in runs)
    ranges = sorted(
        (r.tags.get("dagster/asset_partition_range_start"), r.tags.get("dagster/asset_partition_range_end"))
        for r in runs
        if r.tags.get("dagster/asset_partition_range_start")
    )
    days = f"; days {ranges[0][0]} … {ranges[-1][1]}" if ranges else ""
    return f"{len(runs)} run(s): {done} done, {failed} failed, {len(runs) - done - failed} in progress{days}"


if __name__ == "__main__":
    import sys

    sys.exit(_daily_main(sys.argv[1:]))

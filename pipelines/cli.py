"""``wellness`` command line: generate a synthetic cohort, run the pipeline, chart a participant, run the
demo."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import pandas as pd

from pipelines.settings import Paths


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wellness", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic cohort in real vendor export formats")
    _cohort_args(gen)
    gen.add_argument("--out", type=Path, help="landing folder to write (default $WELLNESS_HOME/landing)")
    gen.add_argument(
        "--truth", type=Path, help="ground-truth episodes CSV (default: ground_truth.csv beside the landing folder)"
    )

    run = sub.add_parser("run", help="ingest the landing folder and materialize a day range")
    run.add_argument("--start", type=_date, help="first day (default: first day with data)")
    run.add_argument("--end", type=_date, help="last day (default: last day with data)")
    run.add_argument("--reingest", action="store_true", help="parse every landing file again")
    run.add_argument(
        "--strict", action="store_true", help="exit 1 when any landing file failed (the run itself still completes)"
    )
    run.add_argument("--verbose", action="store_true", help="show Dagster's INFO logs")

    back = sub.add_parser(
        "backfill",
        help="submit a backfill of a day range to the Dagster daemon (runs of "
        "$WELLNESS_RUN_PARTITIONS days on the workers in the distributed profile)",
    )
    back.add_argument("--start", type=_date, required=True, help="first day")
    back.add_argument("--end", type=_date, required=True, help="last day")
    back.add_argument("--wait", action="store_true", help="wait for the backfill to end; exit 1 unless it succeeded")
    back.add_argument("--timeout", type=float, default=3600, help="seconds to wait with --wait (default 3600)")
    back.add_argument(
        "--pickup-timeout",
        type=float,
        default=120,
        help="seconds for a daemon to start the backfill's first run; exit 3 if none does (default 120)",
    )

    rep = sub.add_parser(
        "report",
        help="chart one participant's metrics, baseline band, flags, episodes and "
        "questionnaires (from analytics.duckdb)",
    )
    rep.add_argument("--participant", required=True, help="participant id (study id or pseudonym)")
    rep.add_argument("--out", type=Path, required=True, help="FILE.png or FILE.html")

    demo = sub.add_parser("demo", help="generate a sample cohort, run everything, print a summary")
    _cohort_args(demo)
    demo.add_argument("--verbose", action="store_true")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _cohort_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--participants", type=_positive, default=50)
    p.add_argument("--days", type=_positive, default=120)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start", type=_date, default=None, help="first day of the cohort (default 2025-01-06)")


def cmd_generate(args, paths: Paths) -> int:
    from transforms.synthetic.cohort import DEFAULT_START, CohortSpec, simulate
    from transforms.synthetic.vendor_files import write_cohort

    out = (args.out or paths.landing).resolve()
    truth = (args.truth or out.parent / "ground_truth.csv").resolve()
    spec = CohortSpec(participants=args.participants, days=args.days, seed=args.seed, start=args.start or DEFAULT_START)
    counts = write_cohort(simulate(spec), out, truth)
    print(f"generated {spec.participants} participants x {spec.days} days from {spec.start} (seed {spec.seed})")
    print(
        f"  landing:      {out}  ({counts.get('fitabase_files', 0)} Fitabase + {counts['takeout_files']} "
        f"Fitbit takeout + {counts['apple_health_files']} Apple Health files, questionnaires/surveys.csv, "
        "participants.csv)"
    )
    print(f"  ground truth: {truth}")
    return 0


def terminal_echo():
    """``print`` to the terminal, also from inside a run: Dagster redirects a step's stdout into its compute
    log, so progress lines go to a duplicate of the original stdout descriptor."""
    try:
        fd = os.dup(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # stdout without a descriptor (e.g. captured by pytest)
        return print

    def echo(message: str) -> None:
        sys.stdout.flush()
        os.write(fd, (message + "\n").encode())

    return echo


def range_problem(start: dt.date | None, end: dt.date | None, paths: Paths) -> str | None:
    """Why ``--start``/``--end`` cannot be run, before anything runs (None when they can): start after end, a
    day in the future (the last daily partition is yesterday), a day before the first partition."""
    from pipelines import settings
    from pipelines.partitions import daily_partitions, partition_bounds

    first, last = partition_bounds(daily_partitions(settings.partitions_start(paths)))
    if start and end and start > end:
        return f"--start {start} is after --end {end}"
    for flag, day in (("--start", start), ("--end", end)):
        if day and day > last:
            return f"{flag} {day} is in the future: the last day that can be computed is {last} (yesterday)"
    for flag, day in (("--start", start), ("--end", end)):
        if day and day < first:
            return f"{flag} {day} is before the first daily partition {first} (WELLNESS_PARTITIONS_START)"
    return None


def first_run_partitions(paths: Paths) -> None:
    """Before the first ingestion there is no data span for the partitions to start at (they would start
    yesterday): this process loads them from 2000-01-01, the earliest day ingestion accepts, so a first run
    over years of history needs no second start-up. Later processes start them at the data."""
    from pipelines import settings

    if not settings.partitions_start_pinned() and not paths.data_span.exists():
        settings.pin_partitions_start(settings.PARTITIONS_START_DEFAULT)


def cmd_run(args, paths: Paths) -> int:
    first_run_partitions(paths)
    from pipelines.runner import RangeRefused, run_pipeline

    problem = range_problem(args.start, args.end, paths)
    if problem:
        print(f"wellness run: {problem}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        outcome = run_pipeline(
            paths, start=args.start, end=args.end, reingest=args.reingest, verbose=args.verbose, echo=terminal_echo()
        )
    except RangeRefused as err:  # known only once the landing folder is ingested; nothing was computed
        print(f"wellness run: {err}", file=sys.stderr)
        return 2
    failed_files = print_summary(paths, time.perf_counter() - t0)
    if not outcome.ok:
        return 1
    if args.strict and failed_files:
        print(f"--strict: {failed_files} landing file(s) failed", file=sys.stderr)
        return 1
    return 0


def cmd_backfill(args, paths: Paths) -> int:
    from pipelines import settings
    from pipelines.partitions import daily_partitions
    from pipelines.runner import BackfillNotPickedUp, dagster_instance, submit_backfill, wait_for_backfill

    problem = range_problem(args.start, args.end, paths) or _outside_the_data(paths, args.start, args.end)
    if problem:
        print(f"wellness backfill: {problem}", file=sys.stderr)
        return 2
    instance = dagster_instance(paths)
    backfill_id = submit_backfill(instance, daily_partitions(settings.partitions_start(paths)), args.start, args.end)
    print(
        f"submitted backfill {backfill_id}: {args.start} … {args.end}, then episodes, the quality report and "
        f"analytics.duckdb\n  follow it: {settings.ui_url()}/runs/b/{backfill_id}?tab=runs "
        f"(the dagster-daemon of DAGSTER_HOME={settings.dagster_home()} runs it)",
        flush=True,
    )
    try:
        status = wait_for_backfill(
            instance,
            backfill_id,
            args.timeout,
            echo=lambda line: print(line, flush=True),
            pickup_timeout_s=args.pickup_timeout,
            until_picked_up=not args.wait,
        )
    except BackfillNotPickedUp:
        print(
            f"wellness backfill: no dagster-daemon picked up backfill {backfill_id} within {args.pickup_timeout:.0f} s; "
            f"it stays queued until one runs (`dagster-daemon run -w workspace.yaml` with DAGSTER_HOME="
            f"{settings.dagster_home()}, or `make dev`), or compute the range now with "
            f"`wellness run --start {args.start} --end {args.end}`",
            file=sys.stderr,
        )
        return 3
    except TimeoutError as err:
        print(f"wellness backfill: {err}; it goes on in the daemon (see the URL above)", file=sys.stderr)
        return 1
    if status == "PICKED_UP":
        return 0
    return 0 if status == "COMPLETED_SUCCESS" else 1


def _outside_the_data(paths: Paths, start: dt.date, end: dt.date) -> str | None:
    """Why a backfill of start … end would compute nothing: it lies wholly outside the warehouse's data.
    Not judged (None) while a run holds the warehouse file: the backfill then waits its turn anyway."""
    import duckdb

    from pipelines.settings import Profile
    from warehouse import reads
    from warehouse.connection import connect
    from warehouse.storage import open_warehouse

    lake_root = Profile.from_env(paths).lake_root
    if lake_root:
        with open_warehouse(paths.warehouse, lake_root=lake_root) as wh:
            first, last = reads.data_day_range(wh.conn)
    elif not paths.warehouse.exists():
        first = last = None
    else:
        try:
            conn = connect(paths.warehouse, read_only=True)
        except duckdb.IOException:
            return None
        try:
            first, last = reads.data_day_range(conn)
        finally:
            conn.close()
    if first is None:
        return "the warehouse holds no data yet: run `wellness run` first"
    if end < first or start > last:
        return f"{start} … {end} holds no data: the data runs {first} … {last}"
    return None


def cmd_demo(args, paths: Paths) -> int:
    t0 = time.perf_counter()
    args.out, args.truth = paths.landing, paths.ground_truth
    cmd_generate(args, paths)
    first_run_partitions(paths)
    from pipelines.runner import run_pipeline

    outcome = run_pipeline(paths, verbose=args.verbose, echo=terminal_echo())
    print_summary(paths, time.perf_counter() - t0, ground_truth=paths.ground_truth)
    print("\nNext:")
    print("  make dev                      # Dagster UI on http://127.0.0.1:3000 (asset graph, runs, checks)")
    print(
        f"  .venv/bin/python -c \"import duckdb; duckdb.connect('{paths.analytics}', read_only=True)"
        ".sql('SELECT * FROM analytics.participant_summary').show()\"   # see docs/data_dictionary.md"
    )
    first = _first_participant(paths)
    if first:
        print(f"  .venv/bin/wellness report --participant {first} --out {paths.reports / (first + '.png')}")
    return 0 if outcome.ok else 1


def _first_participant(paths: Paths) -> str | None:
    from warehouse.published import open_published, participant_ids

    try:
        conn = open_published(paths.analytics)
    except FileNotFoundError:
        return None
    try:
        ids = participant_ids(conn)
    finally:
        conn.close()
    return ids[0] if ids else None


MAX_LISTED_FAILURES = 10


def print_summary(paths: Paths, seconds: float, ground_truth: Path | None = None) -> int:
    """Print the run's summary; returns the number of landing files that are ``failed``."""
    from warehouse import summary
    from warehouse.connection import connect

    conn = connect(paths.warehouse, read_only=True)
    try:
        s = summary.pipeline_summary(conn)
        top = summary.top_drift_flags(conn, 10)
        flags = summary.flagged_days(conn) if ground_truth else None
    finally:
        conn.close()
    files = ", ".join(f"{n} {status}" for status, n in s["files"].items()) or "none"
    print("\n== Summary")
    print(f"participants       {s['participants']}")
    if s["first_day"] is not None:
        print(f"days               {s['days']} ({s['first_day']:%Y-%m-%d} … {s['last_day']:%Y-%m-%d})")
    print(f"files              {files}")
    failed = s["failed_files"]
    for row in failed.head(MAX_LISTED_FAILURES).itertuples():
        print(f"  FAILED           {row.path}: {_first_failure(row.path, row.message)}")
    if len(failed) > MAX_LISTED_FAILURES:
        print(
            f"  …                {len(failed) - MAX_LISTED_FAILURES} more failed files in ops.ingested_files "
            "and the quality report"
        )
    if len(failed):
        print("                   (failed files are retried on the next run; --strict makes them fail it)")
    print(
        f"rows accepted      {s['rows_accepted']:,}   quarantined {s['rows_quarantined']:,}   "
        f"vendor no-data markers {s['rows_empty']:,}"
    )
    for row in s["quarantine_by_reason"].head(5).itertuples():
        print(f"  quarantined      {row.rows:>6,}  {row.source_format}: {row.reason_kind.strip()}")
    print(
        f"tables             daily_metrics {s['daily_rows']:,} · questionnaire_scores "
        f"{s['questionnaire_scores_rows']:,} · questionnaire_change {s['questionnaire_change_rows']:,}"
    )
    print(
        f"                   baselines {s['baselines_rows']:,} · drift {s['drift_rows']:,} · proxies "
        f"{s['proxies_rows']:,} · episodes {s['episodes_rows']:,}"
    )
    checks = s["checks"]
    if len(checks):
        failed = checks[~checks["passed"]]
        print(f"checks             {int(checks['passed'].sum())} passed, {len(failed)} failed")
        for row in failed.itertuples():
            print(f"  FAILED           {row.asset}.{row.check_name} ({row.severity}): {row.unexpected_count} rows")
    blocked = s["blocked_partitions"]
    print(
        f"blocked partitions {len(blocked)}"
        + (
            ": " + ", ".join(f"{r.asset} {pd.Timestamp(r.day):%Y-%m-%d}" for r in blocked.head(5).itertuples())
            if len(blocked)
            else ""
        )
    )
    print(f"data yield         {s['low_yield']} participant·source series below 50 % days with usable signal")
    print(f"report site        {paths.reports / 'index.html'} (the cohort, a page per participant; offline)")
    print(f"quality report     {paths.reports / 'quality_report.html'}")
    print("top drift episodes (runs of flagged days; baseline proxies, not diagnoses)")
    if len(top) == 0:
        print("  none")
    for row in top.itertuples():
        recovery = (
            "not yet back in band" if pd.isna(row.recovery_days) else f"back in band after {row.recovery_days:.0f} d"
        )
        print(
            f"  {row.participant_id:<22} {row.metric:<22} {row.direction:<5} "
            f"{pd.Timestamp(row.start_day):%Y-%m-%d} … {pd.Timestamp(row.end_day):%Y-%m-%d}"
            f"  {row.n_days:>3} days  peak z {row.peak_z:+.1f}  {recovery}"
        )
    if ground_truth is not None and Path(ground_truth).exists():
        from transforms.evaluation.scoring import DAILY_EPISODE_METRICS, DETECTION_LAG_DAYS, episode_detection

        episodes = pd.read_csv(ground_truth)
        found = episode_detection(flags, episodes, DETECTION_LAG_DAYS)
        if len(found):
            print(
                f"injected episodes  {int(found['detected'].sum())}/{len(found)} daily-metric episodes flagged "
                f"({', '.join(DAILY_EPISODE_METRICS)}; see bench/drift_eval.py for recall and false flags)"
            )
    print(f"wall time          {seconds:.1f} s")
    return len(failed)


def _first_failure(path: str, message) -> str:
    """The first failure of a file's message, without the file's own path (printed already; a zip member's
    name stays)."""
    first = str(message or "").split("; ")[0]
    return first.removeprefix(f"{path}: ")[:160]


def cmd_report(args, paths: Paths) -> int:
    from transforms.reports.participant_chart import render_participant_png
    from warehouse.published import NoSuchParticipant, open_published, participant_report_data

    suffix = args.out.suffix.lower()
    if suffix not in (".png", ".html"):
        print(f"wellness report: --out must end in .png or .html, not {args.out.name!r}", file=sys.stderr)
        return 2
    try:
        conn = open_published(paths.analytics)
    except FileNotFoundError as err:
        print(f"wellness report: {err}", file=sys.stderr)
        return 1
    try:
        data = participant_report_data(conn, args.participant)
    except NoSuchParticipant as err:
        print(f"wellness report: {err}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        args.out.write_bytes(render_participant_png(args.participant, data))
    else:
        args.out.write_text(standalone_participant_page(paths.analytics, args.participant), encoding="utf-8")
    print(
        f"wrote {args.out} ({data['daily']['metric'].nunique()} metrics, {len(data['flags'])} flagged days, "
        f"{len(data['episodes'])} episodes, {len(data['scores'])} questionnaire scores)"
    )
    return 0


def standalone_participant_page(analytics: Path, participant_id: str) -> str:
    """The report site's page of one participant as a single file (plotly.js inline, no links to the site)."""
    from transforms.reports.site import by_participant, participant_page, plotly_js
    from warehouse.published import open_published, site_frames, site_series

    conn = open_published(analytics)
    try:
        frames, series = site_frames(conn), site_series(conn, [participant_id])
    finally:
        conn.close()
    summary = frames["summary"][frames["summary"]["participant_id"] == participant_id]
    units = dict(zip(frames["metrics"]["metric"], frames["metrics"]["unit"]))
    person = by_participant(series, summary)[participant_id]
    return participant_page(participant_id, person, units, inline_js=plotly_js().read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    from pipelines.settings import ConfigError, validate_environment

    args = build_parser().parse_args(argv)
    try:
        validate_environment()
    except ConfigError as err:  # one line naming the setting; nothing has run
        print(f"wellness: {err}", file=sys.stderr)
        return 2
    paths = Paths.from_env()
    handler = {
        "generate": cmd_generate,
        "run": cmd_run,
        "backfill": cmd_backfill,
        "report": cmd_report,
        "demo": cmd_demo,
    }[args.command]
    return handler(args, paths)


if __name__ == "__main__":
    sys.exit(main())

"""``wellness`` command line: generate a synthetic cohort, run the pipeline, run the demo."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

from pipelines.settings import Paths


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wellness", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic cohort in real vendor export formats")
    _cohort_args(gen)
    gen.add_argument("--out", type=Path, help="landing folder to write (default $WELLNESS_HOME/landing)")
    gen.add_argument("--truth", type=Path,
                     help="ground-truth episodes CSV (default: ground_truth.csv beside the landing folder)")

    run = sub.add_parser("run", help="ingest the landing folder and materialize a day range")
    run.add_argument("--start", type=_date, help="first day (default: first day with data)")
    run.add_argument("--end", type=_date, help="last day (default: last day with data)")
    run.add_argument("--reingest", action="store_true", help="parse every landing file again")
    run.add_argument("--verbose", action="store_true", help="show Dagster's INFO logs")

    demo = sub.add_parser("demo", help="generate a sample cohort, run everything, print a summary")
    _cohort_args(demo)
    demo.add_argument("--verbose", action="store_true")
    return parser


def _cohort_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--participants", type=int, default=50)
    p.add_argument("--days", type=int, default=120)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start", type=_date, default=None, help="first day of the cohort (default 2025-01-06)")


def cmd_generate(args, paths: Paths) -> int:
    from transforms.synthetic.cohort import DEFAULT_START, CohortSpec, simulate
    from transforms.synthetic.vendor_files import write_cohort

    out = (args.out or paths.landing).resolve()
    truth = (args.truth or out.parent / "ground_truth.csv").resolve()
    spec = CohortSpec(participants=args.participants, days=args.days, seed=args.seed,
                      start=args.start or DEFAULT_START)
    counts = write_cohort(simulate(spec), out, truth)
    print(f"generated {spec.participants} participants x {spec.days} days from {spec.start} (seed {spec.seed})")
    print(f"  landing:      {out}  ({counts.get('fitabase_files', 0)} Fitabase + {counts['takeout_files']} "
          f"Fitbit takeout + {counts['apple_health_files']} Apple Health files, questionnaires/surveys.csv, "
          "participants.csv)")
    print(f"  ground truth: {truth}")
    return 0


def cmd_run(args, paths: Paths) -> int:
    from pipelines.runner import run_pipeline

    t0 = time.perf_counter()
    outcome = run_pipeline(paths, start=args.start, end=args.end, reingest=args.reingest, verbose=args.verbose)
    print_summary(paths, time.perf_counter() - t0)
    return 0 if outcome.ok else 1


def cmd_demo(args, paths: Paths) -> int:
    t0 = time.perf_counter()
    args.out, args.truth = paths.landing, paths.ground_truth
    cmd_generate(args, paths)
    from pipelines.runner import run_pipeline

    outcome = run_pipeline(paths, verbose=args.verbose)
    print_summary(paths, time.perf_counter() - t0, ground_truth=paths.ground_truth)
    print("\nNext:")
    print("  make dev                      # Dagster UI on http://127.0.0.1:3000 (asset graph, runs, checks)")
    print(f"  .venv/bin/python -c \"import duckdb; duckdb.connect('{paths.warehouse}', read_only=True)"
          ".sql('SELECT * FROM analytics.drift WHERE flagged ORDER BY day DESC LIMIT 20').show()\"")
    return 0 if outcome.ok else 1


def print_summary(paths: Paths, seconds: float, ground_truth: Path | None = None) -> None:
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
    print(f"rows accepted      {s['rows_accepted']:,}   quarantined {s['rows_quarantined']:,}   "
          f"vendor no-data markers {s['rows_empty']:,}")
    for row in s["quarantine_by_reason"].head(5).itertuples():
        print(f"  quarantined      {row.rows:>6,}  {row.source_format}: {row.reason_kind.strip()}")
    print(f"tables             daily_metrics {s['daily_rows']:,} · questionnaire_scores "
          f"{s['questionnaire_scores_rows']:,} · questionnaire_change {s['questionnaire_change_rows']:,}")
    print(f"                   baselines {s['baselines_rows']:,} · drift {s['drift_rows']:,} · proxies "
          f"{s['proxies_rows']:,} · episodes {s['episodes_rows']:,}")
    checks = s["checks"]
    if len(checks):
        failed = checks[~checks["passed"]]
        print(f"checks             {int(checks['passed'].sum())} passed, {len(failed)} failed")
        for row in failed.itertuples():
            print(f"  FAILED           {row.asset}.{row.check_name} ({row.severity}): {row.unexpected_count} rows")
    blocked = s["blocked_partitions"]
    print(f"blocked partitions {len(blocked)}" + (": " + ", ".join(f"{r.asset} {pd.Timestamp(r.day):%Y-%m-%d}"
                                                              for r in blocked.head(5).itertuples()) if len(blocked) else ""))
    print(f"data yield         {s['low_yield']} participant·source series below 50 % days with usable signal")
    print(f"quality report     {paths.reports / 'quality_report.html'}")
    print("top drift episodes (runs of flagged days; baseline proxies, not diagnoses)")
    if len(top) == 0:
        print("  none")
    for row in top.itertuples():
        recovery = "not yet back in band" if pd.isna(row.recovery_days) else f"back in band after {row.recovery_days:.0f} d"
        print(f"  {row.participant_id:<22} {row.metric:<22} {row.direction:<5} "
              f"{pd.Timestamp(row.start_day):%Y-%m-%d} … {pd.Timestamp(row.end_day):%Y-%m-%d}"
              f"  {row.n_days:>3} days  peak z {row.peak_z:+.1f}  {recovery}")
    if ground_truth is not None and Path(ground_truth).exists():
        from transforms.synthetic.evaluation import DAILY_EPISODE_METRICS, episode_detection

        from transforms import vocabulary

        episodes = pd.read_csv(ground_truth)
        found = episode_detection(flags, episodes, vocabulary.windows().recent_days - 1)
        if len(found):
            print(f"injected episodes  {int(found['detected'].sum())}/{len(found)} daily-metric episodes flagged "
                  f"({', '.join(DAILY_EPISODE_METRICS)}; see bench/drift_eval.py for recall and false flags)")
    print(f"wall time          {seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = Paths.from_env()
    handler = {"generate": cmd_generate, "run": cmd_run, "demo": cmd_demo}[args.command]
    return handler(args, paths)


if __name__ == "__main__":
    sys.exit(main())

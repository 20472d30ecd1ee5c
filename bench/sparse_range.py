"""A long history for one person: what `wellness run` costs on one participant's Apple Health export spanning
2015-01-01 … 2024-12-31 (the generator's export, every day worn) plus their questionnaire file.

    .venv/bin/python bench/sparse_range.py [--first 2015-01-01 --last 2024-12-31] [--home DIR]

Measured, each as a subprocess (Dagster start-up included), on a fresh WELLNESS_HOME and Dagster instance:
1. `wellness run` over its default range (every day with data);
2. the same command again with nothing changed;
3. `wellness run --start <first day> --end <yesterday>`, a range running past the data (clipped to it);
4. `wellness run --start 2010-01-01`, before the first partition (refused, exit 2).
Prints one line per figure: wall time and, from the run's events in the instance, the ingestion and daily
runs' times, each daily step's, and Dagster's own overhead per asset·partition: the time each daily step
spends after its compute has returned (recording one materialization per partition), summed over the steps
and divided by asset·partitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


from pipelines.settings import dagster_yaml


def write_landing(landing: Path, first: dt.date, last: dt.date) -> None:
    from transforms.synthetic.cohort import CohortSpec, simulate
    from transforms.synthetic.vendor_files import write_cohort

    days = (last - first).days + 1
    cohort = simulate(CohortSpec(participants=1, days=days, seed=4, start=first, device_shares=(0.0, 0.0, 1.0)))
    write_cohort(cohort, landing, landing.parent / "ground_truth.parquet")


def wellness(env: dict, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "wellness"), "run", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started


def run_breakdown(dagster_home: Path) -> dict:
    """From the instance: the latest ingestion run's and daily_analytics run's wall times (first to last
    event), each daily step's duration, and Dagster's time after compute: for each step, from its first
    partition's ASSET_MATERIALIZATION to its STEP_SUCCESS, summed, with the asset·partitions it recorded."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterEventType, DagsterInstance, RunsFilter

    out = {}
    with DagsterInstance.get() as instance:
        for job in ("ingest_landing", "daily_analytics"):
            runs = instance.get_runs(RunsFilter(job_name=job), limit=1)
            if not runs:
                continue
            logs = instance.all_logs(runs[0].run_id)
            out[f"{job} run"] = logs[-1].timestamp - logs[0].timestamp
            if job != "daily_analytics":
                continue
            first_mat, started, success, count = {}, {}, {}, 0
            for record in logs:
                event = record.dagster_event
                if event is None or event.step_key is None:
                    continue
                if event.event_type == DagsterEventType.ASSET_MATERIALIZATION and event.partition:
                    first_mat.setdefault(event.step_key, record.timestamp)
                    count += 1
                elif event.event_type == DagsterEventType.STEP_START:
                    started[event.step_key] = record.timestamp
                elif event.event_type == DagsterEventType.STEP_SUCCESS:
                    success[event.step_key] = record.timestamp
            out["planned events (run start to first step)"] = min(started.values()) - logs[0].timestamp
            out["steps"] = {k: success[k] - started[k] for k in success if k in started}
            out["after compute"] = sum(success[k] - t for k, t in first_mat.items() if k in success)
            out["asset·partitions"] = count
    return out


def describe(b: dict) -> str:
    steps = ", ".join(f"{k} {v:.1f}" for k, v in sorted(b.get("steps", {}).items(), key=lambda kv: -kv[1]))
    per = 1000 * b.get("after compute", 0) / max(b.get("asset·partitions", 0), 1)
    return (
        f"ingestion run {b.get('ingest_landing run', 0):.1f} s, daily run {b.get('daily_analytics run', 0):.1f} s "
        f"(run creation with planned events {b.get('planned events (run start to first step)', 0):.1f} s; steps "
        f"{steps}); Dagster after compute {b.get('after compute', 0):.1f} s for {b.get('asset·partitions', 0):,} "
        f"asset·partitions = {per:.2f} ms per asset·partition"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--first", type=dt.date.fromisoformat, default=dt.date(2015, 1, 1))
    parser.add_argument("--last", type=dt.date.fromisoformat, default=dt.date(2024, 12, 31))
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        dagster_home = home / "dagster_home"
        dagster_home.mkdir(parents=True, exist_ok=True)
        (dagster_home / "dagster.yaml").write_text(dagster_yaml(dagster_home))  # what `wellness run` writes
        write_landing(home / "landing", args.first, args.last)
        env = {**os.environ, "WELLNESS_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}
        n_days = (args.last - args.first).days + 1

        seconds = wellness(env)
        print(
            f"wellness run, default range ({n_days:,} days of data, 1 participant): {seconds:.1f} s; "
            f"{describe(run_breakdown(dagster_home))}"
        )
        seconds = wellness(env)
        print(f"wellness run again, nothing changed: {seconds:.1f} s")
        yesterday = dt.date.today() - dt.timedelta(days=1)
        seconds = wellness(env, "--start", args.first.isoformat(), "--end", yesterday.isoformat())
        print(f"wellness run --start {args.first} --end {yesterday} (past the data's end): {seconds:.1f} s")
        refused = subprocess.run(
            [str(Path(sys.executable).parent / "wellness"), "run", "--start", "2010-01-01"],
            env=env,
            capture_output=True,
            text=True,
        )
        print(f"wellness run --start 2010-01-01: exit {refused.returncode}, {refused.stderr.strip()}")


if __name__ == "__main__":
    main()

"""One nightly run for a large cohort through Dagster, end to end, including Dagster's start-up.

    .venv/bin/python bench/nightly_run.py [--participants 10000] [--days 730] [--home /tmp/wellness_nightly] [--repeat 3]

Set-up (once per size, kept in --home): the project's generator simulates the cohort's 8 daily metrics for
--days days ending yesterday; the warehouse gets them as staging.observations and analytics.daily_metrics, and
the full history of baselines, drift and proxies computed by the production transforms a chunk of
participants at a time (what a completed backfill leaves), loaded through warehouse.writes.

Measured: `dagster job execute -j nightly_refresh` with the nightly schedule's range tags (yesterday and the
3 look-back days) as a subprocess, after one such run for the night before (which brings the summaries kept
up to date from rewritten days to their steady state) — Dagster start-up, ingestion of the (unchanged) landing folder, the daily
assets over 4 days for every participant (reading only the windows they need), their checks, episodes, the
quality report and the publication of analytics.duckdb (patching the spare generation the set-up's two
publications left, as every nightly run after the second one does). Prints the wall time, the child's peak RSS and each
step's duration from the Dagster instance. The measured run is repeated (--repeat, re-runs of the same night, as
after late data) and the median reported, with the load average before each run: a busy machine shows there.

--floor also measures what no computation can go below: the same command, tags and repeats on an empty home (no
landing file, an empty warehouse: Dagster's start-up, the imports, the run's bookkeeping and every step's fixed
cost), plus the GX suites of the tables the run checks by partition range (``quality.validation.validate``, after
one warm-up call) on the rows the measured run wrote, read back from the warehouse. Their sum is the nightly's
floor at this size on this machine: the product's shape (a Dagster run per night, every written row validated)
costs it before a single window is read or computed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

SOURCES = {
    "resting_hr_bpm": "fitbit_takeout_resting_hr",
    "hrv_rmssd_ms": "fitbit_takeout_hrv",
    "sleep_minutes": "fitbit_takeout_sleep",
    "sleep_efficiency_pct": "fitbit_takeout_sleep",
    "sleep_midpoint_min": "fitbit_takeout_sleep",
    "steps": "fitabase_daily_activity",
    "active_minutes": "fitabase_daily_activity",
    "sedentary_minutes": "fitabase_daily_activity",
}


def build_warehouse(home: Path, participants: int, days: int, chunk: int = 500) -> None:
    from backfill_stats import METRICS, cohort_arrays, long_frame

    from pipelines.settings import Paths
    from transforms import vocabulary
    from transforms.stats.baselines import compute_baselines
    from transforms.stats.drift import compute_drift
    from transforms.stats.proxies import compute_proxies
    from warehouse import tables, writes
    from warehouse.connection import connect

    win = vocabulary.windows()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    cohort, arrays = cohort_arrays(participants, days, seed=5)
    shift = pd.Timestamp(yesterday) - cohort.dates[-1]  # the cohort ends yesterday
    cohort.dates = cohort.dates + shift
    paths = Paths(home)
    paths.landing.mkdir(parents=True, exist_ok=True)
    units = {m: s.unit for m, s in vocabulary.metrics().items()}
    first, last = cohort.dates[0].date(), cohort.dates[-1].date()
    start = cohort.dates[win.lookback_days - 1].date()
    conn = connect(paths.warehouse)
    try:
        t0 = time.perf_counter()
        for lo in range(0, participants, chunk):
            rows = np.arange(lo, min(lo + chunk, participants))
            daily = long_frame(cohort, arrays, rows)
            daily["day"] = daily["day"].astype("datetime64[s]")
            daily["unit"] = daily["metric"].map(units)
            daily["source"] = daily["metric"].map(SOURCES)
            obs = daily.assign(
                observed_at=pd.NaT,
                coverage=np.nan,
                source_file="bench/" + daily["source"],
                locator="day " + daily["day"].dt.strftime("%Y-%m-%d"),
            )
            conn.register("obs", obs)
            conn.execute("INSERT INTO staging.observations BY NAME SELECT * FROM obs")
            conn.unregister("obs")
            conn.register("dm", daily.assign(n_obs=1, coverage=np.nan))
            conn.execute(
                "INSERT INTO analytics.daily_metrics BY NAME SELECT participant_id, day, metric, value, "
                "unit, source, n_obs, coverage FROM dm"
            )
            conn.unregister("dm")
            values = daily[["participant_id", "day", "metric", "value"]]
            base = compute_baselines(values, start, last, win)
            drift = compute_drift(values, start, last, win)
            suff = base.set_index(["participant_id", "day", "metric"])["sufficient"]
            prox = compute_proxies(
                drift[["participant_id", "day", "metric", "robust_z"]].join(
                    suff.rename("baseline_sufficient"), on=["participant_id", "day", "metric"]
                ),
                win.min_proxy_components,
            )
            for table, frame in ((tables.BASELINES, base), (tables.DRIFT, drift), (tables.PROXIES, prox)):
                with writes.transaction(conn), writes.registered(conn, "incoming", frame):
                    conn.execute(table.insert_frame_sql)
            print(
                f"  set-up: {min(lo + chunk, participants):,}/{participants:,} participants "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        conn.execute(
            "INSERT INTO ops.series_spans SELECT participant_id, metric, min(day), max(day) "
            "FROM staging.observations GROUP BY ALL"
        )  # what ingestion commits keep
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    (home / "bench_setup.json").write_text(
        json.dumps(
            {
                "participants": participants,
                "days": days,
                "first": str(first),
                "last": str(last),
                "metrics": list(METRICS),
            }
        )
    )


def ensure_published(home: Path) -> None:
    """What a deployment that has run before has: a published generation and a spare (two publications),
    so the measured run patches the spare in place as every later nightly run does."""
    from pipelines.settings import Paths
    from warehouse.connection import connect
    from warehouse.embedded import DuckDBFileWarehouse
    from warehouse.publish import publish, usable_generations

    paths = Paths(home)
    conn = connect(paths.warehouse)
    try:
        while usable_generations(conn, paths.analytics) < 2:
            t0 = time.perf_counter()
            publish(DuckDBFileWarehouse(conn), paths.analytics)
            print(f"  set-up: published analytics.duckdb ({time.perf_counter() - t0:.0f} s)", flush=True)
    finally:
        conn.close()


def nightly(home: Path, dagster_home: Path, first: str, start: dt.date, end: dt.date) -> tuple[float, float, list]:
    """One ``dagster job execute -j nightly_refresh`` over start … end: wall seconds, the child's peak RSS (MB)
    and the run's step stats."""
    from dagster import DagsterInstance

    from pipelines.partitions import range_tags

    env = {
        **os.environ,
        "WELLNESS_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "WELLNESS_PARTITIONS_START": first,
    }
    cmd = [
        str(Path(sys.executable).parent / "dagster"),
        "job",
        "execute",
        "-m",
        "pipelines.definitions",
        "-j",
        "nightly_refresh",
        "--tags",
        json.dumps(range_tags(start, end)),
    ]
    code = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r)"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *cmd], env=env, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        print(out.stdout[-3000:], out.stderr[-3000:])
        raise SystemExit(f"nightly run failed ({out.returncode})")
    peak = int(out.stderr.strip().splitlines()[-1]) / 1024
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_runs(limit=1)[0]
        assert run.status.value == "SUCCESS", run.status
        steps = instance.get_run_step_stats(run.run_id)
    return seconds, peak, steps


def empty_home_runs(root: Path, first: str, start: dt.date, end: dt.date, repeat: int) -> list[float]:
    """Wall seconds of ``repeat`` nightly runs over start … end on a home with no landing file and no warehouse."""
    import shutil

    from pipelines.settings import dagster_yaml

    home = root / "empty"
    shutil.rmtree(home, ignore_errors=True)
    (home / "landing").mkdir(parents=True)
    (home / "dagster_home").mkdir()
    (home / "dagster_home" / "dagster.yaml").write_text(dagster_yaml(home / "dagster_home"))
    return [nightly(home, home / "dagster_home", first, start, end)[0] for _ in range(repeat)]


def check_seconds(warehouse: Path, start: dt.date, end: dt.date) -> dict[str, tuple[int, float]]:
    """Per table the nightly checks by partition range: (rows of start … end, seconds of its GX suite on them)."""
    import duckdb

    from quality.validation import validate
    from warehouse import reads, tables

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        frames = {name: reads.days(conn, tables.CHECKED[name], start, end) for name in tables.PARTITIONED}
    finally:
        conn.close()
    validate("daily_metrics", frames["daily_metrics"].head(100))  # GX's first call in a process builds its context
    out = {}
    for name, frame in frames.items():
        t0 = time.perf_counter()
        validate(name, frame)
        out[name] = (len(frame), time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--home", type=Path, default=Path("/tmp/wellness_nightly"))
    ap.add_argument("--lookback", type=int, default=3)
    ap.add_argument(
        "--repeat", type=int, default=3, help="measured runs (re-runs of the same night); the median is reported"
    )
    ap.add_argument("--floor", action="store_true", help="also measure the floor (module docstring)")
    args = ap.parse_args()
    home = args.home / f"{args.participants}x{args.days}"
    setup = home / "bench_setup.json"
    yesterday = dt.date.today() - dt.timedelta(days=1)
    if not setup.exists() or json.loads(setup.read_text())["last"] != str(yesterday):
        import shutil

        shutil.rmtree(home, ignore_errors=True)
        print(f"building a {args.participants:,} × {args.days}-day warehouse in {home} …", flush=True)
        t0 = time.perf_counter()
        build_warehouse(home, args.participants, args.days)
        print(f"  set-up done in {time.perf_counter() - t0:.0f} s", flush=True)
    ensure_published(home)
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(exist_ok=True)
    from pipelines.schedules import nightly_range
    from pipelines.settings import dagster_yaml

    (dagster_home / "dagster.yaml").write_text(dagster_yaml(dagster_home))
    first = json.loads(setup.read_text())["first"]
    warehouse_mb = (home / "warehouse.duckdb").stat().st_size / 1e6
    print(
        f"{os.cpu_count()} cores; {args.participants:,} participants × {args.days} days × 8 metrics; "
        f"warehouse {warehouse_mb:,.0f} MB"
    )
    # the night before: brings the summaries kept up to date from rewritten days (coverage months, episodes)
    # to the state every later night starts from
    start, end = nightly_range(dt.date.today() - dt.timedelta(days=1), args.lookback)
    seconds, peak, _ = nightly(home, dagster_home, first, start, end)
    print(f"  the night before ({start} … {end}): {seconds:.1f} s, peak RSS {peak:,.0f} MB")
    start, end = nightly_range(dt.date.today(), args.lookback)
    runs = []
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        seconds, peak, steps = nightly(home, dagster_home, first, start, end)
        runs.append((seconds, peak, steps))
        print(f"  measured run {i + 1}: {seconds:.1f} s (1-min load average before it {load:.2f})", flush=True)
    seconds, peak, steps = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    print(
        f"nightly run (dagster job execute nightly_refresh, {start} … {end}): {seconds:.1f} s wall including "
        f"Dagster start-up (median of {len(runs)}), peak RSS {peak:,.0f} MB, run SUCCESS"
    )
    for s in sorted(steps, key=lambda s: s.start_time or 0):
        if s.start_time and s.end_time:
            print(f"  step {s.step_key:<24} {s.end_time - s.start_time:6.1f} s")
    if not args.floor:
        return
    empty = sorted(empty_home_runs(args.home, first, start, end, args.repeat))
    checks = check_seconds(home / "warehouse.duckdb", start, end)
    print(
        f"floor: the same run on an empty home {empty[len(empty) // 2]:.1f} s (median of {len(empty)}: "
        + ", ".join(f"{s:.1f}" for s in empty)
        + " s)"
    )
    for name, (rows, secs) in checks.items():
        print(f"  GX suite {name:<22} {rows:>10,} rows {secs:6.2f} s")
    gx_total = sum(secs for _, secs in checks.values())
    print(
        f"floor: {empty[len(empty) // 2] + gx_total:.1f} s = empty run {empty[len(empty) // 2]:.1f} s + the night's "
        f"checks {gx_total:.1f} s, before any window is read or computed; measured run {seconds:.1f} s"
    )


if __name__ == "__main__":
    main()

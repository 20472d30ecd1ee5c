"""A multi-year export costs what its data costs: one participant's WHOOP export (``physiological_cycles.csv``
and ``sleeps.csv`` with WHOOP's columns, one cycle and one sleep a day, written here) of 1, 5 and 10 years,
each in a fresh WELLNESS_HOME through

1. the ingestion alone (``pipelines.landing_ingestion.ingest_landing``, in this process): seconds and µs per day;
2. ``wellness run`` (a subprocess, Dagster start-up, the daily run over every day and publication included).

    .venv/bin/python bench/multi_year_export.py [--years 1,5,10]

Time proportional to the data shows as a flat µs per day across the sizes (the fixed start-up aside).
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

import numpy as np
import pandas as pd

from pipelines.landing_ingestion import ingest_landing
from pipelines.settings import dagster_yaml
from warehouse.connection import connect
from warehouse.embedded import DuckDBFileWarehouse

CYCLE_COLUMNS = [
    "Cycle start time", "Cycle end time", "Cycle timezone", "Recovery score %", "Resting heart rate (bpm)",
    "Heart rate variability (ms)", "Skin temp (celsius)", "Blood oxygen %", "Day Strain", "Energy burned (cal)",
    "Max HR (bpm)", "Average HR (bpm)", "Sleep onset", "Wake onset", "Sleep performance %",
    "Respiratory rate (rpm)", "Asleep duration (min)", "In bed duration (min)", "Light sleep duration (min)",
    "Deep (SWS) duration (min)", "REM duration (min)", "Awake duration (min)", "Sleep need (min)",
    "Sleep debt (min)", "Sleep efficiency %", "Sleep consistency %",
]  # fmt: skip
SLEEP_COLUMNS = [
    "Cycle start time", "Cycle end time", "Cycle timezone", "Sleep onset", "Wake onset", "Sleep performance %",
    "Respiratory rate (rpm)", "Asleep duration (min)", "In bed duration (min)", "Light sleep duration (min)",
    "Deep (SWS) duration (min)", "REM duration (min)", "Awake duration (min)", "Sleep need (min)",
    "Sleep debt (min)", "Sleep efficiency %", "Sleep consistency %", "Nap",
]  # fmt: skip


def write_export(folder: Path, days: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    last = dt.date.today() - dt.timedelta(days=2)
    day = pd.date_range(end=pd.Timestamp(last), periods=days, freq="D")
    onset = day - pd.Timedelta(days=1) + pd.to_timedelta(22 * 60 + rng.integers(0, 120, days), unit="min")
    in_bed = rng.integers(380, 540, days)
    wake = onset + pd.to_timedelta(in_bed, unit="min")
    asleep = (in_bed * rng.uniform(0.82, 0.96, days)).round()
    stamp = lambda t: t.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    common = {
        "Cycle start time": stamp(onset),
        "Cycle end time": stamp(onset + pd.Timedelta(days=1)),
        "Cycle timezone": "UTC-04:00",
        "Sleep onset": stamp(onset),
        "Wake onset": stamp(wake),
        "Sleep performance %": rng.integers(60, 100, days),
        "Respiratory rate (rpm)": rng.normal(15, 0.5, days).round(1),
        "Asleep duration (min)": asleep,
        "In bed duration (min)": in_bed,
        "Sleep efficiency %": (100 * asleep / in_bed).round(),
    }
    cycles = pd.DataFrame(common | {
        "Recovery score %": rng.integers(20, 100, days),
        "Resting heart rate (bpm)": rng.normal(58, 3, days).round(),
        "Heart rate variability (ms)": rng.normal(45, 8, days).round(),
    }).reindex(columns=CYCLE_COLUMNS)  # fmt: skip
    sleeps = pd.DataFrame(common | {"Nap": "false"}).reindex(columns=SLEEP_COLUMNS)
    folder.mkdir(parents=True, exist_ok=True)
    cycles.to_csv(folder / "physiological_cycles.csv", index=False)
    sleeps.to_csv(folder / "sleeps.csv", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="1,5,10")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; one participant's WHOOP export, one cycle and one sleep a day")
    for years in (int(y) for y in args.years.split(",")):
        days = 365 * years
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            write_export(home / "landing" / "W1", days)
            conn = connect(home / "probe.duckdb")
            started = time.perf_counter()
            report = ingest_landing(DuckDBFileWarehouse(conn), home / "landing", key=b"bench")
            ingest_s = time.perf_counter() - started
            conn.close()
            (home / "probe.duckdb").unlink()
            (home / "dh").mkdir()
            (home / "dh" / "dagster.yaml").write_text(dagster_yaml(home / "dh"))
            env = {
                **os.environ,
                "WELLNESS_HOME": str(home),
                "DAGSTER_HOME": str(home / "dh"),
                "WELLNESS_PSEUDONYM_KEY": "ab" * 32,
            }
            started = time.perf_counter()
            subprocess.run(
                [str(Path(sys.executable).parent / "wellness"), "run"], env=env, check=True, capture_output=True
            )
            run_s = time.perf_counter() - started
        print(
            f"{years:>2} years ({days:,} days, {report.rows_accepted:,} rows): ingestion {ingest_s:.2f} s "
            f"({1e6 * ingest_s / days:.0f} µs/day); wellness run {run_s:.1f} s ({1e3 * run_s / days:.1f} ms/day)"
        )


if __name__ == "__main__":
    main()

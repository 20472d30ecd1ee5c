"""Hostile landing files against the read bounds of transforms/config/ingest.toml: the time ingestion takes on
a CSV whose header is very wide or very long, beside one good file, and what becomes of each.

    .venv/bin/python bench/landing_bounds.py [--columns 131072] [--header-mb 60]

Prints one line per case: seconds for the whole ingestion (the good file included), the wide file's status
and message, and whether the good file was ingested.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pipelines.landing_ingestion import ingest_landing
from warehouse.connection import connect
from warehouse.embedded import DuckDBFileWarehouse

GOOD = (
    "Id,ActivityDate,TotalSteps,TotalDistance,TrackerDistance,LoggedActivitiesDistance,VeryActiveDistance,"
    "ModeratelyActiveDistance,LightActiveDistance,SedentaryActiveDistance,VeryActiveMinutes,"
    "FairlyActiveMinutes,LightlyActiveMinutes,SedentaryMinutes,Calories\n"
    "1503960366,4/12/2016,100,0,0,0,0,0,0,0,10,5,100,700,1800\n"
)


def case(name: str, header: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing" / "cohort"
        landing.mkdir(parents=True)
        (landing / "wide.csv").write_text(header + "\n1,4/12/2016\n")
        (landing / "dailyActivity_merged.csv").write_text(GOOD)
        conn = connect(Path(tmp) / "warehouse.duckdb")
        started = time.perf_counter()
        ingest_landing(DuckDBFileWarehouse(conn), Path(tmp) / "landing", key=b"bench" * 8)
        seconds = time.perf_counter() - started
        rows = dict(
            conn.execute("SELECT path, status || ': ' || coalesce(message, '') FROM ops.ingested_files").fetchall()
        )
        conn.close()
    print(
        f"{name}: {seconds:.2f} s; wide.csv {rows['cohort/wide.csv'][:140]}; good file "
        f"{rows['cohort/dailyActivity_merged.csv'].split(':')[0]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", type=int, default=131_072)
    parser.add_argument("--header-mb", type=int, default=60)
    args = parser.parse_args()
    case(f"header of {args.columns:,} columns", "Id,ActivityDate," + ",".join(f"c{i}" for i in range(args.columns)))
    long_name = "x" * (args.header_mb * 1_000_000)
    case(f"header of {args.header_mb} MB", "Id,ActivityDate," + long_name)


if __name__ == "__main__":
    main()

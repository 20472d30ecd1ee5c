"""Minute-level heart rate → canonical daily rows: rows/s, MB/s and peak RSS of the real ingestion code,
beside DuckDB's own group-by over the same rows (the floor).

    .venv/bin/python bench/ingest_heart_rate.py [--rows 10000000] [--participants 200] [--dir /tmp/wellness_bench]

Generates (once, with DuckDB) a Fitabase ``heartrate_seconds_merged.csv`` (Id, Time as ``4/12/2016 7:21:00 AM``,
Value; one sample a minute for each participant) and the same rows as Parquet (typed columns), then runs each
measurement in a fresh process so its peak RSS is its own:
  duckdb_csv       DuckDB: read the CSV, parse the time, per-person-day count/mean/min/max
  duckdb_parquet   DuckDB: the same group-by over the Parquet file
  arrow_csv        pyarrow: the multi-threaded CSV reader with the columns typed (what the ingestion path is built
                   on) and the same group-by, without validation
  wellness_csv     the ingestion path as pipelines.landing_ingestion runs it: transforms.ingest.parse.detect + parse_input
                   (account ids → keyed pseudonyms) → quality.rules.apply_row_rules →
                   transforms.ingest.samples.DailyFromSamples. A clean file this large is read, judged and folded into
                   daily rows by DuckDB (transforms/ingest/sources/_engine_daily.py); a file with any bad line goes
                   the Arrow way below, which keeps every bad line with its number for quarantine
  wellness_csv_arrow  the same with the DuckDB reader off: Arrow blocks → row rules → DailyFromSamples
  wellness_parquet the ingestion path on the Parquet copy (fitabase_intraday reads Parquet copies of its tables)
Modules are imported before the clock starts (a pipeline process imports them once, not per file).
Apple Health XML has its own script (bench/apple_health_parse.py). One line per figure.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from _measure import report_child, run_child
from _pipeline_ingest import IMPORTS as INGEST_IMPORTS
from _pipeline_ingest import ingest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def generate(csv: Path, parquet: Path, rows: int, participants: int) -> None:
    import duckdb

    csv.parent.mkdir(parents=True, exist_ok=True)
    minutes = rows // participants
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE hr AS
        SELECT 1503960366 + p * 7919 AS Id,
               TIMESTAMP '2016-04-12 00:00:00' + INTERVAL (m) MINUTE AS t,
               CAST(62 + 12 * sin(m / 229.0) + (hash(p, m) % 9) AS INTEGER) AS Value
        FROM range({participants}) r(p), range({minutes}) s(m)""")
    con.execute(f"""COPY (SELECT Id, strftime(t, '%-m/%-d/%Y %-I:%M:%S %p') AS Time, Value FROM hr ORDER BY Id, t)
                    TO '{csv}' (HEADER, DELIMITER ',')""")
    con.execute(f"COPY (SELECT Id, t AS Time, Value FROM hr ORDER BY Id, t) TO '{parquet}' (FORMAT parquet)")


def duckdb_csv(path: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    n, groups = con.execute(f"""
        SELECT sum(n), count(*) FROM (
            SELECT Id, CAST(strptime(Time, '%m/%d/%Y %I:%M:%S %p') AS DATE) AS day,
                   count(*) AS n, avg(Value), min(Value), max(Value)
            FROM read_csv('{path}', header = true, columns = {{'Id': 'BIGINT', 'Time': 'VARCHAR', 'Value': 'INTEGER'}})
            GROUP BY ALL)""").fetchone()
    return {"records": int(n), "daily_rows": int(groups)}


def duckdb_parquet(path: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    n, groups = con.execute(f"""
        SELECT sum(n), count(*) FROM (
            SELECT Id, CAST(Time AS DATE) AS day, count(*) AS n, avg(Value), min(Value), max(Value)
            FROM read_parquet('{path}') GROUP BY ALL)""").fetchone()
    return {"records": int(n), "daily_rows": int(groups)}


def arrow_csv(path: Path) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={"Id": pa.string(), "Time": pa.timestamp("s"), "Value": pa.float64()},
            timestamp_parsers=["%m/%d/%Y %I:%M:%S %p"],
        ),
    )
    table = table.append_column("day", pc.cast(table.column("Time"), pa.date32()))
    daily = table.group_by(["Id", "day"]).aggregate(
        [("Value", "count"), ("Value", "mean"), ("Value", "min"), ("Value", "max")]
    )
    return {"records": int(pc.sum(daily.column("Value_count")).as_py()), "daily_rows": daily.num_rows}


def wellness_csv(path: Path) -> dict:
    return ingest(path)


def wellness_parquet(path: Path) -> dict:
    """The same ingestion path on the Parquet copy of the file (typed columns: DuckDB folds it)."""
    return wellness_csv(path)


def wellness_csv_arrow(path: Path) -> dict:
    """The ingestion path with the DuckDB reader off: Arrow blocks, row rules, DailyFromSamples (the path
    before issue 21, and the one a file with any irregular line still takes)."""
    from transforms.ingest.sources import fitabase_intraday

    fitabase_intraday.ENGINE_MIN_BYTES = float("inf")
    return wellness_csv(path)


KINDS = {
    "duckdb_csv": duckdb_csv,
    "duckdb_parquet": duckdb_parquet,
    "arrow_csv": arrow_csv,
    "wellness_csv": wellness_csv,
    "wellness_csv_arrow": wellness_csv_arrow,
    "wellness_parquet": wellness_parquet,
}
# imported before the clock starts: a pipeline process loads them once, not per file
IMPORTS = {
    "duckdb_csv": ["duckdb"],
    "duckdb_parquet": ["duckdb"],
    "arrow_csv": ["pyarrow.csv", "pyarrow.compute"],
    "wellness_csv": INGEST_IMPORTS,
}
IMPORTS["wellness_csv_arrow"] = IMPORTS["wellness_parquet"] = IMPORTS["wellness_csv"] + ["pyarrow.parquet"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/wellness_bench"))
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--child", choices=list(KINDS))
    ap.add_argument("--path", type=Path)
    args = ap.parse_args()
    if args.child:
        report_child(KINDS[args.child], args.path, IMPORTS[args.child])
        return
    csv = args.dir / f"heartrate_seconds_{args.rows}.csv"
    parquet = csv.with_suffix(".parquet")
    if not csv.exists() or not parquet.exists():
        print(f"generating {args.rows:,} rows at {csv} …", flush=True)
        generate(csv, parquet, args.rows, args.participants)
    print(
        f"{os.cpu_count()} cores; {args.rows:,} heart-rate rows, {args.participants} participants; "
        f"CSV {csv.stat().st_size / 1e6:.0f} MB, Parquet {parquet.stat().st_size / 1e6:.0f} MB"
    )
    results = {}
    for kind in args.kinds.split(","):
        path = parquet if kind.endswith("parquet") else csv
        r = results[kind] = run_child(__file__, kind, path)
        mb = path.stat().st_size / 1e6
        print(
            f"{kind:<15} {r['records'] / r['seconds'] / 1e6:6.2f} M rows/s  {mb / r['seconds']:7.1f} MB/s  "
            f"peak RSS {r['peak_rss_mb']:6.0f} MB  ({r['seconds']:.1f} s, {r['records']:,} rows → "
            f"{r['daily_rows']:,} person-days)"
        )
    if "duckdb_csv" in results:
        d = results["duckdb_csv"]
        for kind in ("wellness_csv", "wellness_csv_arrow"):
            if kind in results:
                print(f"{kind} speed / duckdb_csv speed: {d['seconds'] / results[kind]['seconds']:.2f}×")
    if "duckdb_parquet" in results and "wellness_parquet" in results:
        ratio = results["duckdb_parquet"]["seconds"] / results["wellness_parquet"]["seconds"]
        print(f"wellness_parquet speed / duckdb_parquet speed: {ratio:.2f}×")


if __name__ == "__main__":
    main()

"""Fitabase minute tables → canonical daily rows: rows/s, MB/s and peak RSS of the real ingestion code, beside
DuckDB's own read + per-person-day group-by over the same file (the floor). Heart rate has its own script
(bench/ingest_heart_rate.py); this one measures the other two minute-level tables Fitabase exports:

    .venv/bin/python bench/ingest_fitabase_minutes.py [--table minute_sleep|minute_steps] [--rows 10000000]
        [--participants 200] [--dir /tmp/wellness_bench] [--kinds duckdb_csv,duckdb_rows,wellness_csv,…]

Tables (generated once with DuckDB, in Fitabase's spelling ``4/12/2016 2:47:30 AM``):
  minute_sleep   ``minuteSleep_merged.csv`` (Id, date, value, logId): one ~7 h night a day per participant, a
                 minute per line, value 1 asleep / 2 restless / 3 awake, half of the nights on :30 seconds
  minute_steps   ``minuteStepsNarrow_merged.csv`` (Id, ActivityMinute, Steps): every minute of every day

Kinds (each in a fresh process so its peak RSS is its own; modules imported before the clock starts):
  duckdb_csv         DuckDB: read the CSV, parse the time, per-person-day count and sum (sleep: of asleep minutes)
  duckdb_rows        the sleep engine's DuckDB query streamed out as Arrow batches and only counted (the part of
                     wellness_csv before any folding: the bound of a design that brings rows out of DuckDB)
  wellness_csv       the ingestion path as pipelines.landing_ingestion runs it: detect + parse_input (ids →
                     keyed pseudonyms) → quality.rules.apply_row_rules → DailyFromSamples. A clean file is read
                     by DuckDB (transforms/ingest/sources/_engine_daily.py and _engine_sleep.py)
  wellness_csv_warm  the same, timed on the second run in one process (a pipeline ingesting several such files:
                     the first run also opens DuckDB and warms numpy's and Arrow's first calls)
  wellness_csv_text  the same with the DuckDB readers off: minute sleep as text cells judged by the row rules (the
                     path of a file with a bad line before _sleep_blocks), steps in Arrow blocks (_arrow_csv)
  wellness_csv_cut   the ingestion path on a copy of the file whose last line is cut in half (an interrupted copy:
                     one bad line). DuckDB declines it; minute sleep is then read in blocks (_sleep_blocks), steps
                     in Arrow blocks, the bad line quarantined with its number
One line per figure, then each wellness kind's speed over duckdb_csv's.
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

NIGHT_MINUTES = 420
FILES = {"minute_sleep": "minuteSleep_merged", "minute_steps": "minuteStepsNarrow_merged"}
TIME_FORMAT = "%-m/%-d/%Y %-I:%M:%S %p"


def generate(table: str, csv: Path, rows: int, participants: int) -> None:
    import duckdb

    csv.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if table == "minute_sleep":
        nights = max(1, rows // (participants * NIGHT_MINUTES))
        con.execute(f"""COPY (
            SELECT 1503960366 + p * 7919 AS Id,
                   strftime(TIMESTAMP '2016-04-12 22:30:00' + INTERVAL (n) DAY + INTERVAL (hash(p, n) % 90) MINUTE
                            + INTERVAL (m) MINUTE + INTERVAL (30 * (hash(n, p) % 2)) SECOND, '{TIME_FORMAT}') AS date,
                   CASE hash(p, n, m) % 20 WHEN 0 THEN 3 WHEN 1 THEN 2 ELSE 1 END AS value,
                   11380564589 + p * 1000 + n AS logId
            FROM range({participants}) a(p), range({nights}) b(n), range({NIGHT_MINUTES}) c(m)
            ORDER BY p, n, m) TO '{csv}' (HEADER, DELIMITER ',')""")
    else:
        minutes = rows // participants
        con.execute(f"""COPY (
            SELECT 1503960366 + p * 7919 AS Id,
                   strftime(TIMESTAMP '2016-04-12 00:00:00' + INTERVAL (m) MINUTE, '{TIME_FORMAT}') AS ActivityMinute,
                   CASE WHEN m % 1440 BETWEEN 420 AND 1320 THEN CAST(hash(p, m) % 40 AS INTEGER) ELSE 0 END AS Steps
            FROM range({participants}) a(p), range({minutes}) b(m)
            ORDER BY p, m) TO '{csv}' (HEADER, DELIMITER ',')""")


def duckdb_csv(path: Path) -> dict:
    import duckdb

    sleep = path.name.startswith("minuteSleep")
    time_col, value = ("date", "(value = 1)::INTEGER") if sleep else ("ActivityMinute", "Steps")
    columns = (
        "{'Id': 'BIGINT', 'date': 'VARCHAR', 'value': 'INTEGER', 'logId': 'BIGINT'}"
        if sleep
        else "{'Id': 'BIGINT', 'ActivityMinute': 'VARCHAR', 'Steps': 'INTEGER'}"
    )
    n, groups = (
        duckdb.connect()
        .execute(f"""
        SELECT sum(n), count(*) FROM (
            SELECT Id, CAST(strptime({time_col}, '%m/%d/%Y %I:%M:%S %p') AS DATE) AS day, count(*) AS n,
                   sum({value})
            FROM read_csv('{path}', header = true, columns = {columns})
            GROUP BY ALL)""")
        .fetchone()
    )
    return {"records": int(n), "daily_rows": int(groups)}


def duckdb_rows(path: Path) -> dict:
    """The sleep engine's own DuckDB query (typed read, ids as text, seconds, values) streamed out as Arrow
    batches and only counted: what any design that joins sessions outside DuckDB pays before its first step."""
    from transforms.ingest.sources import _engine_daily, _engine_sleep

    con = _engine_daily.connect()
    names, time_col, value_col = ["Id", "date", "value", "logId"], "date", "value"
    if not path.name.startswith("minuteSleep"):
        names, time_col, value_col = ["Id", "ActivityMinute", "Steps"], "ActivityMinute", "Steps"
    sql, params = _engine_daily.typed_rows(con, path, "%m/%d/%Y %I:%M:%S %p", names, time_col, value_col)
    reader = con.sql(_engine_sleep._INTERVALS.format(rows=sql), params=params).to_arrow_reader(_engine_sleep.BATCH_ROWS)
    return {"records": sum(batch.num_rows for batch in reader), "daily_rows": 0}


def wellness_csv(path: Path) -> dict:
    return ingest(path)


def cut_copy(csv: Path) -> Path:
    """A copy of ``csv`` (in a ``cut`` folder beside it, made once) whose last line lost its second half."""
    cut = csv.parent / "cut" / csv.name
    if not cut.exists():
        import shutil

        cut.parent.mkdir(exist_ok=True)
        shutil.copyfile(csv, cut)
        size = cut.stat().st_size
        with open(cut, "rb+") as fh:
            fh.seek(max(0, size - 200))
            tail = fh.read().rstrip(b"\r\n")
            last = tail.rfind(b"\n") + 1  # where the last line starts in the tail
            fh.truncate(size - 200 + last + (len(tail) - last) // 2 if size > 200 else size)
    return cut


def wellness_csv_text(path: Path) -> dict:
    """The ingestion path with the DuckDB readers off."""
    from transforms.ingest.sources import fitabase_intraday, fitabase_minute_steps

    fitabase_intraday.ENGINE_MIN_BYTES = fitabase_minute_steps.ENGINE_MIN_BYTES = float("inf")
    return wellness_csv(path)


KINDS = {
    "duckdb_csv": duckdb_csv,
    "duckdb_rows": duckdb_rows,
    "wellness_csv": wellness_csv,
    "wellness_csv_warm": wellness_csv,
    "wellness_csv_text": wellness_csv_text,
    "wellness_csv_cut": wellness_csv,
}
WARM_UP = {"wellness_csv_warm": wellness_csv}  # run once before the clock: a pipeline process's second such file
IMPORTS = {
    "duckdb_csv": ["duckdb"],
    "wellness_csv": INGEST_IMPORTS,
}
for _kind in ("wellness_csv_text", "wellness_csv_warm", "wellness_csv_cut", "duckdb_rows"):
    IMPORTS[_kind] = IMPORTS["wellness_csv"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", choices=list(FILES), default="minute_sleep")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/wellness_bench"))
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--child", choices=list(KINDS))
    ap.add_argument("--path", type=Path)
    args = ap.parse_args()
    if args.child:
        report_child(KINDS[args.child], args.path, IMPORTS[args.child], warm_up=WARM_UP.get(args.child))
        return
    csv = args.dir / f"{args.rows}_{args.participants}" / f"{FILES[args.table]}.csv"
    if not csv.exists():
        print(f"generating {args.table} ({args.rows:,} rows) at {csv} …", flush=True)
        generate(args.table, csv, args.rows, args.participants)
    mb = csv.stat().st_size / 1e6
    print(f"{os.cpu_count()} cores; {args.table}: {csv.name}, {mb:.0f} MB, {args.participants} participants")
    results = {}
    for kind in args.kinds.split(","):
        r = results[kind] = run_child(__file__, kind, cut_copy(csv) if kind == "wellness_csv_cut" else csv)
        print(
            f"{kind:<18} {r['records'] / r['seconds'] / 1e6:6.2f} M rows/s  {mb / r['seconds']:7.1f} MB/s  "
            f"peak RSS {r['peak_rss_mb']:6.0f} MB  ({r['seconds']:.1f} s, {r['records']:,} rows → "
            f"{r['daily_rows']:,} daily rows, {r.get('rejected', 0):,} quarantined)"
        )
    if "duckdb_csv" in results:
        for kind in ("duckdb_rows", "wellness_csv", "wellness_csv_warm", "wellness_csv_text", "wellness_csv_cut"):
            if kind in results:
                ratio = results["duckdb_csv"]["seconds"] / results[kind]["seconds"]
                print(f"{kind} speed / duckdb_csv speed: {ratio:.2f}×")


if __name__ == "__main__":
    main()

"""What the data-span rule (docs/METHODS.md "Which rows exist") adds to a run: the time of
warehouse/sql/series_spans.sql (reading ops.series_spans, which ingestion commits keep) beside a warehouse the
size of the nightly bench's (10,000 participants × 730 days × 8 metrics = 58.4 M observations), for all
participants and for one chunk of half of them (a nightly run reads it once for the sleep regularity and once
per participant chunk in baselines and drift), and, for comparison, the spans computed from staging.

    .venv/bin/python bench/series_spans.py [--participants 10000 --days 730]

The table is built by DuckDB in a temporary database file with the warehouse's own schema.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from warehouse import reads
from warehouse.connection import connect

METRICS = [
    "resting_hr_bpm",
    "hrv_rmssd_ms",
    "sleep_minutes",
    "sleep_efficiency_pct",
    "sleep_midpoint_min",
    "steps",
    "active_minutes",
    "sedentary_minutes",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "warehouse.duckdb")
        conn.execute(
            "INSERT INTO staging.observations (participant_id, day, metric, value, source, source_file, locator) "
            "SELECT printf('P%05d', p), DATE '2024-01-01' + d::INTEGER, m, 1.0, 'bench', 'bench', 'x' "
            "FROM range(?) t(p), range(?) u(d), unnest(?::VARCHAR[]) v(m)",
            [args.participants, args.days, METRICS],
        )
        conn.execute(
            "INSERT INTO ops.series_spans SELECT participant_id, metric, min(day), max(day) "
            "FROM staging.observations GROUP BY ALL"
        )  # what ingestion commits keep
        conn.execute("CHECKPOINT")
        n = conn.execute("SELECT count(*) FROM staging.observations").fetchone()[0]
        half = f"P{args.participants // 2:05d}"
        for label, chunk in (("all participants", reads.ALL_PARTICIPANTS), ("half of them", ("P00000", half))):
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                spans = reads.series_spans(conn, chunk)
                times.append(time.perf_counter() - t0)
            print(
                f"series_spans with {n:,} observations in staging, {label}: {1000 * sorted(times)[1]:.1f} ms "
                f"(median of 3), {len(spans):,} spans"
            )
        t0 = time.perf_counter()
        conn.execute("SELECT participant_id, metric, min(day), max(day) FROM staging.observations GROUP BY ALL").df()
        print(f"the same spans computed from staging instead: {time.perf_counter() - t0:.2f} s")
        conn.close()


if __name__ == "__main__":
    main()

"""How long the report site takes to build (what the ``report_site`` asset does: read analytics.duckdb, render
every page, write them), for a published cohort and for the same cohort copied to N participants.

    .venv/bin/python bench/report_site.py --analytics $WELLNESS_HOME/analytics.duckdb [--participants 1000]

The copies are the published participants' rows again under new ids (``<id>~k``), so a 1,000-person site has
the pages a real 1,000-person cohort of the same span would (the content repeats, the work does not). Prints
the time to read, render and write, the pages, and the bytes written, each in a fresh output folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transforms.reports.site import site_pages
from transforms.reports.site_files import write_site
from warehouse.published import site_frames, site_participants, site_series

COPIED = ("daily_metrics", "baselines", "drift", "episodes", "proxies", "questionnaire_change", "questionnaire_scores")


def build(analytics: Path, out: Path) -> tuple[float, float, int, int]:
    """(seconds reading, seconds rendering and writing, pages, bytes) of one site build into ``out``."""
    began = time.perf_counter()
    conn = duckdb.connect(str(analytics), read_only=True)
    try:
        frames = site_frames(conn)
        pages_for = site_participants(frames, 10**9, [])
        series = site_series(conn, pages_for)
    finally:
        conn.close()
    read = time.perf_counter() - began
    pages = write_site(out, site_pages(frames, series, dt.datetime.now(dt.UTC), pages_for))
    written = time.perf_counter() - began - read
    size = sum(p.stat().st_size for p in out.rglob("*.html"))
    return read, written, pages, size


def scaled_copy(analytics: Path, participants: int, target: Path) -> int:
    """``analytics`` with its participants repeated under new ids until there are ``participants``."""
    shutil.copyfile(analytics.resolve(), target)
    conn = duckdb.connect(str(target))
    try:
        have = conn.execute("SELECT count(*) FROM participant_summary").fetchone()[0]
        copies = -(-participants // have)
        for table in COPIED:
            conn.execute(
                f"INSERT INTO {table} SELECT c.* REPLACE (c.participant_id || '~' || k AS participant_id) "
                f"FROM {table} c, range(1, {copies}) t(k)"
            )
        conn.execute(
            "INSERT INTO quality.participant_coverage SELECT c.* REPLACE (c.participant_id || '~' || k AS participant_id) "
            f"FROM quality.participant_coverage c, range(1, {copies}) t(k)"
        )
        return conn.execute("SELECT count(*) FROM participant_summary").fetchone()[0]
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analytics", type=Path, required=True, help="a published analytics.duckdb")
    parser.add_argument("--participants", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wellness_site_"))
    try:
        cases = [("as published", args.analytics)]
        bigger = work / "scaled.duckdb"
        n = scaled_copy(args.analytics, args.participants, bigger)
        cases.append((f"copied to {n} participants", bigger))
        for label, path in cases:
            read, written, pages, size = build(path, work / label.replace(" ", "_"))
            print(
                f"{label:<28} {pages - 1:>6} participant pages + index: read {read:.2f} s, render + write "
                f"{written:.2f} s, total {read + written:.2f} s ({(read + written) / max(pages - 1, 1) * 1000:.1f} ms "
                f"per participant), {size / 1e6:.1f} MB of HTML"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

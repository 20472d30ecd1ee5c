"""Ingest every real sample in ../shared/realdata and print, per folder, files by status and records read,
accepted, quarantined, empty and ignored (read = accepted + quarantined + empty + ignored for every file), then
the top quarantine reasons and any failed file with its message.

    .venv/bin/python bench/realdata_ingest.py [REALDATA_DIR]

Every folder is staged (``tests.realdata.stage_realdata(every_folder=True)``): the known ones as the tests
stage them, any other as one participant, so the table also shows what today's parsers make of a new sample.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.realdata stages the samples

import pandas as pd

from pipelines.landing_ingestion import ingest_landing
from tests.realdata import stage_realdata
from warehouse.connection import connect
from warehouse.embedded import DuckDBFileWarehouse

COUNTS = ["rows_read", "rows_accepted", "rows_quarantined", "rows_empty", "rows_ignored"]


def main() -> None:
    realdata = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "realdata"
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        staged = stage_realdata(realdata, landing, every_folder=True)
        conn = connect(Path(tmp) / "warehouse.duckdb")
        t0 = time.perf_counter()
        ingest_landing(DuckDBFileWarehouse(conn), landing, key=b"bench")
        seconds = time.perf_counter() - t0
        files = conn.execute("SELECT * FROM ops.ingested_files").df()
        reasons = conn.execute("SELECT source_file, reason FROM quality.quarantine").df()
        conn.close()
    folder_of = {path: folder for folder, paths in staged.items() for path in paths}
    files["folder"] = files["path"].map(folder_of)
    reasons["folder"] = reasons["source_file"].str.split("//").str[0].map(folder_of)
    table = files.groupby("folder")[COUNTS].sum()
    by_status = files.groupby(["folder", "status"]).size().unstack(fill_value=0)
    table = by_status.join(table)
    table.loc["all folders"] = table.sum()
    adds_up = (files["rows_read"] == files[COUNTS[1:]].sum(axis=1)).all()
    pd.set_option("display.width", 220)
    pd.set_option("display.max_columns", 20)
    print(
        f"{len(files)} files in {seconds:.1f} s; read = accepted + quarantined + empty + ignored for every file: "
        f"{adds_up}\n"
    )
    print(table.to_string())
    print("\nquarantine reasons (kind, count) per folder:")
    kinds = reasons.assign(
        kind=reasons["reason"].str.replace(r"(line|\$\S*|Record) ?\d+.*$|'.*$|=.*$", "", regex=True).str.strip()
    )
    print(kinds.groupby(["folder", "kind"]).size().sort_values(ascending=False).head(25).to_string())
    failed = files[files["status"] == "failed"]
    print(f"\nfailed files: {len(failed)}")
    for row in failed.itertuples():
        print(f"  {row.path}: {str(row.message)[:200]}")


if __name__ == "__main__":
    main()

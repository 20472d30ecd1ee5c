"""Ingest every real sample in ../shared/realdata and print, per folder, records read, accepted,
quarantined, empty and ignored, files by status, and the top quarantine reasons.

    .venv/bin/python bench/realdata_ingest.py [REALDATA_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from pipelines.ingestion import ingest_landing
from pipelines.realdata import stage_realdata
from warehouse.connection import connect

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    realdata = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "realdata"
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        staged = stage_realdata(realdata, landing)
        conn = connect(Path(tmp) / "warehouse.duckdb")
        ingest_landing(conn, landing, key=b"bench")
        files = conn.execute("SELECT * FROM ops.ingested_files").df()
        reasons = conn.execute("SELECT source_file, reason FROM quality.quarantine").df()
        conn.close()
    folder_of = {path: folder for folder, paths in staged.items() for path in paths}
    files["folder"] = files["path"].map(folder_of)
    reasons["folder"] = reasons["source_file"].str.split("!").str[0].map(folder_of)
    cols = ["rows_read", "rows_accepted", "rows_quarantined", "rows_empty", "rows_ignored"]
    table = files.groupby("folder")[cols].sum()
    table["files"] = files.groupby("folder")["status"].apply(lambda s: ", ".join(f"{n} {k}" for k, n in s.value_counts().items()))
    pd.set_option("display.width", 200)
    print(table.to_string())
    print("\nquarantine reasons (kind, count) per folder:")
    kinds = reasons.assign(kind=reasons["reason"].str.replace(r"(line|\$\S*|Record) ?\d+.*$|'.*$|=.*$", "", regex=True)
                           .str.strip())
    print(kinds.groupby(["folder", "kind"]).size().sort_values(ascending=False).head(25).to_string())


if __name__ == "__main__":
    main()

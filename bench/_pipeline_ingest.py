"""Shared by the ingest benches: one file through the ingestion code as pipelines.landing_ingestion runs it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

# what a pipeline process has imported before it ingests a file (pipelines.definitions imports numba, for the
# statistics kernels)
IMPORTS = ["duckdb", "numba", "pyarrow.csv", "quality.rules", "transforms.ingest.parse", "transforms.ingest.samples"]


def ingest(path: Path) -> dict:
    """transforms.ingest.parse.detect + parse_input (account ids → keyed pseudonyms) → quality.rules.apply_row_rules
    → DailyFromSamples: records read, rejected, and daily rows (those DuckDB folded plus those folded from
    samples)."""
    from quality.rules import apply_row_rules
    from transforms.ingest.identity import ParticipantMap
    from transforms.ingest.inputs import plain_file
    from transforms.ingest.parse import detect, parse_input
    from transforms.ingest.samples import DailyFromSamples

    today = dt.date(2100, 1, 1)
    source = plain_file(path, f"fitabase/{path.name}")
    module = detect(source)
    daily = DailyFromSamples(module.FORMAT, source.source_file)
    records = rejected = daily_rows = 0
    for chunk in parse_input(source, module, ParticipantMap.load(None, b"bench key"), None, today):
        chunk = apply_row_rules(chunk, module.FORMAT, today)
        daily.add(chunk.samples)
        records += chunk.n_records
        rejected += len(chunk.rejects)
        daily_rows += len(chunk.observations)  # folded by DuckDB
    return {"records": records, "daily_rows": daily_rows + len(daily.finish()), "rejected": rejected}

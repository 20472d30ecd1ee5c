"""PMSys injury reports (``pmsys/injury.csv``), one participant per file: ``effective_time_frame`` (UTC) and
``injuries`` (a Python-dict text of body part → severity, ``{}`` for none).

No metric of ours: every report is counted as ignored."""

from __future__ import annotations

from transforms.ingest.sources._ignored import ignored_csv_records

FORMAT = "pmsys_injury"
SCOPE = "person"
REQUIRED = ["effective_time_frame", "injuries"]
REASON = "injury reports map to no daily metric"


def detect(name: str, head: str) -> bool:
    header = [c.strip() for c in head.lstrip("\ufeff").split("\n", 1)[0].split(",")]
    return all(column in header for column in REQUIRED)


def parse(source, ctx):
    return ignored_csv_records(source, ctx.source_file, REQUIRED, FORMAT, REASON)

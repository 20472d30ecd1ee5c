"""The other files of a Google Fit Takeout: the per-day ``Daily activity metrics/YYYY-MM-DD.csv`` (15-minute
intervals, ``Start time,End time,…`` as ``00:15:00.000+05:30``) and ``All Sessions/*.json`` (one activity session
each). The per-day summary file (``google_fit_daily``) holds the same days and the streams (``google_fit_streams``)
the same intervals, so these are recognised and counted as ignored with the reason."""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._ignored import ignored_csv_records
from transforms.ingest.sources._tabular import header_names, read_json

FORMAT = "google_fit_other"
SCOPE = "person"


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    if body.startswith("{"):
        return '"fitnessActivity"' in head and '"startTime"' in head and '"endTime"' in head
    names = header_names(head)
    return names[:2] == ["Start time", "End time"] and ("Move Minutes count" in names or "Heart Minutes" in names)


def parse(source, ctx) -> ParseResult:
    if source.head().lstrip("\ufeff").lstrip().startswith("{"):
        read_json(source, ctx.source_file)  # a file that is not JSON fails as such
        return ParseResult(
            n_records=1, n_ignored=1, notes=["records ignored: an activity session: no daily metric of ours"]
        )
    return ignored_csv_records(
        source,
        ctx.source_file,
        ["Start time", "End time"],
        FORMAT,
        "15-minute intervals of a day the daily summary (Daily activity metrics.csv) holds",
    )

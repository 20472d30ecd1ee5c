"""Every other table of Samsung Health's "download personal data" export (``com.samsung.*`` on the metadata
line: floors climbed, calories, exercise, sleep stages, weight, SpO2, …): recognised, its records counted as
ignored with the data type in the reason (so the file is ``ingested``, not ``unsupported``)."""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._samsung import data_type, read_samsung_csv

FORMAT = "samsung_other"
SCOPE = "person"


def detect(name: str, head: str) -> bool:
    return data_type(head) is not None


def parse(source, ctx) -> ParseResult:
    kind = data_type(source.head())
    table = read_samsung_csv(source, ctx.source_file, [], FORMAT, [])
    return ParseResult(
        rejects=table.bad_lines,
        n_records=table.n_records,
        n_ignored=len(table.frame),
        notes=[f"records ignored: {kind}: no daily metric of ours"],
    )

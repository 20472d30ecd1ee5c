"""Files we recognise that carry no metric of ours: every record is read and counted as ignored, with the
reason in ops.ingested_files.message, so such a file is ``ingested`` (not ``unsupported``) and nothing in it
goes unaccounted."""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import read_csv_strings, read_json_records


def ignored_json_records(source, source_file: str, reason: str) -> ParseResult:
    """A JSON list of records, each counted and ignored."""
    n = len(read_json_records(source, source_file))
    return ParseResult(n_records=n, n_ignored=n, notes=[f"records ignored: {reason}"])


def ignored_csv_records(source, source_file: str, required: list[str], source_format: str, reason: str) -> ParseResult:
    """A CSV's lines, each counted and ignored (lines that do not fit the header are quarantined)."""
    table = read_csv_strings(source, source_file, required, source_format)
    return ParseResult(
        rejects=table.bad_lines,
        n_records=table.n_records,
        n_ignored=len(table.frame),
        notes=[f"records ignored: {reason}"],
    )

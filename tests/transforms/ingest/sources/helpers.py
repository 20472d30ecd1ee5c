"""Run one format's parser on a file the way ingestion does (LandingFile + ParseContext)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from transforms.ingest.inputs import plain_file
from transforms.ingest.parse import ParseContext
from transforms.ingest.records import ParseResult


def parse(
    module, path: Path, source_file: str = "p1/file", timezone: str = "UTC", events: pd.DataFrame | None = None
) -> ParseResult:
    """All chunks of one parse, concatenated."""
    parsed = module.parse(plain_file(Path(path), source_file), ParseContext(source_file, timezone, events))
    if isinstance(parsed, ParseResult):
        return parsed
    chunks = list(parsed)
    frames = {}
    for name in ("observations", "responses", "rejects", "samples"):
        parts = [getattr(c, name) for c in chunks if len(getattr(c, name))]
        frames[name] = pd.concat(parts, ignore_index=True) if parts else getattr(chunks[0], name)
    return ParseResult(
        **frames,
        n_records=sum(c.n_records or 0 for c in chunks),
        n_empty=sum(c.n_empty for c in chunks),
        n_ignored=sum(c.n_ignored for c in chunks),
        raw_records=chunks[-1].raw_records,
    )

"""The other files of a Garmin Connect export (``DI_CONNECT/…``: VO2 max, training load and readiness, fitness
age, activities, hydration, heart-rate zones, profile and device files): recognised by Garmin's account key
(``userProfilePK`` / ``userProfileId``) in a JSON array or object that none of the Garmin modules with a daily
metric reads, every record counted as ignored with the file's kind in the reason (so such a file is
``ingested``, not ``unsupported``)."""

from __future__ import annotations

import re

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import read_json

FORMAT = "garmin_other"
SCOPE = "person"


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body[:1] in "[{" and body[:1] != "" and re.search(r'"userProfile(PK|Id)"', head) is not None


def parse(source, ctx) -> ParseResult:
    doc = read_json(source, ctx.source_file)
    n = len(doc) if isinstance(doc, list) else 1
    kind = re.sub(r"[_-]?\d{4}[\d_-]*|\.json$", "", source.name).strip("_-") or "Garmin file"  # dates, account ids
    return ParseResult(n_records=n, n_ignored=n, notes=[f"records ignored: {kind}: no daily metric of ours"])

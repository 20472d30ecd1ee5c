"""The documentation vendors put in their exports (``README.txt``, ``…_readme.txt``, ``… Readme.txt`` in Fitbit's
Takeout folders): prose, no records. Recognised by its name and by being text without a CSV or JSON shape, and
counted as one ignored record (so the file is ``ingested``, not ``unsupported``). Anywhere in the landing folder."""

from __future__ import annotations

import re

from transforms.ingest.records import ParseResult

FORMAT = "export_readme"
SCOPE = "cohort"
ACCOUNT_SOURCE = "none"  # no records, so no account ids to map


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    first_line = body.split("\n", 1)[0]
    prose = len(first_line.split(",")) < 3 and not body.startswith(("{", "[", "<"))
    return (
        re.search(r"read\s?me", name, flags=re.IGNORECASE) is not None
        and name.lower().endswith((".txt", ".md"))
        and prose
    )


def parse(source, ctx) -> ParseResult:
    return ParseResult(n_records=1, n_ignored=1, notes=["records ignored: export documentation (a README), no data"])

"""Typed errors; each carries the file (and where known the record) it is about."""

from __future__ import annotations


class IngestError(Exception):
    """Base class: something about a landing file could not be ingested."""

    def __init__(self, source_file: str, message: str, locator: str | None = None):
        self.source_file = source_file
        self.locator = locator
        where = f"{source_file} ({locator})" if locator else source_file
        super().__init__(f"{where}: {message}")
        self.reason = message


class UnsupportedFormat(IngestError):
    """No parser recognises the file's content."""


class MalformedFile(IngestError):
    """The file claims a known format but cannot be read as one (bad encoding, truncated JSON, …)."""


class SchemaDrift(MalformedFile):
    """A known format whose required columns are missing or renamed. The file's own column names are listed
    the way a reason may quote them (a header can be a data line: a long or id-like name is given by its
    length; at most 12 names)."""

    def __init__(self, source_file: str, missing: list[str], found: list[str], unexpected: list[str] | None = None):
        self.missing = missing
        self.found = found
        self.unexpected = unexpected or []
        detail = (
            f"unexpected column(s) {_names(self.unexpected)} (renamed?)"
            if self.unexpected
            else f"file has {_names(found)}"
        )
        super().__init__(source_file, f"schema drift: missing column(s) {missing}; {detail}")


def _names(names: list[str], most: int = 12) -> str:
    import re

    shown = [
        repr(n) if len(str(n)) <= 40 and not re.search(r"\d{5}", str(n)) else f"({len(str(n))} characters)"
        for n in names[:most]
    ]
    return "[" + ", ".join(shown) + (f", … {len(names) - most} more" if len(names) > most else "") + "]"

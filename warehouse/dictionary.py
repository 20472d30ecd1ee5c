"""The data dictionary (docs/data_dictionary.md) as the comments of the published database.

The dictionary is the one description of what analysts see: each ``### `schema.table``` section's first
paragraph becomes the table's or view's ``COMMENT``, and each row of its ``| column | type | unit | meaning |``
table the column's (``meaning [unit]``; a row may name several columns, comma-separated).
tests/warehouse/test_publish.py checks that every published table, view and column carries exactly this text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DICTIONARY_FILE = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"
_HEADING = re.compile(r"^### `(?P<schema>[a-z_]+)\.(?P<name>[a-z_]+)`")
_MARKUP = re.compile(r"`|\\(?=\|)")


@dataclass
class Documented:
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)


def _plain(text: str) -> str:
    """Markdown cell or paragraph text as a comment: no backticks, ``\\|`` as ``|``, spaces collapsed."""
    return " ".join(_MARKUP.sub("", text).split())


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


@cache
def documented() -> dict[str, Documented]:
    """``schema.table`` → its description and column comments, as docs/data_dictionary.md states them."""
    out: dict[str, Documented] = {}
    current: Documented | None = None
    paragraph: list[str] | None = None
    header: list[str] | None = None
    for line in DICTIONARY_FILE.read_text(encoding="utf-8").splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = out.setdefault(f"{heading['schema']}.{heading['name']}", Documented())
            paragraph, header = [], None
        elif line.startswith("## "):
            current = None
        elif current is None:
            continue
        elif line.startswith("|"):
            if paragraph:
                current.description, paragraph = _plain(" ".join(paragraph)), None
            cells = _cells(line)
            if header is None:
                header = cells
            elif header[:1] == ["column"] and not set(line) <= set("|- "):
                names, _type, unit, meaning = cells
                comment = _plain(meaning) + (f" [{_plain(unit)}]" if unit else "")
                for name in names.split(","):
                    current.columns[name.strip()] = comment
        elif not line.strip():
            header = None
            if paragraph:
                current.description, paragraph = _plain(" ".join(paragraph)), None
        elif paragraph is not None:
            paragraph.append(line)
    return out


def dictionary_digest() -> str:
    """A hash of the dictionary: part of a publication's layout stamp, so new wording re-publishes."""
    return hashlib.sha256(DICTIONARY_FILE.read_bytes()).hexdigest()


def comment_statements(catalog: str, objects: list[tuple[str, str, str, list[str]]]) -> list[str]:
    """``COMMENT ON`` statements for ``objects`` of the published file attached as ``catalog``: each
    (kind TABLE/VIEW, schema in the file, published name ``schema.table``, its column names). Raises
    KeyError naming what the dictionary does not describe (a published column must be documented)."""
    docs = documented()
    statements = []
    for kind, schema, published, columns in objects:
        entry = docs[published]
        target = f"{catalog}.{schema}.{published.split('.', 1)[1]}"
        statements.append(f"COMMENT ON {kind} {target} IS {_quoted(entry.description)}")
        for column in columns:
            if column not in entry.columns:
                raise KeyError(f"docs/data_dictionary.md does not describe {published}.{column}")
            statements.append(f"COMMENT ON COLUMN {target}.{column} IS {_quoted(entry.columns[column])}")
    return statements


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

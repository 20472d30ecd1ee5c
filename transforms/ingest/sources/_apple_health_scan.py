"""The expat pass over an Apple Health ``export.xml``: the records of the types read, as plain tuples.

Standard library only, so that it also runs as a helper script on the second part of a large export
(``apple_health``'s split read) without importing the package:

    python _apple_health_scan.py PATH PREFIX_END SPLIT CHUNK_RECORDS TYPE...

parses bytes ``[0, PREFIX_END)`` (the prolog and the root's start tag) followed by ``[SPLIT, end)`` and writes
to stdout pickled messages: ``("start", prefix_lines)`` (the line at PREFIX_END), chunks
``("rows", columns, n_records, n_ignored)`` of at least CHUNK_RECORDS records (the last may hold fewer), then
``("end", n_records, n_ignored, error)`` where ``error`` is None or expat's (message, line). Record numbers and lines are those of that byte
stream; the caller shifts them to the file's.
"""

from __future__ import annotations

import pickle
import sys
from xml.parsers import expat

READ_BYTES = 1 << 20
ROW_FIELDS = ("code", "start", "end", "value", "unit", "rank", "record", "line")


class EntityDeclared(Exception):
    """The document declares an entity: refused (entity expansion, external entities)."""


class _FirstChildFound(Exception):
    pass


def source_rank(source_name: str) -> int:
    """0 for a Watch, 1 for an iPhone, 2 for anything else."""
    return 0 if "Watch" in source_name else 1 if "iPhone" in source_name else 2


class Collector:
    """expat callbacks: keep the attributes of records of the types read, as plain tuples (type code,
    start, end, value, unit, device rank, record number, line); the device name is ranked and dropped."""

    def __init__(self, parser, type_codes: dict[str, int]):
        self.parser = parser
        self.type_codes = type_codes
        self.rows: list[tuple] = []
        self.n_records = 0
        self.n_ignored = 0
        self.ranks: dict[str, int] = {}

    def start(self, name, attrs):
        if name != "Record":
            return
        self.n_records += 1
        code = self.type_codes.get(attrs.get("type"))
        if code is None:
            self.n_ignored += 1
            return
        source = attrs.get("sourceName") or attrs.get("source", "")  # iOS 8 and 9 wrote ``source``
        rank = self.ranks.get(source)
        if rank is None:
            rank = self.ranks[source] = source_rank(source)
        self.rows.append(
            (
                code,
                attrs.get("startDate", ""),
                attrs.get("endDate", ""),
                attrs.get("value", ""),
                attrs.get("unit", ""),
                rank,
                self.n_records,
                self.parser.CurrentLineNumber,
            )
        )


def _refuse_entities(*args):
    raise EntityDeclared


def _safe_parser() -> expat.XMLParserType:
    """An expat parser that never expands or fetches entities: any declaration raises EntityDeclared."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_entities
    return parser


def new_parser(type_codes: dict[str, int]) -> tuple[expat.XMLParserType, Collector]:
    """A safe parser (``_safe_parser``) and the collector of its records."""
    parser = _safe_parser()
    collector = Collector(parser, type_codes)
    parser.StartElementHandler = collector.start
    return parser, collector


def columns(rows: list[tuple]) -> tuple:
    """Rows → one sequence per field of ``ROW_FIELDS``."""
    if not rows:
        return tuple(() for _ in ROW_FIELDS)
    return tuple(zip(*rows))


def first_child(head: bytes) -> tuple[str, int] | None:
    """The root element's name and the byte offset of its first child's ``<``, from the first bytes of a
    document; None when the head does not reach a first child, or is not well-formed, or declares entities."""
    found: list[tuple[str, int]] = []
    parser = _safe_parser()

    def start(name, attrs):
        found.append((name, parser.CurrentByteIndex))
        if len(found) == 2:
            raise _FirstChildFound

    parser.StartElementHandler = start
    try:
        parser.Parse(head, False)
    except _FirstChildFound:
        return found[0][0], found[1][1]
    except (expat.ExpatError, EntityDeclared, LookupError, ValueError):
        return None
    return None


class LineBreaks:
    """Counts line breaks as expat does (CR LF, CR and LF each end one line) over consecutive blocks."""

    def __init__(self):
        self.count = 0
        self._after_cr = False

    def add(self, block: bytes) -> None:
        if not block:
            return
        self.count += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
        if self._after_cr and block[:1] == b"\n":
            self.count -= 1
        self._after_cr = block[-1:] == b"\r"


def scan_tail(path: str, prefix_end: int, split: int, chunk_records: int, types: list[str], out) -> None:
    """The helper's work (see the module docstring)."""
    parser, collector = new_parser({t: i for i, t in enumerate(types)})

    def dump(message):  # a Pickler per message: one kept across messages would memoise every row
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    error = None

    def flush():
        dump(("rows", columns(collector.rows), collector.n_records, collector.n_ignored))
        collector.rows = []

    with open(path, "rb") as fh:
        prefix = fh.read(prefix_end)
        breaks = LineBreaks()
        breaks.add(prefix)
        dump(("start", 1 + breaks.count))
        fh.seek(split)
        try:
            parser.Parse(prefix, False)
            while True:
                block = fh.read(READ_BYTES)
                parser.Parse(block, not block)
                if len(collector.rows) >= chunk_records:
                    flush()
                if not block:
                    break
        except expat.ExpatError as exc:
            error = (expat.ErrorString(exc.code), exc.lineno)
    flush()
    dump(("end", collector.n_records, collector.n_ignored, error))
    out.flush()


if __name__ == "__main__":
    _path, _prefix_end, _split, _chunk_records, *_types = sys.argv[1:]
    scan_tail(_path, int(_prefix_end), int(_split), int(_chunk_records), _types, sys.stdout.buffer)

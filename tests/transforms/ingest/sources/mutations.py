"""Hypothesis strategies that damage an export the way real ones get damaged: a field dropped or renamed, dates
in another of the vendor's spellings, a truncation at any byte, blank or junk lines, repeated records, bytes that
are not UTF-8, huge numbers, empty strings and JSON nulls. ``mutated(seed)`` draws one to three of them."""

from __future__ import annotations

import json
import re

from hypothesis import strategies as st

ISO = re.compile(rb"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
US = re.compile(rb"\b(\d{1,2})/(\d{1,2})/(\d{2,4})( (\d{1,2}):(\d{2})(:(\d{2}))?( [AP]M)?)?")
NUMBER = re.compile(rb"(?<![\w.])-?\d+(\.\d+)?(?![\w.])")
JUNK = [
    b"",
    b"   ",
    b"\x00\x00",
    b"#comment",
    b",,,,",
    b'"',
    b"\xff\xfe\xfa",
    b"nan,nan",
    b"{",
    b"]",
    b"<Record",
    b"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20",
    "caf\u00e9 \u2603".encode(),
]
ODD_VALUES = [
    "",
    "1e308",
    "-1e308",
    "99999999999999999999999",
    "-0",
    "NaN",
    "inf",
    "null",
    " ",
    "0x1F",
    "1,5",
    "\u00e9",
    "00:00",
    "2019-02-30",
    "-1",
]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@st.composite
def truncate(draw, data: bytes) -> bytes:
    return data[: draw(st.integers(0, max(len(data) - 1, 0)))]


@st.composite
def insert_lines(draw, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(draw(st.integers(1, 3))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(JUNK)))
    return b"\n".join(lines)


@st.composite
def duplicate_lines(draw, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) < 2:
        return data
    i = draw(st.integers(1, len(lines) - 1))
    lines.insert(draw(st.integers(1, len(lines))), lines[i])
    return b"\n".join(lines)


@st.composite
def non_utf8(draw, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xe9", b"\x80\x81", b"\xed\xa0\x80"])) + data[at:]


@st.composite
def odd_number(draw, data: bytes) -> bytes:
    found = list(NUMBER.finditer(data))
    if not found:
        return data
    m = draw(st.sampled_from(found))
    return data[: m.start()] + draw(st.sampled_from(ODD_VALUES)).encode() + data[m.end() :]


def _spellings(m: re.Match) -> list[bytes]:
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    return [
        f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}".encode(),
        f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.000".encode(),
        f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z".encode(),
        f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}+01:00".encode(),
        f"{mo:02d}/{d:02d}/{y % 100:02d} {h:02d}:{mi:02d}:{s:02d}".encode(),
        f"{mo}/{d}/{y} {(h % 12) or 12}:{mi:02d}:{s:02d} {'PM' if h >= 12 else 'AM'}".encode(),
        f"{y:04d}-{mo:02d}-{d:02d}".encode(),
    ]


@st.composite
def swap_date_spelling(draw, data: bytes) -> bytes:
    """Every timestamp of the file in another spelling the vendors use (ISO with a space or T, milliseconds,
    an offset; US short dates), or a few of them each in its own."""
    found = list(ISO.finditer(data))
    if not found:
        return data
    pick = draw(st.integers(0, 6))
    every = draw(st.booleans())
    out, last = [], 0
    for m in found:
        choice = pick if every else draw(st.integers(0, 6))
        out += [data[last : m.start()], _spellings(m)[choice]]
        last = m.end()
    return b"".join(out) + data[last:]


@st.composite
def drop_column(draw, data: bytes) -> bytes:
    lines = _lines(data)
    width = lines[0].count(b",") + 1
    if width < 2:
        return data
    k = draw(st.integers(0, width - 1))
    return b"\n".join(b",".join(f for i, f in enumerate(line.split(b",")) if i != k) for line in lines)


@st.composite
def rename_column(draw, data: bytes) -> bytes:
    lines = _lines(data)
    fields = lines[0].split(b",")
    k = draw(st.integers(0, len(fields) - 1))
    fields[k] = draw(st.sampled_from([b"", b"Renamed", fields[k].upper(), fields[k] + b" ", b'"' + fields[k] + b'"']))
    return b"\n".join([b",".join(fields)] + lines[1:])


@st.composite
def empty_cell(draw, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) < 2:
        return data
    i = draw(st.integers(1, len(lines) - 1))
    fields = lines[i].split(b",")
    fields[draw(st.integers(0, len(fields) - 1))] = draw(st.sampled_from([b"", b" ", b'""', b"NA", b"null"]))
    lines[i] = b",".join(fields)
    return b"\n".join(lines)


def _json_paths(value, path=()):
    """Every (path, value) in a JSON document, lists and objects alike."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_paths(v, path + (i,))


def _set(document, path, value):
    if not path:
        return value
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@st.composite
def json_edit(draw, data: bytes) -> bytes:
    """A structural edit of a JSON document: a key dropped or renamed, a value replaced by null, '', a huge number,
    a list or a string, or a record repeated."""
    try:
        document = json.loads(data)
    except ValueError:
        return data
    paths = [p for p, _ in _json_paths(document) if p]
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["drop", "rename", "null", "empty", "huge", "list", "text", "repeat", "bool"]))
    if action in ("drop", "rename") and isinstance(parent, dict):
        value = parent.pop(path[-1])
        if action == "rename":
            parent[str(path[-1]).upper() + "_x"] = value
    elif action == "repeat" and isinstance(parent, list):
        parent.insert(draw(st.integers(0, len(parent))), json.loads(json.dumps(parent[path[-1]])))
    else:
        value = {
            "null": None,
            "empty": "",
            "huge": 1e308 if draw(st.booleans()) else 10**30,
            "list": [1, "a"],
            "text": "x\u2603",
            "bool": True,
            "drop": None,
            "rename": None,
            "repeat": None,
        }[action]
        document = _set(document, path, value)
    return json.dumps(document).encode()


CSV_MUTATIONS = [
    truncate,
    insert_lines,
    duplicate_lines,
    non_utf8,
    odd_number,
    swap_date_spelling,
    drop_column,
    rename_column,
    empty_cell,
]
JSON_MUTATIONS = [truncate, non_utf8, odd_number, swap_date_spelling, json_edit, json_edit, json_edit]
XML_MUTATIONS = [truncate, insert_lines, duplicate_lines, non_utf8, odd_number, swap_date_spelling]


def mutations_for(name: str) -> list:
    if name.endswith(".json"):
        return JSON_MUTATIONS
    if name.endswith(".xml"):
        return XML_MUTATIONS
    return CSV_MUTATIONS


@st.composite
def mutated(draw, seed: bytes, name: str) -> bytes:
    data = seed
    for _ in range(draw(st.integers(1, 3))):
        data = draw(draw(st.sampled_from(mutations_for(name)))(data))
    return data

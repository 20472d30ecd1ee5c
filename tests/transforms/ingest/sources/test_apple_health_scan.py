"""The standard-library expat pass shared by Apple Health's one-pass and split reads."""

import itertools
import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from transforms.ingest.sources import _apple_health_scan as scan


@given(text=st.text(alphabet="a\r\n", max_size=60), cuts=st.lists(st.integers(0, 60), max_size=5))
def test_line_breaks_count_crlf_cr_and_lf_once_across_blocks(text, cuts):
    data = text.encode()
    edges = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    breaks = scan.LineBreaks()
    for a, b in itertools.pairwise(edges):
        breaks.add(data[a:b])
    assert breaks.count == len(re.findall(r"\r\n|\r|\n", text))


def test_first_child_is_found_after_a_doctype_and_refused_with_entities():
    head = b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ELEMENT a EMPTY>\n]>\n<HealthData x="1">\n <Me/>\n <Rec'
    root, offset = scan.first_child(head)
    assert root == "HealthData" and head[offset:].startswith(b"<Me/>")
    assert scan.first_child(head.replace(b"]>", b'<!ENTITY e "x">]>')) is None
    assert scan.first_child(b"<HealthData>\n") is None  # no child within the head
    assert scan.first_child(b"<a x='1' x='2'><b/></a>") is None  # not well-formed before the first child


def test_the_helper_runs_without_the_package(tmp_path):
    """Run as a script with -I -S (no site-packages, no package import), as apple_health starts it."""
    text = (
        '<HealthData>\n <X/>\n <Record type="T" startDate="s" endDate="e" value="1" sourceName="W"/>\n</HealthData>\n'
    )
    path = tmp_path / "export.xml"
    path.write_text(text)
    prefix_end, split = text.index("<X/>"), text.index("<Record")
    out = subprocess.run(
        [sys.executable, "-I", "-S", scan.__file__, str(path), str(prefix_end), str(split), "10", "T"],
        capture_output=True,
        check=True,
    ).stdout
    import io
    import pickle

    stream = io.BytesIO(out)
    messages = [pickle.load(stream) for _ in range(3)]
    assert messages[0] == ("start", 2)
    assert messages[1] == ("rows", ((0,), ("s",), ("e",), ("1",), ("",), (2,), (1,), (2,)), 1, 0)
    assert messages[2] == ("end", 1, 0, None)

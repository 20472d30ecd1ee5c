"""Apple Health's split read (two processes, ``apple_health._read_split``) gives what one expat pass gives:
the same samples, rejects (reasons, locators, raw text) and counts, on clean and dirty exports, and falls back
to one pass whenever the split cannot be proved safe."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms.ingest.sources.helpers import parse
from tests.transforms.ingest.sources.test_apple_health import PHONE, WATCH, record, sleep
from transforms.ingest.errors import MalformedFile
from transforms.ingest.sources import apple_health

PROLOG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n<!-- HealthKit Export Version: 13 -->\n'
    "<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation)*)>\n]>\n"
    '<HealthData locale="en_US">\n <ExportDate value="2024-03-12 09:00:00 -0400"/>\n'
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1979-07-14"/>\n'
)


def heart(minute: int, value="70", source=WATCH) -> str:
    stamp = f"2024-03-{10 + minute // 1440:02d} {minute // 60 % 24:02d}:{minute % 60:02d}:00 -0400"
    return record("HeartRate", stamp, stamp, value, source)


def with_metadata(line: str) -> str:
    """A record with children, as the Watch writes heart rate."""
    return line.replace(
        "/>\n", '>\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n'
    )


GOOD = [
    heart(1),
    with_metadata(heart(2, "71")),
    record("StepCount", "2024-03-10 12:05:00 -0400", "2024-03-10 12:15:00 -0400", 900, unit="count"),
    record("StepCount", "2024-03-10 12:06:00 -0400", "2024-03-10 12:15:00 -0400", 880, PHONE, unit="count"),
    record("BodyMass", "2024-03-10 08:00:00 -0400", "2024-03-10 08:00:00 -0400", 154.0, unit="lb"),
    record("ActiveEnergyBurned", "2024-03-10 12:00:00 -0400", "2024-03-10 12:15:00 -0400", 20, unit="Cal"),
    sleep("2024-03-09 23:00:00 -0500", "2024-03-10 01:30:00 -0500", "AsleepCore"),
    sleep("2024-03-09 22:45:00 -0500", "2024-03-10 07:15:00 -0400", "InBed", PHONE),
    ' <Record type="HKQuantityTypeIdentifierStepCount" source="Sam’s iPhone" unit="count" '
    'startDate="20140104084300-0800" endDate="20140104085300-0800" value="12"/>\n',  # iOS 8
    ' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" startDate="2024-03-10 08:00:00 -0400">\n'
    + record(
        "BloodPressureSystolic", "2024-03-10 08:00:00 -0400", "2024-03-10 08:00:00 -0400", 120, unit="mmHg"
    ).replace(" <Record", "  <Record")
    + " </Correlation>\n",
]
BAD = [
    heart(3, "seventy"),
    heart(4, ""),
    record("HeartRate", "2024-03-10 25:00:00 -0400", "2024-03-10 25:00:00 -0400", 70),
    sleep("2024-03-10 03:30:00 -0400", "2024-03-10 07:00:00 -0400", "AsleepLightly"),
    sleep("2024-03-10 03:30:00 -0400", "yesterday", "AsleepREM"),
]


def export(body: list[str], newline: str = "\n", end: str = "</HealthData>\n") -> str:
    return (PROLOG + "".join(body) + end).replace("\n", newline)


@pytest.fixture
def split_everything(monkeypatch):
    """Split every file (not only those of SPLIT_MIN_BYTES) and record which way each parse went."""
    monkeypatch.setattr(apple_health, "SPLIT_MIN_BYTES", 0)
    ways = []
    one_pass = apple_health._read_in_one_pass
    helper_chunks = apple_health._helper_chunks

    def spy_one_pass(source, source_file, skip=0, counted=(0, 0)):
        ways.append("one pass" if skip == 0 else "fallback")
        return one_pass(source, source_file, skip, counted)

    def spy_helper_chunks(*args, **kwargs):
        ways.append("split")
        return helper_chunks(*args, **kwargs)

    monkeypatch.setattr(apple_health, "_read_in_one_pass", spy_one_pass)
    monkeypatch.setattr(apple_health, "_helper_chunks", spy_helper_chunks)
    return ways


def both_ways(path, monkeypatch, share: float):
    """(one pass, split) outcomes of the same file: samples, rejects, records, ignored."""

    def outcome(split: bool):
        monkeypatch.setattr(apple_health, "SPLIT_MIN_BYTES", 0 if split else float("inf"))
        monkeypatch.setattr(apple_health, "SPLIT_SHARE", share)
        result = parse(apple_health, path, "p1/export.xml")
        return result.samples, result.rejects, result.n_records, result.n_ignored

    return outcome(False), outcome(True)


def assert_same(one, split):
    if len(one[0]) == len(split[0]) == 0:  # no sample kept: an empty chunk's frame (which has ``line``) or not
        assert set(one[0].columns) - {"line"} == set(split[0].columns) - {"line"}
    else:
        pd.testing.assert_frame_equal(one[0], split[0])
    pd.testing.assert_frame_equal(one[1].reset_index(drop=True), split[1].reset_index(drop=True))
    assert one[2:] == split[2:]


@pytest.mark.parametrize("share", [0.0, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("dirty", [False, True])
def test_split_read_equals_one_pass(tmp_path, monkeypatch, split_everything, share, dirty):
    body = (GOOD + BAD if dirty else GOOD) * 40
    path = tmp_path / "export.xml"
    path.write_text(export(body), encoding="utf-8")
    one, split = both_ways(path, monkeypatch, share)
    assert split_everything == ["one pass", "split"]  # the helper's records were used, no fallback
    assert_same(one, split)
    assert one[2] == len(body) and one[3] == 2 * 40  # a Correlation holds one record; ignored: energy, pressure
    assert len(one[1]) == (len(BAD) * 40 if dirty else 0)
    if dirty:  # locators name records and lines on both sides of the split
        first, last = one[1]["locator"].iloc[[0, -1]]
        assert first == "Record 11, line 23" and last.startswith(f"Record {one[2]}, line ")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_lines_count_as_expat_counts_them(tmp_path, monkeypatch, split_everything, newline):
    path = tmp_path / "export.xml"
    path.write_bytes(export((GOOD + BAD) * 20, newline).encode("utf-8"))
    one, split = both_ways(path, monkeypatch, 0.5)
    assert split_everything[-1] == "split"
    assert_same(one, split)


@pytest.mark.parametrize("where", [0.2, 0.8])
def test_a_file_that_breaks_keeps_what_came_before_on_either_side(tmp_path, monkeypatch, split_everything, where):
    body = (GOOD + BAD) * 40
    cut = int(len(body) * where)
    path = tmp_path / "export.xml"
    path.write_text(export(body[:cut] + [' <Record type="HKQ" <oops/>\n'] + body[cut:]), encoding="utf-8")
    one, split = both_ways(path, monkeypatch, 0.5)
    assert_same(one, split)
    assert one[1]["reason"].iloc[-1].startswith("XML not well-formed") and one[1]["locator"].iloc[-1].startswith(
        "line "
    )
    # broken after the split: the helper reports it; before it: this process does, and the helper is not read
    assert split_everything[-1] == ("split" if where > 0.5 else "one pass")


@pytest.mark.parametrize(
    "hide",
    [
        lambda body: body[:10] + [" <!--\n"] + body[10:60] + [" -->\n"] + body[60:],  # the mark inside a comment
        lambda body: body[:10] + [" <![CDATA[\n"] + body[10:60] + [" ]]>\n"] + body[60:],
        lambda body: body[:10] + [' <Correlation type="x">\n'] + body[10:60] + [" </Correlation>\n"] + body[60:],
    ],
    ids=["comment", "cdata", "nested"],
)
def test_a_split_inside_a_comment_section_or_element_falls_back_to_one_pass(
    tmp_path, monkeypatch, split_everything, hide
):
    body = (GOOD + BAD) * 8
    path = tmp_path / "export.xml"
    path.write_text(export(hide(body)), encoding="utf-8")
    one, split = both_ways(path, monkeypatch, 0.3)
    assert split_everything == ["one pass", "fallback"]
    assert_same(one, split)


@pytest.mark.parametrize("failure", ["exits", "cannot start"])
def test_a_failed_helper_falls_back_to_one_pass(tmp_path, monkeypatch, split_everything, failure):
    path = tmp_path / "export.xml"
    path.write_text(export((GOOD + BAD) * 10), encoding="utf-8")
    if failure == "exits":
        monkeypatch.setattr(apple_health.scan, "__file__", str(tmp_path / "missing.py"))
    else:
        monkeypatch.setattr(apple_health.sys, "executable", str(tmp_path / "no-python"))
    one, split = both_ways(path, monkeypatch, 0.5)
    assert split_everything == ["one pass", "fallback" if failure == "exits" else "one pass"]
    assert_same(one, split)


def test_entities_are_refused_before_any_split(tmp_path, monkeypatch, split_everything):
    path = tmp_path / "export.xml"
    text = export(GOOD * 4).replace("]>", '<!ENTITY a "aaaa">\n]>', 1)
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(apple_health, "SPLIT_SHARE", 0.5)
    with pytest.raises(MalformedFile, match="entity"):
        parse(apple_health, path, "p1/export.xml")


def test_small_files_and_zip_members_take_one_pass(tmp_path, monkeypatch):
    from transforms.ingest.inputs import plain_file

    path = tmp_path / "export.xml"
    path.write_text(export(GOOD * 4), encoding="utf-8")
    assert apple_health._split_plan(plain_file(path, "p1/export.xml")) is None  # under SPLIT_MIN_BYTES
    monkeypatch.setattr(apple_health, "SPLIT_MIN_BYTES", 0)
    plan = apple_health._split_plan(plain_file(path, "p1/export.xml"))
    assert plan.root == "HealthData" and path.read_bytes()[plan.split : plan.split + 8] == b"<Record "
    member = plain_file(path, "p1/export.zip//export.xml").__class__("p1/export.zip//export.xml", path.open, 1 << 40)
    assert apple_health._split_plan(member) is None  # no path on disk


OTHER = [" <!-- a comment -->\n", "\n", " <Workout/>\n", with_metadata(heart(9, "1e2")), " <!--\n", " -->\n"]
LINES = st.sampled_from(GOOD + BAD + OTHER)  # an opened comment may hide the split (fallback) or break the file


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.lists(LINES, min_size=1, max_size=60),
    share=st.floats(0, 1),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    truncate=st.none() | st.integers(0, 10_000),
)
def test_fuzz_split_read_equals_one_pass(tmp_path_factory, monkeypatch, body, share, newline, truncate):
    data = export(body, newline).encode("utf-8")
    if truncate is not None:
        data = data[: len(PROLOG) + truncate]
    path = tmp_path_factory.mktemp("fuzz") / "export.xml"
    path.write_bytes(data)

    def outcome(split: bool):
        monkeypatch.setattr(apple_health, "SPLIT_MIN_BYTES", 0 if split else float("inf"))
        monkeypatch.setattr(apple_health, "SPLIT_SHARE", share)
        try:
            result = parse(apple_health, path, "p1/export.xml")
        except MalformedFile as exc:
            return str(exc)
        return result.samples, result.rejects, result.n_records, result.n_ignored

    one, split = outcome(False), outcome(True)
    if isinstance(one, str):
        assert one == split
    else:
        assert_same(one, split)

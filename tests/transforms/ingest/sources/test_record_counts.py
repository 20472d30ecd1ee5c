"""Nothing silently lost: for every real sample file, the records the ingestion reads equal the records the
file holds, counted independently of our parsers (Python's csv module, json); and a truncated or ragged line
anywhere in a CSV, the last included, is quarantined with its line number."""

import datetime as dt
import logging
from pathlib import Path

import pytest

from pipelines.landing_ingestion import ingest_file
from tests.conftest import REALDATA, realdata
from tests.transforms.ingest.sources.test_parser_fuzz import independent_count
from transforms.ingest import sources
from transforms.ingest.identity import ParticipantMap
from transforms.ingest.inputs import plain_file

TODAY = dt.date(2026, 12, 1)


def ingest(path: Path, tmp_path: Path, name: str | None = None):
    landing = tmp_path / "landing"
    target = landing / "P1" / (name or path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes())
    return ingest_file(target, landing, ParticipantMap.load(None, b"k"), None, TODAY, logging.getLogger("t"))


@pytest.mark.realdata
def test_every_record_of_every_real_sample_is_read(tmp_path):
    realdata("pmdata_fitbit_pmsys")
    checked = 0
    for path in sorted(p for p in REALDATA.rglob("*") if p.is_file() and p.suffix in (".csv", ".json")):
        if sources.detect(plain_file(path, path.name)) is None:
            continue
        expected = independent_count(path.read_bytes(), path.name, metadata_line=path.name.startswith("com.samsung."))
        if expected is None:  # not one list of records (Oura's API document, a JSON of endpoints)
            continue
        out = ingest(path, tmp_path / str(checked))
        assert not out.failures, out.failures
        assert out.read == expected, (path, out.read, expected)
        assert out.read == out.accepted() + out.quarantined + out.empty + out.ignored
        checked += 1
    assert checked > 200


@pytest.mark.realdata
@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9])
def test_a_truncated_last_line_is_quarantined_with_its_number(tmp_path, keep):
    source = realdata("fitabase_fitbit_2016") / "sleepDay_merged.csv"
    lines = source.read_bytes().rstrip(b"\r\n").split(b"\n")
    data = b"\n".join(lines[:45]) + b"\n" + lines[45][: int(len(lines[45]) * keep)]  # 45 data lines, the last cut
    damaged = tmp_path / "sleepDay_merged.csv"
    damaged.write_bytes(data)
    out = ingest(damaged, tmp_path)
    assert out.read == 45 and independent_count(data, damaged.name) == 45
    rejects = {loc: reason for r in out.rejects for loc, reason in zip(r["locator"], r["reason"])}
    assert rejects["line 46"] == "line has a different number of fields than the header (5)"


def test_short_and_long_lines_anywhere_are_quarantined(tmp_path):
    path = tmp_path / "Daily Heart Rate Variability Summary - 2024-07-(21).csv"
    path.write_text(
        "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.2,49.6,2.4\n2024-07-22T00:00:00,30\n"
        "2024-07-23T00:00:00,31,50,2.5,9\n2024-07-24T00:00:00,32,51,2.6\n2024-07-25T00:00"
    )
    out = ingest(path, tmp_path)
    rejects = {loc: reason for r in out.rejects for loc, reason in zip(r["locator"], r["reason"])}
    assert set(rejects) == {"line 3", "line 4", "line 6"}
    assert all("different number of fields" in reason for reason in rejects.values())
    assert out.read == 5 and out.accepted() == 2

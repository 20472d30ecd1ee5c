"""Hostile and broken inputs: every file gets a status and a reason; nothing crashes or hangs; the good
file next to them is still ingested."""

import json
import os
import zipfile

import pytest

from pipelines.settings import Paths
from tests.pipelines.helpers import query, run

pytestmark = pytest.mark.slow

GOOD_HRV = "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.2,49.6,2.4\n"
APPLE_HEAD = '<?xml version="1.0"?>\n'
RECORD = (
    '<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="w" unit="count/min" '
    'startDate="2024-03-10 10:00:00 -0400" endDate="2024-03-10 10:00:00 -0400" value="70"/>'
)


def hostile_landing(landing):
    p = landing / "P1"
    p.mkdir(parents=True)
    (p / "Daily Heart Rate Variability Summary - ok.csv").write_text(GOOD_HRV)
    (p / "xxe.xml").write_text(
        APPLE_HEAD + '<!DOCTYPE HealthData [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        f"<HealthData>{RECORD}&x;</HealthData>"
    )
    lol = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))  # noqa: UP031 (a % inside an f-string)
    (p / "laughs.xml").write_text(
        APPLE_HEAD + f'<!DOCTYPE HealthData [<!ENTITY l0 "lol">{lol}]>\n<HealthData>{RECORD}&l9;</HealthData>'
    )
    (p / "truncated.xml").write_text(APPLE_HEAD + f'<HealthData>{RECORD}{RECORD}<Record type="HKQuantity')
    (p / "sleep.json").write_text('[{"logId": 1, "dateOfSleep": "2024-01-02", "startTime": ')
    (p / "random.bin").write_bytes(os.urandom(20_000))
    (p / "empty.csv").write_text("")
    (p / "utf16.csv").write_bytes(GOOD_HRV.replace("2024-07-21", "2024-07-22").encode("utf-16"))
    (p / "latin1.csv").write_bytes(
        ("timestamp,rmssd,nremhr,entropy\n2024-07-23T00:00:00,30,50,2.4 caf\xe9\n").encode("latin-1")
    )
    (p / "ragged.csv").write_text(GOOD_HRV.replace("2024-07-21", "2024-07-24") + "2024-07-25T00:00:00,1,2,3,4,5\n")
    (p / "one_line.json").write_text(
        json.dumps([{"dateTime": "01/01/24 00:00:00", "value": {"date": "01/01/24", "value": 60.0, "error": 5.0}}] * 1)
        + " " * 50_000_000
    )
    with zipfile.ZipFile(p / "slip.zip", "w") as archive:
        archive.writestr("../../outside.csv", GOOD_HRV)
    with zipfile.ZipFile(p / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.csv", b"0" * 60_000_000)
    return p


def test_hostile_inputs_are_contained(tmp_path):
    paths = Paths(tmp_path)
    hostile_landing(paths.landing)
    assert run(paths).ok
    files = query(paths, "SELECT * FROM ops.ingested_files").set_index("path")
    status = files["status"].rename(lambda p: p.split("/")[-1]).to_dict()
    assert status == {
        "Daily Heart Rate Variability Summary - ok.csv": "ingested",
        "xxe.xml": "failed",
        "laughs.xml": "failed",
        "truncated.xml": "ingested",
        "sleep.json": "failed",
        "random.bin": "unsupported",
        "empty.csv": "unsupported",
        "utf16.csv": "ingested",
        "latin1.csv": "ingested",
        "ragged.csv": "ingested",
        "one_line.json": "ingested",
        "slip.zip": "failed",
        "bomb.zip": "failed",
    }
    assert (
        files["rows_read"]
        == files["rows_accepted"] + files["rows_quarantined"] + files["rows_empty"] + files["rows_ignored"]
    ).all()
    reasons = query(paths, "SELECT source_file, locator, reason FROM quality.quarantine")
    by_file = reasons.groupby(reasons["source_file"].str.split("/").str[-1])["reason"].apply(" | ".join)
    assert "entity" in by_file["xxe.xml"] and "entity" in by_file["laughs.xml"]
    assert "XML not well-formed" in by_file["truncated.xml"]
    assert "not readable JSON" in by_file["sleep.json"]
    assert "unsafe path" in by_file["slip.zip"] and "compression ratio" in by_file["bomb.zip"]
    assert "different number of fields" in by_file["ragged.csv"]
    hrv = query(paths, "SELECT day, value FROM staging.observations WHERE metric = 'hrv_rmssd_ms' ORDER BY day")
    assert hrv["day"].dt.strftime("%m-%d").tolist() == ["07-21", "07-22", "07-23", "07-24"]
    truncated = query(paths, "SELECT count(*) AS n FROM staging.observations WHERE source_file LIKE '%truncated%'")
    assert truncated["n"][0] == 1  # the two readable records, aggregated to one day
    assert not (tmp_path / "outside.csv").exists() and not (paths.landing / "outside.csv").exists()

"""Apple Health export.xml: record types, offsets, devices, sleep stages, safety and streaming."""

import io
import tracemalloc
import zipfile

import pandas as pd
import pytest

from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.errors import MalformedFile
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import apple_health, apple_health_cda

WATCH = 'sourceName="Sam’s Apple Watch"'
PHONE = 'sourceName="Sam’s iPhone"'


def record(kind, start, end, value, source=WATCH, unit="count/min"):
    return (
        f' <Record type="HKQuantityTypeIdentifier{kind}" {source} unit="{unit}" startDate="{start}" '
        f'endDate="{end}" value="{value}"/>\n'
    )


def sleep(start, end, value, source=WATCH):
    return (
        f' <Record type="HKCategoryTypeIdentifierSleepAnalysis" {source} startDate="{start}" endDate="{end}" '
        f'value="HKCategoryValueSleepAnalysis{value}"/>\n'
    )


EXPORT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record)*)>\n'
    ']>\n<HealthData locale="en_US">\n <ExportDate value="2024-03-12 09:00:00 -0400"/>\n'
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1979-07-14" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexMale"/>\n'
    + record("HeartRate", "2024-03-10 10:00:00 -0400", "2024-03-10 10:00:00 -0400", 70)
    + record("HeartRate", "2024-03-10 10:05:00 -0400", "2024-03-10 10:05:00 -0400", 74)
    + record("HeartRate", "2024-03-10 10:10:00 -0400", "2024-03-10 10:10:00 -0400", 310)
    + record("RestingHeartRate", "2024-03-10 09:00:00 -0400", "2024-03-10 09:00:00 -0400", 58)
    + record("HeartRateVariabilitySDNN", "2024-03-10 02:00:00 -0500", "2024-03-10 02:00:00 -0500", 41.5, unit="ms")
    + record("StepCount", "2024-03-10 12:05:00 -0400", "2024-03-10 12:15:00 -0400", 900, unit="count")
    + record("StepCount", "2024-03-10 12:06:00 -0400", "2024-03-10 12:15:00 -0400", 880, PHONE, unit="count")
    + record("StepCount", "2030-01-01 12:00:00 -0500", "2030-01-01 12:10:00 -0500", 50, unit="count")
    + record("BodyMass", "2024-03-10 08:00:00 -0400", "2024-03-10 08:00:00 -0400", 154.0, unit="lb")
    + record("ActiveEnergyBurned", "2024-03-10 12:00:00 -0400", "2024-03-10 12:15:00 -0400", 20, unit="Cal")
    + sleep("2024-03-09 22:45:00 -0500", "2024-03-10 07:15:00 -0400", "InBed", PHONE)
    + sleep("2024-03-09 23:00:00 -0500", "2024-03-10 01:30:00 -0500", "AsleepCore")
    + sleep("2024-03-10 01:30:00 -0500", "2024-03-10 03:10:00 -0400", "AsleepDeep")
    + sleep("2024-03-10 03:10:00 -0400", "2024-03-10 03:30:00 -0400", "Awake")
    + sleep("2024-03-10 03:30:00 -0400", "2024-03-10 07:00:00 -0400", "AsleepREM")
    + "</HealthData>\n"
)


def write(tmp_path, text, name="export.xml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_detected_by_content(tmp_path):
    assert sources.detect(plain_file(write(tmp_path, EXPORT, "anything.txt"), "p/anything.txt")) is apple_health


def test_records_become_samples_with_local_times_offsets_and_devices(tmp_path):
    result = parse(apple_health, write(tmp_path, EXPORT), "p1/export.xml")
    s = result.samples
    assert result.n_records == 15 and result.n_ignored == 1
    assert set(s["metric"]) == {"heart_rate_mean_bpm", "resting_hr_bpm", "hrv_sdnn_ms", "steps", "weight_kg", "sleep"}
    hrv = s[s["metric"] == "hrv_sdnn_ms"].iloc[0]
    assert hrv["value"] == 41.5 and hrv["start"] == pd.Timestamp("2024-03-10 02:00") and hrv["utc_offset_min"] == -300
    assert s.loc[s["metric"] == "weight_kg", "value"].iloc[0] == pytest.approx(154 * 0.45359237)
    steps = s[s["metric"] == "steps"].sort_values("start")
    assert steps["source_rank"].tolist() == [0, 1, 0]  # watch, iPhone, watch
    deep = s[(s["kind"] == "sleep") & (s["locator"] == "Record 13, line 20")].iloc[0]
    assert (deep["utc_offset_min"], deep["end_utc_offset_min"]) == (-300, -240)
    assert not s.astype(str).apply(lambda c: c.str.contains("Sam|1979|iPhone|Watch")).any().any()


def test_unreadable_values_are_quarantined_with_the_line(tmp_path):
    bad = (
        EXPORT.replace('value="74"', 'value="seventy"')
        .replace('startDate="2024-03-10 09:00:00 -0400"', 'startDate="yesterday"', 1)
        .replace("AsleepREM", "AsleepLightly")
    )
    result = parse(apple_health, write(tmp_path, bad), "p1/export.xml")
    reasons = dict(zip(result.rejects["locator"], result.rejects["reason"]))
    raws = dict(zip(result.rejects["locator"], result.rejects["raw"]))
    assert reasons["Record 2, line 9"] == "value is not a number (7 characters)"
    assert reasons["Record 4, line 11"] == "unparseable startDate (9 characters)"
    # after an ignored record (10): the raw text is still this record's own
    assert reasons["Record 15, line 22"] == "unknown sleep value 'HKCategoryValueSleepAnalysisAsleepLightly'"
    assert raws["Record 15, line 22"] == (
        '<Record type="HKCategoryTypeIdentifierSleepAnalysis" unit="" startDate="2024-03-10 03:30:00 -0400" '
        'endDate="2024-03-10 07:00:00 -0400" value="HKCategoryValueSleepAnalysisAsleepLightly"/>'
    )
    assert raws["Record 2, line 9"].startswith('<Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min"')
    assert "Sam" not in " ".join(result.rejects["raw"])


def test_truncated_export_keeps_what_came_before(tmp_path):
    cut = EXPORT[: EXPORT.index('<Record type="HKQuantityTypeIdentifierStepCount"')] + ' <Record type="HKQ'
    result = parse(apple_health, write(tmp_path, cut), "p1/export.xml")
    assert (result.samples["metric"] == "heart_rate_mean_bpm").sum() == 3
    last = result.rejects.iloc[-1]
    assert last["reason"].startswith("XML not well-formed") and last["locator"].startswith("line ")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE HealthData [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
        '<!DOCTYPE HealthData [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>',
    ],
)
def test_entity_declarations_are_refused(tmp_path, doctype):
    text = (
        '<?xml version="1.0"?>\n'
        + doctype
        + '\n<HealthData locale="en_US">\n'
        + record("HeartRate", "2024-03-10 10:00:00 -0400", "2024-03-10 10:00:00 -0400", "&xxe;&d;")
        + "</HealthData>\n"
    )
    with pytest.raises(MalformedFile, match="entity"):
        parse(apple_health, write(tmp_path, text), "p1/export.xml")


def _peak_parse_memory(path) -> tuple[int, int]:
    from transforms.ingest.parse import ParseContext

    tracemalloc.start()
    n = 0
    for chunk in apple_health.parse(plain_file(path, "p/export.xml"), ParseContext("p/export.xml", "UTC")):
        n += chunk.n_records
        del chunk
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return n, peak


@pytest.mark.slow
def test_memory_stays_flat_in_file_size(tmp_path, monkeypatch):
    import transforms.vocabulary as vocabulary

    rules = vocabulary.ingest_rules()
    monkeypatch.setattr(
        vocabulary, "ingest_rules", lambda: rules.__class__(**{**rules.__dict__, "chunk_records": 10_000})
    )
    one = record("HeartRate", "2024-03-10 10:00:00 -0400", "2024-03-10 10:00:00 -0400", 70)
    small = write(tmp_path, EXPORT.replace("</HealthData>", one * 30_000 + "</HealthData>"), "small.xml")
    large = write(tmp_path, EXPORT.replace("</HealthData>", one * 120_000 + "</HealthData>"), "large.xml")
    n_small, peak_small = _peak_parse_memory(small)
    n_large, peak_large = _peak_parse_memory(large)
    assert (n_small, n_large) == (30_015, 120_015)
    # four times the file, about the same peak: memory depends on the chunk size, not the file size
    assert peak_large < 1.3 * peak_small, f"{peak_small / 1e6:.0f} MB → {peak_large / 1e6:.0f} MB"


def test_export_zip_member_is_read_in_place(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", EXPORT)
        archive.writestr("apple_health_export/export_cda.xml", CDA)
    (tmp_path / "p1").mkdir()
    (tmp_path / "p1" / "export.zip").write_bytes(buffer.getvalue())
    from transforms.ingest.landing import inputs_of

    members = inputs_of(tmp_path / "p1" / "export.zip", tmp_path)
    assert [m.source_file for m in members] == [
        "p1/export.zip//apple_health_export/export.xml",
        "p1/export.zip//apple_health_export/export_cda.xml",
    ]
    assert sources.detect(members[0]) is apple_health and sources.detect(members[1]) is apple_health_cda
    # and parsed from the archive (a member cannot seek or tell) as the same text on disk is
    from transforms.ingest.parse import ParseContext

    chunks = list(apple_health.parse(members[0], ParseContext(members[0].source_file, "UTC")))
    from_zip = pd.concat([c.samples for c in chunks if len(c.samples)], ignore_index=True)
    on_disk = parse(apple_health, write(tmp_path, EXPORT), members[0].source_file).samples
    pd.testing.assert_frame_equal(from_zip, on_disk)
    assert sum(c.n_records for c in chunks) == 15


# export_cda.xml as Apple writes it beside export.xml (HL7 CDA R2; trimmed to two observations)
CDA = """<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" classCode="DOCCLIN" moodCode="EVN">
 <realmCode code="US"/>
 <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
 <title>Health Data</title>
 <component><structuredBody><component><section>
  <entry typeCode="DRIV"><organizer classCode="CLUSTER" moodCode="EVN"><component>
   <observation classCode="OBS" moodCode="EVN">
    <code code="8867-4" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Heart rate"/>
    <text><value>72</value><type>HKQuantityTypeIdentifierHeartRate</type><unit>count/min</unit></text>
    <effectiveTime><low value="20240310100000-0400"/><high value="20240310100000-0400"/></effectiveTime>
   </observation>
  </component><component>
   <observation classCode="OBS" moodCode="EVN">
    <code code="55423-8" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Step count"/>
    <text><value>120</value><type>HKQuantityTypeIdentifierStepCount</type><unit>count</unit></text>
   </observation>
  </component></organizer></entry>
 </section></component></structuredBody></component>
</ClinicalDocument>
"""

# An export of iOS 8 / 9: compact stamps and ``source`` instead of ``sourceName`` (the report of a real one)
OLD_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_US">
 <ExportDate value="20150110093000-0800"/>
 <Record type="HKQuantityTypeIdentifierStepCount" source="Sam's iPhone" unit="count" creationDate="20140104090000-0800" startDate="20140104084300-0800" endDate="20140104085300-0800" value="430"/>
 <Record type="HKQuantityTypeIdentifierStepCount" source="Sam's iPhone" unit="count" creationDate="20140104230000-0800" startDate="20140104225500-0800" endDate="20140104230500-0800" value="70"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" source="Sam's iPhone" unit="count/min" startDate="20140105010000-0800" endDate="20140105010000-0800" value="58"/>
 <Record type="HKQuantityTypeIdentifierBodyMass" source="Sam's iPhone" unit="lb" startDate="20140105070000-0800" endDate="20140105070000-0800" value="154"/>
 <Record type="HKQuantityTypeIdentifierStepCount" source="Sam's iPhone" unit="count" startDate="2014-01-05 08:00 -0800" endDate="20140105081000-0800" value="10"/>
</HealthData>
"""


def test_an_ios_8_export_reads_compact_stamps_and_the_source_attribute(tmp_path):
    result = parse(apple_health, write(tmp_path, OLD_EXPORT, "export.xml"), "p1/export.xml")
    steps = result.samples[result.samples["metric"] == "steps"]
    assert steps["value"].tolist() == [430, 70] and str(steps["start"].iloc[0]) == "2014-01-04 08:43:00"
    assert set(steps["utc_offset_min"]) == {-480} and set(result.samples["source_rank"]) == {1}  # an iPhone
    weight = result.samples[result.samples["metric"] == "weight_kg"]["value"].item()
    assert weight == pytest.approx(154 * 0.45359237)
    assert result.rejects["reason"].tolist() == ["unparseable startDate (22 characters)"]
    assert result.n_records == 5


def test_export_cda_is_recognised_and_its_records_ignored(tmp_path):
    path = write(tmp_path, CDA, "export_cda.xml")
    assert sources.detect(plain_file(path, "p1/export_cda.xml")) is apple_health_cda
    result = parse(apple_health_cda, path, "p1/export_cda.xml")
    assert result.n_records == result.n_ignored == 2 and result.samples.empty and result.observations.empty

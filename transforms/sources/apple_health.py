"""Apple Health ``export.xml`` (also inside ``export.zip``), one participant per file, streamed.

Records read (``<Record type=… startDate=… endDate=… value=… unit=… sourceName=…>``):

| HealthKit type | metric | kind |
|---|---|---|
| ``HKQuantityTypeIdentifierHeartRate`` (count/min) | heart_rate_mean_bpm (+ coverage) | level |
| ``HKQuantityTypeIdentifierRestingHeartRate`` | resting_hr_bpm | level |
| ``HKQuantityTypeIdentifierHeartRateVariabilitySDNN`` (ms) | hrv_sdnn_ms (SDNN, never mixed with RMSSD) | level |
| ``HKQuantityTypeIdentifierStepCount`` | steps | amount |
| ``HKQuantityTypeIdentifierBodyMass`` (kg or lb → kg) | weight_kg | level |
| ``HKCategoryTypeIdentifierSleepAnalysis`` | sleep_minutes, nap_minutes, efficiency, midpoint | sleep |

Sleep values: ``InBed`` and ``Awake`` are in bed awake (0); ``Asleep``, ``AsleepUnspecified``, ``AsleepCore``,
``AsleepDeep``, ``AsleepREM`` are asleep (1). Other record types are counted as ignored.

Times are read as written, ``2024-03-10 01:30:00 -0500``: the local day and clock time come from the
record's own text, durations from its own offset. Devices: a source whose name mentions "Watch" ranks
before one mentioning "iPhone", before anything else; steps and sleep from several devices are de-duplicated
by that rank (``transforms.samples``). Source names are used for that ranking only and never stored; the
``<Me>`` element (date of birth, sex, blood type) is never read.

Safety: the file is parsed with expat as a stream (memory does not grow with file size); any ``<!ENTITY>``
declaration stops the parse (no entity expansion, no external entities), and external DTDs are never
fetched. A file that stops being well-formed part-way keeps the records before the error and quarantines
the rest with the parser's message and line. Locators read ``Record 1234, line 5678`` (the n-th
``<Record>`` element and its line).
"""

from __future__ import annotations

from typing import Iterator
from xml.parsers import expat

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.errors import MalformedFile
from transforms.records import ParseResult, empty_frame, rejects_frame, SAMPLE_SCHEMA

FORMAT = "apple_health"
SCOPE = "person"
READ_BYTES = 1 << 20
HEART_RATE_SAMPLES_PER_HOUR = 6  # the Watch's background readings, every few minutes

TYPES = {  # HealthKit type → (metric, kind)
    "HKQuantityTypeIdentifierHeartRate": ("heart_rate_mean_bpm", "level"),
    "HKQuantityTypeIdentifierRestingHeartRate": ("resting_hr_bpm", "level"),
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": ("hrv_sdnn_ms", "level"),
    "HKQuantityTypeIdentifierStepCount": ("steps", "amount"),
    "HKQuantityTypeIdentifierBodyMass": ("weight_kg", "level"),
    "HKCategoryTypeIdentifierSleepAnalysis": ("sleep", "sleep"),
}
SLEEP_ASLEEP = {"HKCategoryValueSleepAnalysisAsleep", "HKCategoryValueSleepAnalysisAsleepUnspecified",
                "HKCategoryValueSleepAnalysisAsleepCore", "HKCategoryValueSleepAnalysisAsleepDeep",
                "HKCategoryValueSleepAnalysisAsleepREM"}
SLEEP_AWAKE = {"HKCategoryValueSleepAnalysisInBed", "HKCategoryValueSleepAnalysisAwake"}
POUND_KG = 0.45359237


def detect(name: str, head: str) -> bool:
    return "<HealthData" in head or "<!DOCTYPE HealthData" in head


class _Collector:
    """expat callbacks: keep the attributes of records of the types we read, as plain tuples."""

    def __init__(self, parser):
        self.parser = parser
        self.rows: list[tuple] = []
        self.n_records = 0
        self.n_ignored = 0

    def start(self, name, attrs):
        if name != "Record":
            return
        self.n_records += 1
        kind = attrs.get("type")
        if kind in TYPES:
            self.rows.append((kind, attrs.get("startDate", ""), attrs.get("endDate", ""), attrs.get("value", ""),
                              attrs.get("unit", ""), attrs.get("sourceName", ""), self.n_records,
                              self.parser.CurrentLineNumber))
        else:
            self.n_ignored += 1


def _refuse_entities(source_file: str):
    def handler(*args):
        raise MalformedFile(source_file, "XML declares an entity: refused (entity expansion / external entities)")
    return handler


def parse(source, ctx) -> Iterator[ParseResult]:
    chunk_records = vocabulary.ingest_rules().chunk_records
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entities(ctx.source_file)
    parser.ExternalEntityRefHandler = _refuse_entities(ctx.source_file)
    collector = _Collector(parser)
    parser.StartElementHandler = collector.start
    counted = [0, 0]  # records and ignored already reported in earlier chunks

    def take(final_reject: pd.DataFrame | None = None) -> ParseResult:
        rows, collector.rows = collector.rows, []
        result = _chunk(rows, ctx.source_file)
        result.n_records = collector.n_records - counted[0]
        result.n_ignored = collector.n_ignored - counted[1]
        counted[:] = [collector.n_records, collector.n_ignored]
        if final_reject is not None:
            result.rejects = pd.concat([result.rejects, final_reject], ignore_index=True)
            result.n_records += 1
        return result

    with source.open() as fh:
        try:
            while True:
                block = fh.read(READ_BYTES)
                parser.Parse(block, not block)
                if len(collector.rows) >= chunk_records:
                    yield take()
                if not block:
                    break
        except expat.ExpatError as exc:
            reason = f"XML not well-formed: {expat.ErrorString(exc.code)} (the rest of the file is unreadable)"
            yield take(rejects_frame(ctx.source_file, FORMAT, [f"line {exc.lineno}"], [reason], [""]))
            return
    if collector.n_records == 0:
        raise MalformedFile(ctx.source_file, "no <Record> elements: not an Apple Health export")
    yield take()


def _offset_minutes(text: pd.Series) -> pd.Series:
    """``-0500`` → −300."""
    sign = np.where(text.str[0] == "-", -1.0, 1.0)
    return sign * (pd.to_numeric(text.str[1:3], errors="coerce") * 60 + pd.to_numeric(text.str[3:5], errors="coerce"))


def _chunk(rows: list[tuple], source_file: str) -> ParseResult:
    if not rows:
        return ParseResult(samples=empty_frame(SAMPLE_SCHEMA))
    frame = pd.DataFrame(rows, columns=["type", "start", "end", "value", "unit", "source", "record", "line"])
    locator = "Record " + frame["record"].astype(str) + ", line " + frame["line"].astype(str)
    start_local = pd.to_datetime(frame["start"].str[:19], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    end_local = pd.to_datetime(frame["end"].str[:19], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    offset = _offset_minutes(frame["start"].str[20:25])
    end_offset = _offset_minutes(frame["end"].str[20:25])
    metric = frame["type"].map({t: m for t, (m, _) in TYPES.items()})
    kind = frame["type"].map({t: k for t, (_, k) in TYPES.items()})
    is_sleep = kind == "sleep"
    numeric = pd.to_numeric(frame["value"], errors="coerce")
    sleep_value = frame["value"].map({**{v: 1.0 for v in SLEEP_ASLEEP}, **{v: 0.0 for v in SLEEP_AWAKE}})
    value = numeric.where(~is_sleep, sleep_value)
    value = value.where(~((metric == "weight_kg") & (frame["unit"] == "lb")), value * POUND_KG)
    rank = np.select([frame["source"].str.contains("Watch", regex=False),
                      frame["source"].str.contains("iPhone", regex=False)], [0, 1], 2)

    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    reason[start_local.isna()] = "unparseable startDate='" + frame["start"] + "'"
    reason[reason.isna() & is_sleep & end_local.isna()] = "unparseable endDate='" + frame["end"] + "'"
    reason[reason.isna() & value.isna() & is_sleep] = "unknown sleep value '" + frame["value"] + "'"
    reason[reason.isna() & value.isna()] = "value='" + frame["value"] + "' is not a number"
    bad = reason.notna()
    samples = pd.DataFrame({
        "participant_id": pd.Series(pd.NA, index=frame.index, dtype="string"),
        "metric": metric.astype("string"), "kind": kind.astype("string"),
        "start": start_local.astype("datetime64[s]"), "end": end_local.astype("datetime64[s]"),
        "utc_offset_min": offset.astype("float64"), "end_utc_offset_min": end_offset.astype("float64"),
        "value": value.astype("float64"),
        "source_rank": rank.astype("int64"), "source": FORMAT, "source_file": source_file,
        "locator": locator.astype("string"),
    })[~bad]
    samples["source"] = samples["source"].astype("string")
    samples["source_file"] = samples["source_file"].astype("string")
    raw = _RecordText(frame)
    rejects = rejects_frame(source_file, FORMAT, locator[bad], reason[bad], raw(locator[bad]))
    return ParseResult(samples=samples, rejects=rejects, raw_records=raw)


class _RecordText:
    """A quarantined record's text, rebuilt from the attributes kept (never the source or device name)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.set_index("record")

    def __call__(self, locators) -> pd.Series:
        records = pd.Series(list(locators), dtype="string").str.extract(r"^Record (\d+)")[0].astype(int)
        rows = self.frame.reindex(records.to_numpy())
        return ('<Record type="' + rows["type"] + '" unit="' + rows["unit"] + '" startDate="' + rows["start"]
                + '" endDate="' + rows["end"] + '" value="' + rows["value"] + '"/>').fillna("").reset_index(drop=True)

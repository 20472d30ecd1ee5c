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

Times are read as written, ``2024-03-10 01:30:00 -0500`` (exports of iOS 8 and 9: ``20140104084300-0800``, and
``source`` where later versions write ``sourceName``): the local day and clock time come from the record's own
text, durations from its own offset. Devices: a source whose name mentions "Watch" ranks
before one mentioning "iPhone", before anything else; steps and sleep from several devices are de-duplicated
by that rank (``transforms.ingest.samples``). Source names are used for that ranking only and never stored; the
``<Me>`` element (date of birth, sex, blood type) is never read.

Safety: the file is parsed with expat as a stream (memory does not grow with file size); any ``<!ENTITY>``
declaration stops the parse (no entity expansion, no external entities), and external DTDs are never
fetched. A file that stops being well-formed part-way keeps the records before the error and quarantines
the rest with the parser's message and line. Locators read ``Record 1234, line 5678`` (the n-th
``<Record>`` element and its line).
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.parsers import expat

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.dates import parse_offset_timestamps
from transforms.ingest.errors import MalformedFile
from transforms.ingest.records import POUND_KG, SAMPLE_SCHEMA, ParseResult, empty_frame, empty_rejects, rejects_frame

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
SLEEP_ASLEEP = {
    "HKCategoryValueSleepAnalysisAsleep",
    "HKCategoryValueSleepAnalysisAsleepUnspecified",
    "HKCategoryValueSleepAnalysisAsleepCore",
    "HKCategoryValueSleepAnalysisAsleepDeep",
    "HKCategoryValueSleepAnalysisAsleepREM",
}
SLEEP_AWAKE = {"HKCategoryValueSleepAnalysisInBed", "HKCategoryValueSleepAnalysisAwake"}
SLEEP_VALUES = {**{v: 1.0 for v in SLEEP_ASLEEP}, **{v: 0.0 for v in SLEEP_AWAKE}}


def detect(name: str, head: str) -> bool:
    return "<HealthData" in head or "<!DOCTYPE HealthData" in head


# ``export_cda.xml``, beside ``export.xml`` in every export: the same records as an HL7 clinical document
# (``apple_health_cda``), never read as a second copy of them.


TYPE_NAMES = list(TYPES)  # type code → HealthKit type
TYPE_CODE = {t: i for i, t in enumerate(TYPE_NAMES)}
METRICS = sorted({m for m, _ in TYPES.values()})
METRIC_CODE = np.array([METRICS.index(m) for m, _ in TYPES.values()], dtype=np.int8)  # by type code
KINDS = sorted({k for _, k in TYPES.values()})
KIND_CODE = np.array([KINDS.index(k) for _, k in TYPES.values()], dtype=np.int8)
SLEEP_CODE = TYPE_CODE["HKCategoryTypeIdentifierSleepAnalysis"]
WEIGHT_CODE = TYPE_CODE["HKQuantityTypeIdentifierBodyMass"]


def source_rank(source_name: str) -> int:
    """0 for a Watch, 1 for an iPhone, 2 for anything else."""
    return 0 if "Watch" in source_name else 1 if "iPhone" in source_name else 2


class _Collector:
    """expat callbacks: keep the attributes of records of the types we read, as plain tuples (type code,
    start, end, value, unit, device rank, record number, line); the device name is ranked and dropped."""

    def __init__(self, parser):
        self.parser = parser
        self.rows: list[tuple] = []
        self.n_records = 0
        self.n_ignored = 0
        self.ranks: dict[str, int] = {}

    def start(self, name, attrs):
        if name != "Record":
            return
        self.n_records += 1
        code = TYPE_CODE.get(attrs.get("type"))
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


def _unknown_sleep_value(value: str) -> str:
    """An Apple constant (``HKCategoryValueSleepAnalysis…``) is quoted; anything else only by its length."""
    import re

    if re.fullmatch(r"HK[A-Za-z]{1,80}", value):
        return f"unknown sleep value '{value}'"
    return f"unknown sleep value ({len(value)} characters)"


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
        except LookupError as exc:  # the XML declaration names an encoding Python does not know
            raise MalformedFile(ctx.source_file, f"XML in an unknown encoding ({exc})") from exc
        except expat.ExpatError as exc:
            reason = f"XML not well-formed: {expat.ErrorString(exc.code)} (the rest of the file is unreadable)"
            yield take(rejects_frame(ctx.source_file, FORMAT, [f"line {exc.lineno}"], [reason], [""]))
            return
    if collector.n_records == 0:
        raise MalformedFile(ctx.source_file, "no <Record> elements: not an Apple Health export")
    yield take()


def _chunk(rows: list[tuple], source_file: str) -> ParseResult:
    if not rows:
        return ParseResult(samples=empty_frame(SAMPLE_SCHEMA))
    code_, start_, end_, value_, unit_, rank_, record_, line_ = zip(*rows)
    n = len(rows)
    code = np.fromiter(code_, dtype=np.int8, count=n)
    start_local, offset = parse_offset_timestamps(start_)
    end_local, end_offset = parse_offset_timestamps(end_)
    is_sleep = code == SLEEP_CODE
    value = _values(value_, is_sleep)
    pounds = code == WEIGHT_CODE
    if pounds.any():
        pounds &= np.asarray(unit_, dtype=object) == "lb"
        value = np.where(pounds, value * POUND_KG, value)
    rank = np.fromiter(rank_, dtype=np.int64, count=n)

    bad_start = np.isnat(start_local)
    bad_end = ~bad_start & is_sleep & np.isnat(end_local)
    bad_value = ~bad_start & ~bad_end & np.isnan(value)
    bad = bad_start | bad_end | bad_value
    locator = _locators(record_, line_)
    keep = ~bad
    kept = int(keep.sum())

    samples = pd.DataFrame(
        {
            "participant_id": pd.Series(pd.NA, index=range(kept), dtype="string"),
            "metric": pd.Categorical.from_codes(METRIC_CODE[code[keep]], METRICS),
            "kind": pd.Categorical.from_codes(KIND_CODE[code[keep]], KINDS),
            "start": start_local[keep],
            "end": end_local[keep],
            "utc_offset_min": offset[keep],
            "end_utc_offset_min": end_offset[keep],
            "value": value[keep],
            "source_rank": rank[keep],
            "source": pd.Categorical.from_codes(np.zeros(kept, dtype=np.int8), [FORMAT]),
            "source_file": pd.Categorical.from_codes(np.zeros(kept, dtype=np.int8), [source_file]),
            "locator": locator[keep],
        },
        copy=False,
    )
    raw = _RecordText(rows)
    rejects = empty_rejects()
    if bad.any():
        idx = np.flatnonzero(bad)
        reasons = [
            f"unparseable startDate ({len(start_[i])} characters)"
            if bad_start[i]
            else f"unparseable endDate ({len(end_[i])} characters)"
            if bad_end[i]
            else (
                _unknown_sleep_value(value_[i])
                if is_sleep[i]
                else f"value is not a number ({len(value_[i])} characters)"
            )
            for i in idx
        ]  # only the rejected records
        bad_locators = pd.Series(locator[idx]).astype("string")
        rejects = rejects_frame(source_file, FORMAT, bad_locators, reasons, raw(bad_locators))
    return ParseResult(samples=samples, rejects=rejects, raw_records=raw)


def _values(text: tuple[str, ...], is_sleep: np.ndarray) -> np.ndarray:
    """Numbers for quantity records, 1/0 for asleep/awake sleep stages, NaN where neither applies."""
    cells = np.array(text, dtype=object)
    out = np.full(len(cells), np.nan)
    quantity = ~is_sleep
    try:
        out[quantity] = cells[quantity].astype("float64")
    except ValueError:  # a non-number somewhere: NaN for it, quarantined by the caller
        out[quantity] = pd.to_numeric(pd.Series(cells[quantity]), errors="coerce").to_numpy(dtype="float64")
    if is_sleep.any():
        out[is_sleep] = pd.Series(cells[is_sleep]).map(SLEEP_VALUES).to_numpy(dtype="float64")
    return out


def _locators(record: tuple[int, ...], line: tuple[int, ...]) -> pd.api.extensions.ExtensionArray:
    """``Record N, line M`` for each record, built by Arrow (no Python string per record)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.binary_join_element_wise(
        "Record ",
        pc.cast(pa.array(record, pa.int64()), pa.string()),
        ", line ",
        pc.cast(pa.array(line, pa.int64()), pa.string()),
        "",
    )
    return pd.arrays.ArrowStringArray(text)


class _RecordText:
    """A quarantined record's text, rebuilt from the attributes kept (never the source or device name)."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows
        self.numbers: np.ndarray | None = None  # record numbers of the rows (increasing), on first use

    def __call__(self, locators) -> pd.Series:
        if self.numbers is None:
            self.numbers = np.fromiter((row[6] for row in self.rows), dtype=np.int64, count=len(self.rows))
        out = []
        for loc in locators:  # only quarantined records
            number = int(str(loc).split(",")[0].removeprefix("Record "))
            i = int(np.searchsorted(self.numbers, number))
            if i < len(self.rows) and self.numbers[i] == number:
                code, start, end, value, unit = self.rows[i][:5]
                kind = TYPE_NAMES[code]
            else:
                kind = start = end = value = unit = ""
            out.append(f'<Record type="{kind}" unit="{unit}" startDate="{start}" endDate="{end}" value="{value}"/>')
        return pd.Series(out, dtype="string")

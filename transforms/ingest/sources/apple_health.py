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

Speed: an export of SPLIT_MIN_BYTES or more on disk is parsed by two processes at once, split at a top-level
record (``_read_split``); the chunks equal those of one pass, which smaller files and zip members take.

Safety: the file is parsed with expat as a stream (memory does not grow with file size); any ``<!ENTITY>``
declaration stops the parse (no entity expansion, no external entities), and external DTDs are never
fetched. A file that stops being well-formed part-way keeps the records before the error and quarantines
the rest with the parser's message and line. Locators read ``Record 1234, line 5678`` (the n-th
``<Record>`` element and its line).
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.dates import parse_offset_timestamps
from transforms.ingest.errors import MalformedFile
from transforms.ingest.records import POUND_KG, SAMPLE_SCHEMA, ParseResult, empty_frame, empty_rejects, rejects_frame
from transforms.ingest.sources import _apple_health_scan as scan

logger = logging.getLogger(__name__)

FORMAT = "apple_health"
SCOPE = "person"
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


def _unknown_sleep_value(value: str) -> str:
    """An Apple constant (``HKCategoryValueSleepAnalysis…``) is quoted; anything else only by its length."""
    import re

    if re.fullmatch(r"HK[A-Za-z]{1,80}", value):
        return f"unknown sleep value '{value}'"
    return f"unknown sleep value ({len(value)} characters)"


def parse(source, ctx) -> Iterator[ParseResult]:
    plan = _split_plan(source)
    helper = None if plan is None else _Helper.start(source.path, plan, vocabulary.ingest_rules().chunk_records)
    if helper is None:
        yield from _read_in_one_pass(source, ctx.source_file)
    else:
        yield from _read_split(source, ctx.source_file, plan, helper)


class _Pass:
    """One expat pass and the chunks it hands out. Records numbered up to ``skip`` were handed out by an
    earlier pass and are dropped; ``counted`` (records, ignored) were reported by it."""

    def __init__(self, source_file: str, skip: int = 0, counted: tuple[int, int] = (0, 0)):
        self.source_file = source_file
        self.parser, self.collector = scan.new_parser(TYPE_CODE)
        self.skip = skip
        self.counted = counted
        self.chunk_records = vocabulary.ingest_rules().chunk_records

    def take(self) -> ParseResult:
        rows, self.collector.rows = self.collector.rows, []
        if self.skip and rows and rows[0][6] <= self.skip:
            rows = rows[bisect.bisect_right(rows, self.skip, key=lambda row: row[6]) :]
        result = _chunk(scan.columns(rows), self.source_file)
        now = self.collector.n_records, self.collector.n_ignored
        result.n_records, result.n_ignored = now[0] - self.counted[0], now[1] - self.counted[1]
        self.counted = now
        return result

    def feed(self, fh, stop: int | None = None, breaks: scan.LineBreaks | None = None) -> Iterator[ParseResult]:
        """Parse ``fh`` from its start to byte ``stop`` (more input expected after it) or to its end. ``fh``
        may be a zip member, which cannot tell its position."""
        position = 0
        while True:
            block = fh.read(scan.READ_BYTES if stop is None else min(scan.READ_BYTES, stop - position))
            position += len(block)
            if breaks is not None:
                breaks.add(block)
            if block or stop is None:
                self.parser.Parse(block, not block)
            if len(self.collector.rows) >= self.chunk_records:
                yield self.take()
            if not block:
                return


def _with_unreadable_rest(result: ParseResult, source_file: str, message: str, line: int) -> ParseResult:
    """A chunk plus one reject for the rest of a file that stopped being well-formed at ``line``."""
    reason = f"XML not well-formed: {message} (the rest of the file is unreadable)"
    rest = rejects_frame(source_file, FORMAT, [f"line {line}"], [reason], [""])
    result.rejects = pd.concat([result.rejects, rest], ignore_index=True)
    result.n_records += 1
    return result


@contextlib.contextmanager
def _file_refusals(source_file: str):
    try:
        yield
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise MalformedFile(source_file, f"XML in an unknown encoding ({exc})") from exc
    except scan.EntityDeclared as exc:
        raise MalformedFile(
            source_file, "XML declares an entity: refused (entity expansion / external entities)"
        ) from exc


def _read_in_one_pass(source, source_file: str, skip: int = 0, counted=(0, 0)) -> Iterator[ParseResult]:
    one = _Pass(source_file, skip, counted)
    with source.open() as fh, _file_refusals(source_file):
        try:
            yield from one.feed(fh)
        except expat.ExpatError as exc:
            yield _with_unreadable_rest(one.take(), source_file, expat.ErrorString(exc.code), exc.lineno)
            return
    if one.collector.n_records == 0:
        raise MalformedFile(source_file, "no <Record> elements: not an Apple Health export")
    yield one.take()


# The split read. A large plain export is parsed by two processes at once: this one parses bytes [0, split),
# a helper (``_apple_health_scan`` run as a script, standard library only) parses the prolog followed by
# [split, end). ``split`` is the ``<`` of a top-level ``<Record`` near SPLIT_SHARE of the file. The helper's
# record numbers and lines are shifted to the file's. That [0, split) ends at the top level (inside the root,
# outside any element, comment or section) is proved by closing the root there; if expat refuses, or the
# helper fails, the file is parsed again in one pass and only the records after this process's are kept.
# Either way the chunks hold the records, values, locators and rejects of one pass.
SPLIT_MIN_BYTES = 64 << 20
SPLIT_SHARE = 0.45  # of the bytes after the prolog, parsed here: this process also builds every chunk
SPLIT_MARK = b" <Record "  # after a line break: a top-level record as Apple writes it (a Correlation's: two spaces)
PLAN_HEAD_BYTES = 1 << 20
SPLIT_SEARCH_BYTES = 4 << 20


@dataclass(frozen=True)
class _SplitPlan:
    root: str
    prefix_end: int  # the offset of the root's first child: [0, prefix_end) is the prolog and the root's start tag
    split: int


def _split_plan(source) -> _SplitPlan | None:
    if source.path is None or source.size < SPLIT_MIN_BYTES:
        return None
    with open(source.path, "rb") as fh:
        found = scan.first_child(fh.read(PLAN_HEAD_BYTES))
        if found is None:
            return None
        root, prefix_end = found
        target = prefix_end + int((source.size - prefix_end) * SPLIT_SHARE)
        fh.seek(target)
        window = fh.read(SPLIT_SEARCH_BYTES)
    at = window.find(SPLIT_MARK, 1)
    while at > 0 and window[at - 1] not in b"\r\n":
        at = window.find(SPLIT_MARK, at + 1)
    if at < 0:
        return None
    return _SplitPlan(root, prefix_end, target + at + 1)


class _Helper:
    """The helper process parsing [split, end); its messages go to a temporary file, read once it is done."""

    def __init__(self, process: subprocess.Popen, out, err):
        self.process, self.out, self.err = process, out, err

    @classmethod
    def start(cls, path, plan: _SplitPlan, chunk_records: int) -> _Helper | None:
        """The running helper, or None when no process can be started (the file is then read in one pass)."""
        out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        err = tempfile.TemporaryFile()  # noqa: SIM115
        argv = [str(path), str(plan.prefix_end), str(plan.split), str(chunk_records), *TYPE_NAMES]
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", scan.__file__, *argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        except (OSError, ValueError) as exc:
            logger.warning("Apple Health split read: no helper process (%s); reading in one pass", type(exc).__name__)
            out.close()
            err.close()
            return None
        return cls(process, out, err)

    def messages(self) -> Iterator[tuple] | None:
        """The helper's messages once it has finished; None when it failed."""
        if self.process.wait() != 0:
            self.err.seek(0)
            last = self.err.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            logger.warning("Apple Health split read: the helper failed (%s); reading in one pass", last)
            return None
        self.out.seek(0)

        def read():
            while True:
                message = pickle.load(self.out)  # an Unpickler per message (see scan_tail)
                yield message
                if message[0] == "end":
                    return

        return read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.out.close()
        self.err.close()


def _read_split(source, source_file: str, plan: _SplitPlan, helper: _Helper) -> Iterator[ParseResult]:
    here = _Pass(source_file)
    try:
        breaks = scan.LineBreaks()
        with source.open() as fh, _file_refusals(source_file):
            try:
                yield from here.feed(fh, stop=plan.split, breaks=breaks)
            except expat.ExpatError as exc:
                yield _with_unreadable_rest(here.take(), source_file, expat.ErrorString(exc.code), exc.lineno)
                return
        yield here.take()
        mine = here.collector.n_records, here.collector.n_ignored
        try:
            here.parser.Parse(f"</{plan.root}>".encode(), True)
        except expat.ExpatError:  # [0, split) did not end at the top level
            messages = None
        else:
            messages = helper.messages()
        if messages is None:
            yield from _read_in_one_pass(source, source_file, skip=mine[0], counted=mine)
            return
        yield from _helper_chunks(messages, source_file, mine, split_line=1 + breaks.count)
    finally:
        helper.close()


def _helper_chunks(messages, source_file: str, mine: tuple[int, int], split_line: int) -> Iterator[ParseResult]:
    """The helper's chunks with record numbers and lines shifted to the file's; ``mine`` are the (records,
    ignored) of [0, split), ``split_line`` the file's line at ``split``."""
    _, prefix_lines = next(messages)
    line_shift = split_line - prefix_lines
    counted = (0, 0)
    for message in messages:
        if message[0] == "rows":
            _, cols, n_records, n_ignored = message
            shifted = list(cols)
            shifted[6] = np.asarray(cols[6], dtype=np.int64) + mine[0]  # record numbers
            shifted[7] = np.asarray(cols[7], dtype=np.int64) + line_shift  # lines
            result = _chunk(tuple(shifted), source_file)
        else:
            _, n_records, n_ignored, error = message
            result = _chunk(scan.columns([]), source_file)
        result.n_records, result.n_ignored = n_records - counted[0], n_ignored - counted[1]
        if message[0] == "end" and error is not None:
            result = _with_unreadable_rest(result, source_file, error[0], error[1] + line_shift)
        counted = n_records, n_ignored
        yield result


def _chunk(columns: tuple, source_file: str) -> ParseResult:
    """Records as columns (``_apple_health_scan.ROW_FIELDS``) → samples, and rejects with their reasons."""
    code_, start_, end_, value_, unit_, rank_, record_, line_ = columns
    n = len(code_)
    if not n:
        return ParseResult(samples=empty_frame(SAMPLE_SCHEMA))
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
    raw = _RecordText(columns)
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

    def __init__(self, columns: tuple):
        self.columns = columns
        self.numbers: np.ndarray | None = None  # record numbers of the rows (increasing), on first use

    def __call__(self, locators) -> pd.Series:
        code_, start_, end_, value_, unit_, _, record_, _ = self.columns
        if self.numbers is None:
            self.numbers = np.asarray(record_, dtype=np.int64)
        out = []
        for loc in locators:  # only quarantined records
            number = int(str(loc).split(",")[0].removeprefix("Record "))
            i = int(np.searchsorted(self.numbers, number))
            if i < len(self.numbers) and self.numbers[i] == number:
                kind, start, end, value, unit = TYPE_NAMES[code_[i]], start_[i], end_[i], value_[i], unit_[i]
            else:
                kind = start = end = value = unit = ""
            out.append(f'<Record type="{kind}" unit="{unit}" startDate="{start}" endDate="{end}" value="{value}"/>')
        return pd.Series(out, dtype="string")

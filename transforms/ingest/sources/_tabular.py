"""Helpers shared by the CSV/JSON parsers: validated columns with per-record reasons, and the melt into
canonical observations. Every helper is vectorised over the file's records."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest import dates as vdates
from transforms.ingest.errors import MalformedFile, SchemaDrift
from transforms.ingest.records import (
    OBSERVATION_COLUMNS,
    ParseResult,
    csv_raw_lines,
    empty_observations,
    empty_rejects,
    line_locators,
    metric_unit,
    rejects_frame,
    split_duplicates,
    unplaced,
)


@dataclass
class CsvTable:
    """A CSV's records as text (``_locator`` = ``line N``) plus lines that could not be split into the
    header's columns (already as rejects)."""

    frame: pd.DataFrame
    bad_lines: pd.DataFrame
    unexpected: list = None  # columns the format does not define (a vendor added or renamed one)

    @property
    def n_records(self) -> int:
        return len(self.frame) + len(self.bad_lines)

    @property
    def notes(self) -> list[str]:
        return [f"schema drift: unexpected column(s) {self.unexpected} (not read)"] if self.unexpected else []


def _encodings(source) -> list[str]:
    with source.open() as fh:
        start = fh.read(4)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ["utf-16"]
    return ["utf-8-sig", "cp1252"]


def header_names(head: str) -> list[str]:
    """The column names of a CSV's first line (quotes and surrounding spaces removed)."""
    return [c.strip().strip('"').strip() for c in head.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r").split(",")]


def has_columns_of(head: str, known: list[str], share: float = 0.6, at_least: int = 2) -> bool:
    """Whether a CSV's header holds most of a format's ``known`` columns (``share`` of them, and at least
    ``at_least``): a file missing a required column is still recognised, so that ``parse`` fails it as schema
    drift naming the column instead of it being left unsupported."""
    header = set(header_names(head))
    present = sum(column in header for column in known)
    return present >= at_least and present >= share * len(known)


def read_csv_strings(
    source, source_file: str, required: list[str], source_format: str = "", known: list[str] | None = None
) -> CsvTable:
    """Read a CSV with every cell as text (nothing coerced) and check ``required`` columns exist.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; a file that is not valid UTF-8 is
    read as Windows-1252. Lines with more or fewer fields than the header are quarantined with their line
    numbers instead of failing the file. With ``known`` (every column the format defines), columns outside
    it are reported as schema drift; a missing required column raises ``SchemaDrift`` naming both sides.
    """
    frame, last_error = None, None
    for encoding in _encodings(source):
        try:
            frame, bad = _read_csv_cells(source, source_file, encoding, source_format)
            break
        except UnicodeDecodeError as exc:
            last_error = exc
    if frame is None:
        raise MalformedFile(source_file, f"not readable as UTF-8 or Windows-1252 text: {last_error}")
    frame.columns = unique_names(frame.columns[:-1]) + ["_locator"]  # the readers add _locator last
    columns = list(frame.columns[:-1])
    unexpected = [c for c in columns if known is not None and c not in known]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaDrift(source_file, missing, columns, unexpected)
    return CsvTable(frame, bad, unexpected)


def _read_csv_cells(source, source_file: str, encoding: str, source_format: str):
    """(text cells with ``_locator``, rejects for lines that do not fit the header) in one encoding; pandas'
    C reader when every record has the header's fields, else the exact csv-module path."""
    with source.open() as fh:
        raw = fh.read()
    _refuse_long_lines(raw, source_file)
    try:
        with warnings.catch_warnings():  # a too-long line is truncated with a ParserWarning: its fields tell
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding=encoding, index_col=False)
    except pd.errors.ParserError:
        return _read_ragged_csv(source, source_file, encoding, source_format)
    except pd.errors.EmptyDataError as exc:
        raise MalformedFile(source_file, "empty file: no header line") from exc
    fields = record_fields(raw, encoding)
    if fields is None or len(fields.widths) != len(frame):  # the quick count and pandas disagree: read exactly
        return _read_ragged_csv(source, source_file, encoding, source_format)
    return _without_ragged_lines(frame, fields, source_file, source_format)


def _refuse_long_lines(raw: bytes, source_file: str) -> None:
    """A line over ``max_line_bytes`` (ingest.toml) fails the file before pandas or csv reads it."""
    limit = vocabulary.ingest_rules().max_line_bytes
    if len(raw) <= limit:
        return
    ends = np.r_[-1, np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 10), len(raw)]
    lengths = np.diff(ends) - 1
    if lengths.max() > limit:
        line = int(np.argmax(lengths > limit)) + 1
        raise MalformedFile(source_file, f"line {line} is longer than max_line_bytes ({limit:,}) in ingest.toml")


def _read_ragged_csv(source, source_file: str, encoding: str, source_format: str):
    """Slow, exact path for a CSV whose lines do not all match the header (or that the quick field count could
    not split): the records with the header's number of fields are kept, the others quarantined."""
    with source.open() as fh:
        frame = exact_cells(fh.read().decode(encoding))
    if frame is None:
        raise MalformedFile(source_file, "empty file: no header line")
    ragged = frame.pop("_ragged").to_numpy()
    bad = rejects_frame(
        source_file,
        source_format,
        frame.loc[ragged, "_locator"],
        [ragged_reason(len(frame.columns) - 2)] * int(ragged.sum()),
        frame.loc[ragged, "_raw"],
    )
    return frame.loc[~ragged].drop(columns="_raw"), bad


def exact_cells(text: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """CSV text split by Python's csv module into text cells, with ``_ragged`` (another number of fields than
    the header; one extra empty field at the end is no fault) and ``_raw`` (each record's own text, which a
    ragged record's cells, cut or padded to the header's, no longer hold). Without ``columns`` the first record is
    the header, a quoted field may span lines, and ``_locator`` is added; with ``columns`` (a block of a file
    whose lines are its records, ``_arrow_csv``) every line is one record. A record that is only
    whitespace is blank, as for pandas; ``line N`` counts non-blank lines, as the fast path does. None for text
    without a header."""
    import csv

    lines = io.StringIO(text, newline="").readlines()
    filled = np.cumsum([bool(line.strip()) for line in lines])  # non-blank lines up to each physical line
    reader = csv.reader(lines) if columns is None else _line_by_line(lines)
    header, rows, ragged, numbers, raws, last = columns, [], [], [], [], 0
    for row in reader:  # the slow path: a file, or block, with malformed lines
        first, last = last, reader.line_num
        record = "".join(lines[first:last])
        if not record.strip():
            continue
        if header is None:
            header = unique_names(row)
            continue
        n = len(header)
        fits = len(row) == n or (len(row) == n + 1 and row[-1] == "")
        rows.append((row + [""] * n)[:n])
        ragged.append(not fits)
        numbers.append(int(filled[first]) + (0 if lines[first].strip() else 1))
        raws.append(record.rstrip("\r\n")[:4000])
    if header is None:
        return None
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    frame["_ragged"] = np.asarray(ragged, dtype=bool)
    frame["_raw"] = raws
    if columns is None:
        frame["_locator"] = [f"line {n}" for n in numbers]
    return frame


class _line_by_line:
    """``csv.reader`` over lines that are each one record (an unclosed quote ends with its line)."""

    def __init__(self, lines: list[str]):
        self.lines, self.line_num = lines, 0

    def __iter__(self):
        import csv

        for self.line_num, line in enumerate(self.lines, start=1):  # noqa: B020 (csv.reader's line_num)
            yield next(csv.reader([line]), [])


def unique_names(names) -> list[str]:
    """Column names stripped of surrounding spaces, a repeated one suffixed ``.1``, ``.2`` … (as pandas
    names repeated headers), so that no two columns share a name."""
    out, seen = [], set()
    for name in (str(n).strip() for n in names):
        candidate, k = name, 0
        while candidate in seen:
            k += 1
            candidate = f"{name}.{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


def ragged_reason(n_fields: int) -> str:
    return f"line has a different number of fields than the header ({n_fields})"


WHITESPACE = np.frombuffer(b" \t\r\n", dtype=np.uint8)


@dataclass
class RecordFields:
    """Per CSV record after the header (whitespace-only lines are no records, as for pandas): its number of
    fields, whether its last field is empty, and its text (``text(i)``)."""

    widths: np.ndarray
    trailing_empty: np.ndarray
    text: object

    def ragged(self, n_fields: int) -> np.ndarray:
        """Records with another number of fields than ``n_fields``; one extra empty field at the end (an exporter
        that ends every line with a comma) is no fault."""
        return (self.widths != n_fields) & ~((self.widths == n_fields + 1) & self.trailing_empty)


def record_fields(raw: bytes, encoding: str = "utf-8") -> RecordFields | None:
    """The fields of every record of CSV bytes. pandas pads a short line with empty cells and turns the extra
    leading fields of a long first line into an index, so a truncated or ragged line can only be told by its
    field count. Without quote characters one line is one record and the count is vectorised; a quoted file
    is split by Python's csv module. None when the bytes cannot be split (the caller then reads them the exact,
    slow way)."""
    if encoding not in ("utf-8", "utf-8-sig", "cp1252"):  # UTF-16: count in UTF-8, where ',' and '\n' are 1 byte
        raw, encoding = raw.decode(encoding).encode("utf-8"), "utf-8"
    if b'"' in raw:
        return _quoted_record_fields(raw, encoding)
    data = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if not len(ends) or ends[-1] != len(data) - 1:
        ends = np.r_[ends, len(data)]
    starts = np.r_[0, ends[:-1] + 1]
    commas = np.r_[0, np.cumsum(data == 44)]
    content = np.r_[0, np.cumsum(~np.isin(data, WHITESPACE))]
    filled = (content[ends] - content[starts]) > 0
    starts, ends = starts[filled][1:], ends[filled][1:]  # the header is the first record
    if not len(starts):
        return RecordFields(np.zeros(0, int), np.zeros(0, bool), lambda i: "")
    last = ends - 1 - (data[np.maximum(ends - 1, 0)] == 13)  # the line's last byte before \r\n
    trailing = data[np.maximum(last, 0)] == 44
    return RecordFields(
        (commas[ends] - commas[starts]) + 1,
        trailing,
        lambda i: raw[starts[i] : ends[i]].rstrip(b"\r").decode(encoding, errors="replace"),
    )


def _quoted_record_fields(raw: bytes, encoding: str) -> RecordFields | None:
    import csv

    try:
        lines = io.StringIO(raw.decode("utf-8-sig" if encoding == "utf-8" else encoding), newline="").readlines()
        reader, widths, trailing, texts, last = csv.reader(lines), [], [], [], 0
        for row in reader:  # only quoted files, which exports keep small (questionnaires, dictionaries)
            text = "".join(lines[last : reader.line_num])
            if text.strip():
                widths.append(len(row))
                trailing.append(bool(row) and row[-1] == "")
                texts.append(text.rstrip("\r\n"))
            last = reader.line_num
    except (csv.Error, UnicodeDecodeError):
        return None
    if not widths:
        return None
    return RecordFields(np.asarray(widths[1:]), np.asarray(trailing[1:], dtype=bool), texts[1:].__getitem__)


def _without_ragged_lines(frame: pd.DataFrame, fields: RecordFields, source_file: str, source_format: str):
    """``frame`` without the records whose number of fields differs from the header's, and those as rejects."""
    frame["_locator"] = line_locators(len(frame))
    n_fields = len(frame.columns) - 1
    ragged = fields.ragged(n_fields)
    if not ragged.any():
        return frame, empty_rejects()
    positions = np.flatnonzero(ragged)
    bad = rejects_frame(
        source_file,
        source_format,
        frame["_locator"].iloc[positions],
        [ragged_reason(n_fields)] * len(positions),
        [fields.text(i)[:4000] for i in positions],
    )
    return frame[~ragged], bad


class RecordChecker:
    """Accumulates, per record, the first reason it cannot be accepted.

    >>> chk = RecordChecker(frame); day = chk.datetime("ActivityDate", formats); steps = chk.number("TotalSteps")
    >>> good = chk.good; rejects = chk.rejects(source_file, source_format, raw_columns)
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.reason = pd.Series(pd.NA, index=frame.index, dtype="string")
        if NOT_AN_OBJECT in frame.columns:
            self._fail(frame[NOT_AN_OBJECT].astype(bool), "record is not a JSON object")

    def _fail(self, mask: pd.Series, reasons: pd.Series | str) -> None:
        new = mask & self.reason.isna()
        if isinstance(reasons, str):
            self.reason[new] = reasons
        else:  # a reason built from a missing cell is itself missing: the record still fails
            self.reason[new] = reasons[new].astype("string").fillna("rejected (no reason text)")

    def datetime(
        self, column: str, formats: tuple[str, ...] = (), required: bool = True, day_first: bool = False
    ) -> pd.Series:
        """Wall-clock times of ``column``: the format's main spellings ``formats`` first, then every other
        spelling ``transforms.ingest.dates`` knows (ISO with a space or ``T``, milliseconds, offsets; slash dates)."""
        parsed = vdates.parse_datetimes(self.frame[column], formats, day_first)
        self._fail_unparsed(column, parsed, required)
        return parsed

    def utc(self, column: str, required: bool = True) -> pd.Series:
        """Instants of ``column`` as naive UTC (a stamp without an offset is UTC already)."""
        parsed = vdates.parse_utc(self.frame[column])
        self._fail_unparsed(column, parsed, required)
        return parsed

    def _fail_unparsed(self, column: str, parsed: pd.Series, required: bool) -> None:
        text = self.frame[column].astype("string").fillna("").str.strip()
        bad = parsed.isna() & ((text != "") | required)
        self._fail(bad, "unparseable " + column + " " + unplaced(text))

    def number(self, column: str, required: bool = True, lo: float | None = None, hi: float | None = None) -> pd.Series:
        """The column as numbers; a cell that is not one fails its record, so does an empty one when
        ``required``, and one outside the physical range ``[lo, hi]`` (minutes in a day, a count below 0)."""
        text = self.frame[column].astype("string").fillna("").str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
        not_number = values.isna() & (text != "")
        self._fail(not_number, column + " is not a number " + unplaced(text))
        if required:
            self._fail(text == "", "missing " + column)
        if lo is not None or hi is not None:
            low, high = -np.inf if lo is None else lo, np.inf if hi is None else hi
            outside = values.notna() & ((values < low) | (values > high))
            if outside.any():
                self._fail(
                    outside, column + "=" + values.map("{:g}".format).astype("string") + f" outside [{low:g}, {high:g}]"
                )
        return values

    def fail_where(self, mask: pd.Series, reasons: pd.Series | str) -> None:
        self._fail(mask.fillna(False).astype(bool), reasons)

    @property
    def good(self) -> pd.Series:
        return self.reason.isna()

    def rejects(self, source_file: str, source_format: str, raw: pd.Series) -> pd.DataFrame:
        bad = ~self.good
        return rejects_frame(source_file, source_format, self.frame.loc[bad, "_locator"], self.reason[bad], raw[bad])


def melt_observations(
    base: pd.DataFrame,
    values: dict[str, pd.Series],
    source: str,
    source_file: str,
    observed_at: pd.Series | None = None,
    coverage: pd.Series | None = None,
) -> pd.DataFrame:
    """One observation per (record, metric) with a non-missing value.

    ``base`` holds ``participant_id`` or ``account_id``, ``day`` and ``_locator`` per record;
    ``coverage`` (per record, 0–1) applies to every metric of that record.
    """
    parts = []
    for metric, series in values.items():
        keep = series.notna()
        if not keep.any():
            continue
        part = pd.DataFrame(
            {
                "day": base.loc[keep, "day"].dt.normalize(),
                "metric": metric,
                "value": series[keep].astype("float64"),
                "unit": metric_unit(metric),
                "observed_at": observed_at[keep] if observed_at is not None else pd.NaT,
                "coverage": coverage[keep] if coverage is not None else np.nan,
                "source": source,
                "source_file": source_file,
                "locator": base.loc[keep, "_locator"],
            }
        )
        for col in ("participant_id", "account_id"):
            if col in base.columns:
                part[col] = base.loc[keep, col]
        parts.append(part)
    if not parts:
        return empty_observations()
    out = pd.concat(parts, ignore_index=True)
    cols = list(OBSERVATION_COLUMNS)
    if "account_id" in out.columns:
        cols[cols.index("participant_id")] = "account_id"
    for c in ("metric", "unit", "source", "source_file", "locator"):
        out[c] = out[c].astype("string")
    out["day"] = out["day"].astype("datetime64[s]")
    out["observed_at"] = pd.to_datetime(out["observed_at"]).astype("datetime64[s]")
    return out.reindex(columns=cols)


def csv_result(
    table: CsvTable,
    checker: RecordChecker,
    key: list[str],
    base: pd.DataFrame,
    values: dict[str, pd.Series],
    source: str,
    source_file: str,
    coverage: pd.Series | None = None,
    observed_at: pd.Series | None = None,
) -> ParseResult:
    """Finish a CSV parse: quarantine bad records, split duplicates of ``key``, melt the rest."""
    frame = table.frame
    raw = csv_raw_lines(frame[data_columns(frame)])
    rejects = [table.bad_lines, checker.rejects(source_file, source, raw)]
    good = checker.good.loc[base.index]  # ``base`` may leave out records counted elsewhere (empty ones)
    keep = good.index[good]
    staged = base.loc[keep].assign(**{f"_v_{m}": v.loc[keep] for m, v in values.items()})
    if coverage is not None:
        staged["_coverage"] = coverage.loc[keep]
    if observed_at is not None:
        staged["_observed_at"] = observed_at.loc[keep]
    kept, dups = split_duplicates(staged, key=key, locator="_locator")
    if len(dups):
        rejects.append(rejects_frame(source_file, source, dups["_locator"], dups["reason"], raw[dups.index]))
    observations = melt_observations(
        kept,
        {m: kept[f"_v_{m}"] for m in values},
        source,
        source_file,
        coverage=kept["_coverage"] if coverage is not None else None,
        observed_at=kept["_observed_at"] if observed_at is not None else None,
    )
    return ParseResult(
        observations=observations,
        rejects=concat_rejects(rejects),
        n_records=table.n_records,
        raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()),
        notes=table.notes,
    )


def data_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.startswith("_")]


def concat_rejects(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_rejects()


def read_json(source, source_file: str):
    """The parsed JSON document of an input."""
    import json

    try:
        with source.open() as fh, io.TextIOWrapper(fh, encoding="utf-8-sig") as text:
            return json.load(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedFile(source_file, f"not readable JSON: {exc}") from exc
    except RecursionError as exc:
        raise MalformedFile(source_file, "JSON nested too deeply") from exc


def read_json_records(source, source_file: str) -> list[dict]:
    """A JSON file holding a list of records (Fitbit takeout layout)."""
    data = read_json(source, source_file)
    if not isinstance(data, list):
        raise MalformedFile(source_file, f"expected a JSON list of records, found {type(data).__name__}")
    return data


NOT_AN_OBJECT = "_not_object"


def json_frame(records: list[dict], path: str = "$") -> pd.DataFrame:
    """Flatten records (nested keys joined with '.'), with ``_locator`` = ``<path>[i]``. A list entry that is
    not a JSON object (a number, null, a list) becomes an empty row marked ``_not_object``, which
    ``RecordChecker`` rejects."""
    objects = [r if isinstance(r, dict) else {} for r in records]
    frame = pd.json_normalize(objects, max_level=1) if objects else pd.DataFrame()
    frame.index = pd.RangeIndex(len(records))
    frame["_locator"] = np.char.add(np.char.add(f"{path}[", np.arange(len(records)).astype(str)), "]")
    if len(objects) and any(not isinstance(r, dict) for r in records):
        frame[NOT_AN_OBJECT] = [not isinstance(r, dict) for r in records]
    return frame


class JsonRaw:
    """Record text by locator, computed only for the records that end up quarantined."""

    def __init__(self, records: list, path: str = "$"):
        self.records, self.prefix = records, f"{path}["

    def __call__(self, locators) -> pd.Series:
        import json

        out = []
        for loc in locators:  # only rejected records: a handful per file
            try:
                out.append(json.dumps(self.records[int(str(loc)[len(self.prefix) : -1])], default=str)[:4000])
            except (ValueError, IndexError):
                out.append("")
        return pd.Series(out, dtype="string")


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text ('' when absent or null)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").fillna("").str.strip()


def samples_frame(
    frame: pd.DataFrame,
    metric: str,
    kind: str,
    start: pd.Series,
    value: pd.Series,
    source: str,
    source_file: str,
    end: pd.Series | None = None,
    account: pd.Series | None = None,
) -> pd.DataFrame:
    """Intraday samples (records.SAMPLE_SCHEMA) for the rows of ``frame``."""
    out = pd.DataFrame(
        {
            "metric": metric,
            "kind": kind,
            "start": start.astype("datetime64[s]"),
            "end": (end if end is not None else start).astype("datetime64[s]"),
            "utc_offset_min": np.nan,
            "end_utc_offset_min": np.nan,
            "value": value.astype("float64"),
            "source_rank": np.int64(0),
            "source": source,
            "source_file": source_file,
            "locator": frame["_locator"],
        },
        index=frame.index,
    )
    if account is not None:
        out.insert(0, "account_id", account)
    for c in ("metric", "kind", "source", "source_file", "locator"):
        out[c] = out[c].astype("string")
    return out


def level_samples(
    accounts,
    start: np.ndarray,
    value: np.ndarray,
    metric: str,
    source: str,
    source_file: str,
    first_line: int,
    kind: str = "level",
) -> pd.DataFrame:
    """Point samples of ``kind`` (a level such as heart rate, or an amount such as a minute's steps;
    records.SAMPLE_SCHEMA) of consecutive CSV lines from ``first_line``, built column-wise: ``accounts`` (a pyarrow
    string array) and the constant labels as categoricals, ``line`` numbers in place of locator texts."""
    n = len(value)

    def constant(label: str) -> pd.Categorical:
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [label])

    return pd.DataFrame(
        {
            "account_id": accounts.dictionary_encode().to_pandas(),
            "metric": constant(metric),
            "kind": constant(kind),
            "start": start,
            "end": start,
            "utc_offset_min": np.full(n, np.nan),
            "end_utc_offset_min": np.full(n, np.nan),
            "value": value,
            "source_rank": np.zeros(n, dtype=np.int64),
            "source": constant(source),
            "source_file": constant(source_file),
            "locator": pd.Series(pd.NA, index=range(n), dtype="string"),
            "line": np.arange(first_line, first_line + n, dtype=np.int64),
        },
        copy=False,
    )


def utc_to_local(utc: pd.Series, zone: str) -> pd.Series:
    """UTC instants (naive or aware) → the participant's local wall-clock time (naive)."""
    utc = pd.to_datetime(utc, utc=True)
    return utc.dt.tz_convert(zone).dt.tz_localize(None)

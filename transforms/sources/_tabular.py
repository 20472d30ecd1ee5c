"""Helpers shared by the CSV/JSON parsers: validated columns with per-record reasons, and the melt into
canonical observations. Every helper is vectorised over the file's records."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from transforms import dates as vdates
from transforms.errors import MalformedFile, SchemaDrift
from transforms.records import (
    OBSERVATION_COLUMNS, ParseResult, csv_raw_lines, empty_observations, empty_rejects, line_locators,
    metric_unit, rejects_frame, split_duplicates,
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


def read_csv_strings(source, source_file: str, required: list[str], source_format: str = "",
                     known: list[str] | None = None) -> CsvTable:
    """Read a CSV with every cell as text (nothing coerced) and check ``required`` columns exist.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; a file that is not valid UTF-8 is
    read as Windows-1252. Lines with more or fewer fields than the header are quarantined with their line
    numbers instead of failing the file. With ``known`` (every column the format defines), columns outside
    it are reported as schema drift; a missing required column raises ``SchemaDrift`` naming both sides.
    """
    frame, last_error = None, None
    for encoding in _encodings(source):
        try:
            with source.open() as fh:
                frame = pd.read_csv(fh, dtype=str, keep_default_na=False, encoding=encoding)
            widths = record_widths(source, encoding)
            if widths is None or len(widths) != len(frame):  # the quick count and pandas disagree: read exactly
                frame, bad = _read_ragged_csv(source, source_file, encoding, source_format)
            else:
                frame, bad = _without_short_lines(frame, widths, source_file, source_format)
            break
        except UnicodeDecodeError as exc:
            last_error = exc
        except pd.errors.ParserError:
            frame, bad = _read_ragged_csv(source, source_file, encoding, source_format)
            break
        except pd.errors.EmptyDataError as exc:
            raise MalformedFile(source_file, "empty file: no header line") from exc
    if frame is None:
        raise MalformedFile(source_file, f"not readable as UTF-8 or Windows-1252 text: {last_error}")
    frame.columns = [c.strip() if c != "_locator" else c for c in frame.columns]
    columns = [c for c in frame.columns if c != "_locator"]
    unexpected = [c for c in columns if known is not None and c not in known]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaDrift(source_file, missing, columns, unexpected)
    return CsvTable(frame, bad, unexpected)


def _read_ragged_csv(source, source_file: str, encoding: str, source_format: str):
    """Slow path for a CSV whose lines do not all match the header: keep the good lines with their
    real line numbers and quarantine the others."""
    import csv

    with source.open() as fh, io.TextIOWrapper(fh, encoding=encoding, newline="") as text:
        reader = csv.reader(text)
        header = next(reader)
        good, good_lines, bad_lines, bad_raw = [], [], [], []
        for row in reader:
            if len(row) == len(header):
                good.append(row)
                good_lines.append(reader.line_num)
            elif row:
                bad_lines.append(reader.line_num)
                bad_raw.append(",".join(row)[:4000])
    frame = pd.DataFrame(good, columns=header, dtype=str)
    frame["_locator"] = [f"line {n}" for n in good_lines]
    bad = rejects_frame(source_file, source_format, [f"line {n}" for n in bad_lines],
                        [ragged_reason(len(header))] * len(bad_lines), bad_raw)
    return frame, bad


def ragged_reason(n_fields: int) -> str:
    return f"line has a different number of fields than the header ({n_fields})"


WHITESPACE = np.frombuffer(b" \t\r\n", dtype=np.uint8)


def record_widths(source, encoding: str) -> np.ndarray | None:
    """Fields of each record after the header, as pandas reads them (whitespace-only lines are no records):
    pandas pads a short line with empty cells, so a truncated line can only be told by its field count. For
    a file without quote characters, one line is one record and the count is a vectorised comma count; a
    quoted file is split by Python's csv module. None when the file cannot be split (then the caller reads it
    the exact, slow way)."""
    with source.open() as fh:
        raw = fh.read()
    if encoding not in ("utf-8-sig", "cp1252"):  # UTF-16: count in UTF-8, where ',' and '\n' are single bytes
        raw, encoding = raw.decode(encoding).encode("utf-8"), "utf-8-sig"
    if b'"' in raw:
        return _quoted_record_widths(raw, encoding)
    data = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    ends = np.r_[ends, len(data)] if not len(ends) or ends[-1] != len(data) - 1 else ends
    starts = np.r_[0, ends[:-1] + 1]
    commas = np.r_[0, np.cumsum(data == 44)]
    content = np.r_[0, np.cumsum(~np.isin(data, WHITESPACE))]
    upto = np.minimum(ends + 1, len(data))
    filled = (content[upto] - content[starts]) > 0
    widths = (commas[upto] - commas[starts])[filled] + 1
    return widths[1:] if len(widths) else None


def _quoted_record_widths(raw: bytes, encoding: str) -> np.ndarray | None:
    import csv

    try:
        lines = io.StringIO(raw.decode("utf-8-sig" if encoding == "utf-8-sig" else encoding), newline="").readlines()
        reader, widths, last = csv.reader(lines), [], 0
        for row in reader:  # only quoted files, which exports keep small (questionnaires, dictionaries)
            if "".join(lines[last:reader.line_num]).strip():
                widths.append(len(row))
            last = reader.line_num
    except (csv.Error, UnicodeDecodeError):
        return None
    return np.asarray(widths[1:]) if widths else None


def _without_short_lines(frame: pd.DataFrame, widths: np.ndarray, source_file: str, source_format: str):
    """``frame`` without the records that had fewer fields than the header, and those as rejects."""
    frame["_locator"] = line_locators(len(frame))
    columns = data_columns(frame)
    short = widths < len(columns)
    if not short.any():
        return frame, empty_rejects()
    cut = frame[short]
    raw = [",".join(cells[:n]) for cells, n in zip(cut[columns].itertuples(index=False), widths[short])]
    bad = rejects_frame(source_file, source_format, cut["_locator"], [ragged_reason(len(columns))] * len(cut), raw)
    return frame[~short], bad


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

    def datetime(self, column: str, formats: tuple[str, ...] = (), required: bool = True,
                 day_first: bool = False) -> pd.Series:
        """Wall-clock times of ``column``: the format's main spellings ``formats`` first, then every other
        spelling ``transforms.dates`` knows (ISO with a space or ``T``, milliseconds, offsets; slash dates)."""
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
        self._fail(bad, "unparseable " + column + "='" + text + "'")

    def number(self, column: str, required: bool = True) -> pd.Series:
        text = self.frame[column].astype("string").fillna("").str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        not_number = values.isna() & (text != "")
        self._fail(not_number, column + "='" + text + "' is not a number")
        if required:
            self._fail(text == "", "missing " + column)
        return values.astype("float64")

    def fail_where(self, mask: pd.Series, reasons: pd.Series | str) -> None:
        self._fail(mask.fillna(False).astype(bool), reasons)

    @property
    def good(self) -> pd.Series:
        return self.reason.isna()

    def rejects(self, source_file: str, source_format: str, raw: pd.Series) -> pd.DataFrame:
        bad = ~self.good
        return rejects_frame(source_file, source_format, self.frame.loc[bad, "_locator"],
                             self.reason[bad], raw[bad])


def melt_observations(base: pd.DataFrame, values: dict[str, pd.Series], source: str,
                      source_file: str, observed_at: pd.Series | None = None,
                      coverage: pd.Series | None = None) -> pd.DataFrame:
    """One observation per (record, metric) with a non-missing value.

    ``base`` holds ``participant_id`` or ``account_id``, ``day`` and ``_locator`` per record;
    ``coverage`` (per record, 0–1) applies to every metric of that record.
    """
    parts = []
    for metric, series in values.items():
        keep = series.notna()
        if not keep.any():
            continue
        part = pd.DataFrame({
            "day": base.loc[keep, "day"].dt.normalize(),
            "metric": metric,
            "value": series[keep].astype("float64"),
            "unit": metric_unit(metric),
            "observed_at": observed_at[keep] if observed_at is not None else pd.NaT,
            "coverage": coverage[keep] if coverage is not None else np.nan,
            "source": source,
            "source_file": source_file,
            "locator": base.loc[keep, "_locator"],
        })
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


def csv_result(table: CsvTable, checker: RecordChecker, key: list[str], base: pd.DataFrame,
               values: dict[str, pd.Series], source: str, source_file: str,
               coverage: pd.Series | None = None, observed_at: pd.Series | None = None) -> ParseResult:
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
        rejects.append(rejects_frame(source_file, source, dups["_locator"], dups["reason"],
                                     raw[dups.index]))
    observations = melt_observations(kept, {m: kept[f"_v_{m}"] for m in values}, source, source_file,
                                     coverage=kept["_coverage"] if coverage is not None else None,
                                     observed_at=kept["_observed_at"] if observed_at is not None else None)
    return ParseResult(observations=observations, rejects=concat_rejects(rejects), n_records=table.n_records,
                       raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()), notes=table.notes)


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
                out.append(json.dumps(self.records[int(str(loc)[len(self.prefix):-1])], default=str)[:4000])
            except (ValueError, IndexError):
                out.append("")
        return pd.Series(out, dtype="string")


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text ('' when absent or null)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").fillna("").str.strip()


def csv_chunks(source, source_file: str, required: list[str], chunk_rows: int):
    """Read a large CSV in chunks of text cells, each with ``_locator`` = ``line N``; yields DataFrames."""
    with source.open() as fh:
        try:
            reader = pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=chunk_rows)
            first_line = 2
            for i, chunk in enumerate(reader):
                chunk.columns = [c.strip() for c in chunk.columns]
                if i == 0:
                    missing = [c for c in required if c not in chunk.columns]
                    if missing:
                        raise SchemaDrift(source_file, missing, list(chunk.columns))
                chunk["_locator"] = line_locators(len(chunk), first_line)
                first_line += len(chunk)
                yield chunk
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise MalformedFile(source_file, f"not a readable CSV: {exc}") from exc


def samples_frame(frame: pd.DataFrame, metric: str, kind: str, start: pd.Series, value: pd.Series, source: str,
                  source_file: str, end: pd.Series | None = None, account: pd.Series | None = None) -> pd.DataFrame:
    """Intraday samples (records.SAMPLE_SCHEMA) for the rows of ``frame``."""
    out = pd.DataFrame({
        "metric": metric, "kind": kind, "start": start.astype("datetime64[s]"),
        "end": (end if end is not None else start).astype("datetime64[s]"),
        "utc_offset_min": np.nan, "end_utc_offset_min": np.nan, "value": value.astype("float64"),
        "source_rank": np.int64(0), "source": source, "source_file": source_file, "locator": frame["_locator"],
    }, index=frame.index)
    if account is not None:
        out.insert(0, "account_id", account)
    for c in ("metric", "kind", "source", "source_file", "locator"):
        out[c] = out[c].astype("string")
    return out


def level_samples(accounts, start: np.ndarray, value: np.ndarray, metric: str, source: str, source_file: str,
                  first_line: int) -> pd.DataFrame:
    """Level samples (records.SAMPLE_SCHEMA) of consecutive CSV lines from ``first_line``, built column-wise:
    ``accounts`` (a pyarrow string array) and the constant labels as categoricals, ``line`` numbers in place
    of locator texts."""
    n = len(value)

    def constant(label: str) -> pd.Categorical:
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [label])

    return pd.DataFrame({
        "account_id": accounts.dictionary_encode().to_pandas(), "metric": constant(metric),
        "kind": constant("level"), "start": start, "end": start, "utc_offset_min": np.full(n, np.nan),
        "end_utc_offset_min": np.full(n, np.nan), "value": value, "source_rank": np.zeros(n, dtype=np.int64),
        "source": constant(source), "source_file": constant(source_file),
        "locator": pd.Series(pd.NA, index=range(n), dtype="string"),
        "line": np.arange(first_line, first_line + n, dtype=np.int64),
    }, copy=False)


def utc_to_local(utc: pd.Series, zone: str) -> pd.Series:
    """UTC instants (naive or aware) → the participant's local wall-clock time (naive)."""
    utc = pd.to_datetime(utc, utc=True)
    return utc.dt.tz_convert(zone).dt.tz_localize(None)

"""Helpers shared by the CSV/JSON parsers: validated columns with per-record reasons, and the melt into
canonical observations. Every helper is vectorised over the file's records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from transforms import dates as vdates
from transforms.errors import MalformedFile, SchemaDrift
from transforms.records import (
    OBSERVATION_COLUMNS, ParseResult, csv_raw_lines, empty_observations, empty_rejects, line_locators,
    metric_unit, rejects_frame, split_duplicates,
)


def read_csv_strings(path: Path, source_file: str, required: list[str]) -> pd.DataFrame:
    """Read a CSV with every cell as text (nothing coerced), check ``required`` columns exist, and add
    a ``_locator`` column ``line N``."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skipinitialspace=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise MalformedFile(source_file, f"not a readable CSV: {exc}") from exc
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaDrift(source_file, missing, list(frame.columns))
    frame["_locator"] = line_locators(len(frame))
    return frame


class RecordChecker:
    """Accumulates, per record, the first reason it cannot be accepted.

    >>> chk = RecordChecker(frame); day = chk.datetime("ActivityDate", formats); steps = chk.number("TotalSteps")
    >>> good = chk.good; rejects = chk.rejects(source_file, source_format, raw_columns)
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.reason = pd.Series(pd.NA, index=frame.index, dtype="string")

    def _fail(self, mask: pd.Series, reasons: pd.Series | str) -> None:
        new = mask & self.reason.isna()
        if isinstance(reasons, str):
            self.reason[new] = reasons
        else:
            self.reason[new] = reasons[new]

    def datetime(self, column: str, formats: tuple[str, ...], required: bool = True) -> pd.Series:
        parsed = vdates.parse_datetimes(self.frame[column], formats)
        text = self.frame[column].str.strip()
        bad = parsed.isna() & ((text != "") | required)
        self._fail(bad, "unparseable " + column + "='" + text + "'")
        return parsed

    def number(self, column: str, required: bool = True) -> pd.Series:
        text = self.frame[column].str.strip()
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


def csv_result(frame: pd.DataFrame, checker: RecordChecker, key: list[str], base: pd.DataFrame,
               values: dict[str, pd.Series], source: str, source_file: str,
               data_columns: list[str], coverage: pd.Series | None = None) -> ParseResult:
    """Finish a CSV parse: quarantine bad records, split duplicates of ``key``, melt the rest."""
    raw = csv_raw_lines(frame[data_columns])
    rejects = [checker.rejects(source_file, source, raw)]
    good = checker.good
    staged = base[good].assign(**{f"_v_{m}": v[good] for m, v in values.items()})
    if coverage is not None:
        staged["_coverage"] = coverage[good]
    kept, dups = split_duplicates(staged, key=key, locator="_locator")
    if len(dups):
        rejects.append(rejects_frame(source_file, source, dups["_locator"], dups["reason"],
                                     raw[dups.index]))
    observations = melt_observations(kept, {m: kept[f"_v_{m}"] for m in values}, source, source_file,
                                     coverage=kept["_coverage"] if coverage is not None else None)
    return ParseResult(observations=observations, rejects=concat_rejects(rejects),
                       raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()))


def concat_rejects(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_rejects()


def read_json_records(path: Path, source_file: str) -> list[dict]:
    """A JSON file holding a list of records (Fitbit takeout layout)."""
    import json

    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedFile(source_file, f"not readable JSON: {exc}") from exc
    if not isinstance(data, list):
        raise MalformedFile(source_file, f"expected a JSON list of records, found {type(data).__name__}")
    return data


def json_frame(records: list[dict]) -> pd.DataFrame:
    """Flatten records (nested keys joined with '.'), with ``_locator`` = ``$[i]`` and ``_raw`` = the
    record's JSON text."""
    import json

    frame = pd.json_normalize(records, max_level=1) if records else pd.DataFrame()
    frame.index = pd.RangeIndex(len(records))
    frame["_locator"] = np.char.add(np.char.add("$[", np.arange(len(records)).astype(str)), "]")
    frame["_raw"] = [json.dumps(r, separators=(",", ":"))[:4000] for r in records]
    return frame


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text ('' when absent or null)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").fillna("").str.strip()

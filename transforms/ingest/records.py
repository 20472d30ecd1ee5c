"""Canonical record shapes that every export format is parsed into.

* observations: one measured value of a daily metric, ``participant_id`` (or ``account_id`` for
  cohort-wide files, mapped later), ``day``, ``metric``, ``value``, ``unit``, ``observed_at`` (when the
  format gives a time), ``coverage`` (0–1 share of the day the device saw, NULL when the format does not say),
  ``source`` (format name), ``source_file``, ``locator``; ``record_key`` (what else tells the record from
  another of the same metric, day and time: a vendor id, the series a file holds; NULL when nothing) and
  ``n_samples`` (a daily aggregate: how many samples it stands for, 0 for a value derived from another
  row's samples; NULL for one source record). The same record in two files counts once
  (warehouse/sql/counted_observations.sql).
* responses: one answered questionnaire item, ``instrument``, ``administered_at``, ``day``, ``item``
  (1-based), ``value``.
* rejects: a record that could not be accepted, with ``locator`` (line / JSON path), ``reason`` and the
  ``raw`` record text. Rejects are kept (quality.quarantine), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from transforms import catalogue, vocabulary

OBSERVATION_SCHEMA = catalogue.table("observations").frame_schema()
RESPONSE_SCHEMA = catalogue.table("questionnaire_responses").frame_schema()
# Intraday samples, aggregated to daily observations after row rules (transforms.ingest.samples). ``kind``:
#   level    value averaged over the day (heart rate also yields coverage from minutes with data)
#   amount   value summed; within one clock hour only the best-ranked device source counts
#   sleep    an interval: value 1 = asleep, 0 = in bed awake; sessions become main sleep and naps
# ``start``/``end`` are local wall-clock times; ``utc_offset_min`` / ``end_utc_offset_min`` their own
# offsets when the format gives them (a night across a DST change has two different offsets).
# ``locator`` may be left empty when ``line`` holds the record's CSV line number: large line-numbered files
# then never build a text per sample, only for the samples a rule quarantines (``sample_locators``).
# Label columns may also come as pandas categoricals (the Arrow fast path), which every consumer accepts.
SAMPLE_SCHEMA = {
    "participant_id": "string",
    "metric": "string",
    "kind": "string",
    "start": "datetime64[s]",
    "end": "datetime64[s]",
    "utc_offset_min": "float64",
    "end_utc_offset_min": "float64",
    "value": "float64",
    "source_rank": "int64",
    "source": "string",
    "source_file": "string",
    "locator": "string",
    "line": "Int64",
}
REJECT_SCHEMA = catalogue.table("quarantine").frame_schema(exclude=("ingested_at",))  # the writer stamps ingested_at
# Columns the warehouse tables declare NOT NULL (the catalogue, transforms/config/tables.toml): a canonical
# record without one of them is a parser bug, quarantined before any write.
OBSERVATION_REQUIRED = catalogue.table("observations").required()
RESPONSE_REQUIRED = catalogue.table("questionnaire_responses").required()
REJECT_REQUIRED = catalogue.table("quarantine").required(exclude=("ingested_at",))
OBSERVATION_COLUMNS = list(OBSERVATION_SCHEMA)
RESPONSE_COLUMNS = list(RESPONSE_SCHEMA)
REJECT_COLUMNS = list(REJECT_SCHEMA)


def empty_frame(schema: dict[str, str]) -> pd.DataFrame:
    """A zero-row frame with the schema's columns and dtypes (a copy of one built once per schema: streamed
    files make several per chunk)."""
    key = tuple(schema.items())
    if key not in _EMPTY_FRAMES:
        _EMPTY_FRAMES[key] = pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in schema.items()})
    return _EMPTY_FRAMES[key].copy()


_EMPTY_FRAMES: dict[tuple, pd.DataFrame] = {}


def empty_observations() -> pd.DataFrame:
    return empty_frame(OBSERVATION_SCHEMA)


def typed_observations(out: pd.DataFrame, source: str, source_file: str) -> pd.DataFrame:
    """Daily rows folded from samples (participant_id or account_id, day, metric, value, coverage, locator,
    n_samples) as observations: unit from metrics.toml, the source and file, the schema's dtypes. An
    ``account_id`` column is kept (after the observation columns) for ``transforms.ingest.parse.identify``."""
    specs = vocabulary.metrics()
    out = out.copy()
    if "participant_id" not in out.columns:
        out["participant_id"] = pd.NA
    out["unit"] = out["metric"].map({m: s.unit for m, s in specs.items()})
    out["observed_at"] = pd.NaT
    out["source"] = source
    out["source_file"] = source_file
    for col in ("participant_id", "metric", "unit", "source", "source_file", "locator"):
        out[col] = out[col].astype("string")
    out["record_key"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["n_samples"] = out["n_samples"].astype("Int64")
    out["day"] = out["day"].astype("datetime64[s]")
    out["observed_at"] = out["observed_at"].astype("datetime64[s]")
    return out[OBSERVATION_COLUMNS + (["account_id"] if "account_id" in out.columns else [])]


def empty_responses() -> pd.DataFrame:
    return empty_frame(RESPONSE_SCHEMA)


def empty_rejects() -> pd.DataFrame:
    return empty_frame(REJECT_SCHEMA)


def empty_samples() -> pd.DataFrame:
    return empty_frame(SAMPLE_SCHEMA)


@dataclass
class ParseResult:
    """What one parser made of one file (or one chunk of a streamed file).

    Counts are of source *records* (CSV lines, JSON records, XML elements): ``n_records`` read;
    ``n_empty`` the vendor marks as "no data" (a resting heart rate of 0 in Fitbit takeout); ``n_ignored``
    carry nothing this project uses (an Apple Health record type we do not read). A record is quarantined
    when any part of it is rejected (``rejects``, one row per rejected record or value). So
    read = accepted + quarantined + empty + ignored, and ops.ingested_files reports each.
    """

    observations: pd.DataFrame = field(default_factory=empty_observations)
    responses: pd.DataFrame = field(default_factory=empty_responses)
    rejects: pd.DataFrame = field(default_factory=empty_rejects)
    samples: pd.DataFrame = field(default_factory=empty_samples)
    n_records: int | None = None
    n_empty: int = 0
    n_ignored: int = 0
    # record text by locator (a Series, or a callable locators -> texts), so later rules can quarantine it
    raw_records: object = None
    notes: list = field(default_factory=list)  # e.g. schema drift that did not stop the parse

    @property
    def n_quarantined(self) -> int:
        """Distinct records with a rejected part (file-level rejects count once)."""
        return int(self.rejects["locator"].nunique()) if len(self.rejects) else 0


def line_locators(n_rows: int, first_data_line: int = 2) -> np.ndarray:
    """``line N`` locators for CSV data rows (the header is line 1)."""
    return np.char.add("line ", (np.arange(n_rows) + first_data_line).astype(str))


def label_codes(labels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct labels) of a label column, NA coded -1: a categorical's own codes, else a hash
    factorisation. Lets per-label lookups run once per label instead of once per row."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        return labels.cat.codes.to_numpy().astype(np.int64), labels.cat.categories.to_numpy(dtype=object)
    codes, uniques = pd.factorize(labels)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def per_label(labels: pd.Series, mapping: dict, default=np.nan, dtype="float64") -> np.ndarray:
    """``mapping[label]`` for each row (``default`` for NA or unmapped labels), looked up once per label."""
    codes, uniques = label_codes(labels)
    table = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=dtype)
    return table[codes]


LEVEL, AMOUNT, SLEEP = 1, 2, 3  # sample kinds as small integers (0: a kind no consumer knows)


def sample_kinds(samples: pd.DataFrame) -> np.ndarray:
    """Each sample's ``kind`` as LEVEL, AMOUNT, SLEEP or 0."""
    return per_label(samples["kind"], {"level": LEVEL, "amount": AMOUNT, "sleep": SLEEP}, default=0, dtype="int8")


def sample_locators(samples: pd.DataFrame) -> pd.Series:
    """The samples' locators as text: ``locator`` where given, else ``line N`` from ``line``."""
    locator = samples["locator"].astype("string")
    if "line" not in samples.columns or locator.notna().all():
        return locator
    line = samples["line"].astype("Int64").astype("string")
    return locator.where(locator.notna(), "line " + line)


def raw_text(raw_records, locators) -> pd.Series:
    """The quarantined records' text from a ParseResult's ``raw_records``."""
    locators = pd.Series(locators, dtype="string")
    if raw_records is None:
        return pd.Series([""] * len(locators), dtype="string")
    if callable(raw_records):
        return pd.Series(raw_records(list(locators)), dtype="string").reset_index(drop=True)
    raw = raw_records[~raw_records.index.duplicated()]
    return pd.Series(raw.reindex(locators.to_numpy()).to_numpy(), dtype="string")


POUND_KG = 0.45359237  # kilograms in an avoirdupois pound (exact by definition)
MAX_REASON_CHARS = 300
EXCERPT_CHARS = 24


def unplaced(values: pd.Series) -> pd.Series:
    """How a reason names a value the parser could not place (unparseable, not a number): by its length only,
    ``(10 characters)``. Such a value may be another column's (an account id shifted into a date column), so
    it is never quoted in a reason, which analysts see; the record's own text stays in quarantine.raw."""
    length = values.astype("string").fillna("").str.len().astype("int64").astype("string")
    return "(" + length + " characters)"


def excerpt(values: pd.Series) -> pd.Series:
    """A placed free-text value (an answer label, an event name) as a reason quotes it: ``'Sometimes'`` when
    it is short, printable and does not look like an identifier (no run of 5 or more digits), else by its
    length, ``(31 characters)``."""
    text = values.astype("string").fillna("")
    quotable = (
        (text.str.len() <= EXCERPT_CHARS)
        & ~text.str.contains(r"\d{5}", regex=True)
        & text.str.fullmatch(r"[ -~\u00a0-\u024f]*")
    )
    return ("'" + text + "'").where(quotable.fillna(False), unplaced(text))


def rejects_frame(source_file: str, source_format: str, locators, reasons, raws) -> pd.DataFrame:
    locators = pd.Series(locators, dtype="string").reset_index(drop=True)
    n = len(locators)
    reasons = pd.Series(reasons, dtype="string").reset_index(drop=True)
    raws = pd.Series(raws, dtype="string").reset_index(drop=True)
    reasons = reasons if len(reasons) == n else pd.Series([reasons.iloc[0]] * n, dtype="string")
    return pd.DataFrame(
        {
            "source_file": pd.Series([source_file] * n, dtype="string"),
            "locator": locators.str.slice(0, MAX_REASON_CHARS),
            "source_format": pd.Series([source_format] * n, dtype="string"),
            "reason": reasons.str.slice(0, MAX_REASON_CHARS),
            "raw": raws,
        }
    )


def csv_raw_lines(frame: pd.DataFrame) -> pd.Series:
    """Re-join string-typed CSV cells into the record text kept in quarantine."""
    if not len(frame.columns):
        return pd.Series("", index=frame.index, dtype="string")
    cells = [frame[c].astype("string").fillna("").astype(object) for c in frame.columns]
    line = cells[0]
    for cell in cells[1:]:  # column by column: vectorised over rows
        line = line + "," + cell
    return line.astype("string")


def split_duplicates(frame: pd.DataFrame, key: list[str], locator: str = "locator"):
    """Separate repeated records of a key, keeping the original index.

    The first record of each key is kept. A later record that repeats every column of that first
    record is reported as ``duplicate of <locator>``; one that repeats only the key as
    ``conflicting duplicate of <locator>``. Returns ``(kept, duplicates)``, ``duplicates`` with a
    ``reason`` column.
    """
    dup_mask = frame.duplicated(subset=key, keep="first").to_numpy()
    if not dup_mask.any():
        return frame, frame.iloc[0:0].assign(reason=pd.Series(dtype="string"))
    group = frame.groupby(key, sort=False, dropna=False).ngroup().to_numpy()
    _, first_of_group = np.unique(group, return_index=True)
    first_pos = first_of_group[group]
    value_cols = [c for c in frame.columns if c != locator]
    values = frame[value_cols].reset_index(drop=True)
    firsts = values.iloc[first_pos].reset_index(drop=True)
    exact = (values.eq(firsts) | (values.isna() & firsts.isna())).all(axis=1).to_numpy()
    first_locator = frame[locator].astype(str).to_numpy()[first_pos]
    reason = np.char.add(np.where(exact, "duplicate of ", "conflicting duplicate of "), first_locator)
    dups = frame.loc[dup_mask].assign(reason=pd.Series(reason[dup_mask], index=frame.index[dup_mask], dtype="string"))
    return frame.loc[~dup_mask], dups


def metric_unit(metric: str) -> str:
    return vocabulary.metrics()[metric].unit

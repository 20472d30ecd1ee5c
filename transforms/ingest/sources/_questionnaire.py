"""Shared by the questionnaire formats: matching columns to instrument items, dating administrations,
turning wide submissions into long item answers."""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.records import RESPONSE_COLUMNS, empty_responses, excerpt

ID_COLUMNS = ("respondent_id", "record_id", "uid", "participant", "participant_id", "subject_id", "subject")
TIME_COLUMNS = ("completed_at", "administered_at", "timestamp", "survey_timestamp", "date")
EVENT_COLUMNS = ("redcap_event_name", "event", "type", "wave")
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)  # the main spellings; offsets and every other spelling: transforms.ingest.dates
SCORED = ("phq9", "gad7", "pss10", "who5")


def normalise(text: str) -> str:
    """Lower case, no numbering, punctuation or repeated spaces: '1. Feeling down, depressed.' →
    'feeling down depressed'."""
    text = re.sub(r"^\s*\d+[.)]\s*", "", str(text).lower())
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def numbered_item_columns(columns) -> dict[str, tuple[str, int]]:
    """Columns named ``<prefix><n>`` for an instrument's field prefixes (``phq9_3``, ``gad_2``)."""
    out = {}
    for code, spec in vocabulary.instruments().items():
        for prefix in spec.field_prefixes:
            pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
            for col in columns:
                m = pattern.match(str(col).strip().lower())
                if m and col not in out and 1 <= int(m.group(1)) <= spec.n_items:
                    out[col] = (code, int(m.group(1)))
    return out


def text_item_columns(columns, min_ratio: float = 0.8) -> dict[str, tuple[str, int]]:
    """Columns whose header is an instrument's item wording (fuzzy: difflib ratio ≥ ``min_ratio``)."""
    candidates = {
        normalise(text): (code, i + 1)
        for code, spec in vocabulary.instruments().items()
        for i, text in enumerate(spec.item_texts)
    }
    keys = list(candidates)
    out = {}
    for col in columns:
        match = difflib.get_close_matches(normalise(col), keys, n=1, cutoff=min_ratio)
        if match:
            out[col] = candidates[match[0]]
    return out


def first_present(columns, names) -> str | None:
    lowered = {str(c).strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def administration_times(frame: pd.DataFrame, time_col: str | None, event_col: str | None, events, chk) -> pd.Series:
    """When each submission was made: its own timestamp column, else its event's date from
    landing/questionnaire_events.csv. A submission with neither is quarantined with the reason."""
    if time_col is not None:
        return _naive(chk.datetime(time_col, TIME_FORMATS))
    if event_col is None:
        chk.fail_where(
            pd.Series(True, index=frame.index),
            "no date for this administration: the file has no completion time column (completed_at, "
            "timestamp, date, …) and no event column (event, wave, …) to look up in "
            "landing/questionnaire_events.csv; add either",
        )
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    event = frame[event_col].str.strip()
    lookup = {} if events is None else dict(zip(events["event"].str.strip(), events["date"]))
    when = pd.to_datetime(event.map(lookup))
    chk.fail_where(when.isna(), "no date for event " + excerpt(event) + ": add it to landing/questionnaire_events.csv")
    return when


def _naive(ts: pd.Series) -> pd.Series:
    return ts.dt.tz_localize(None) if getattr(ts.dt, "tz", None) is not None else ts


def long_responses(
    kept: pd.DataFrame, items: dict[str, tuple[str, int]], values: dict[str, pd.Series], source: str, source_file: str
) -> pd.DataFrame:
    """One row per answered item (``values[col]`` not NaN) of each kept submission."""
    parts = []
    for col, (instrument, item) in items.items():
        vals = values[col].reindex(kept.index)
        keep = vals.notna()
        if keep.any():
            parts.append(
                pd.DataFrame(
                    {
                        "account_id": kept.loc[keep, "account_id"],
                        "instrument": instrument,
                        "administered_at": kept.loc[keep, "administered_at"],
                        "day": kept.loc[keep, "administered_at"].dt.normalize(),
                        "item": np.int64(item),
                        "value": vals[keep].astype("float64"),
                        "source": source,
                        "source_file": source_file,
                        "locator": kept.loc[keep, "_locator"],
                    }
                )
            )
    if not parts:
        return empty_responses().rename(columns={"participant_id": "account_id"})
    out = pd.concat(parts, ignore_index=True)
    out = out[["account_id"] + [c for c in RESPONSE_COLUMNS if c != "participant_id"]]
    for c in ("instrument", "source", "source_file", "locator"):
        out[c] = out[c].astype("string")
    out["administered_at"] = out["administered_at"].astype("datetime64[s]")
    out["day"] = out["day"].astype("datetime64[s]")
    return out


def label_values(text: pd.Series, instrument: str) -> tuple[pd.Series, pd.Series]:
    """Text answers → item values by the instrument's answer labels; returns (values, unknown_mask)."""
    labels = {normalise(k): v for k, v in dict(vocabulary.instruments()[instrument].answer_labels).items()}
    norm = text.fillna("").map(normalise)
    values = norm.map(labels).astype("float64")
    numeric = pd.to_numeric(text.where(norm != ""), errors="coerce")
    values = values.fillna(numeric)
    unknown = values.isna() & (norm != "")
    return values, unknown


def submissions_result(
    table,
    chk,
    id_col: str,
    administered: pd.Series,
    items: dict[str, tuple[str, int]],
    answers: dict[str, pd.Series],
    source: str,
    source_file: str,
):
    """Finish a questionnaire parse: quarantine failed and repeated submissions (same respondent and
    time), turn the rest into long item answers."""
    from transforms.ingest.records import ParseResult, csv_raw_lines, rejects_frame, split_duplicates
    from transforms.ingest.sources._tabular import concat_rejects, data_columns

    frame = table.frame
    raw = csv_raw_lines(frame[data_columns(frame)])
    base = frame[["_locator"]].assign(account_id=frame[id_col].str.strip(), administered_at=administered).loc[chk.good]
    kept, dups = split_duplicates(base, key=["account_id", "administered_at"], locator="_locator")
    rejects = concat_rejects(
        [
            table.bad_lines,
            chk.rejects(source_file, source, raw),
            rejects_frame(source_file, source, dups["_locator"], dups["reason"], raw[dups.index]),
        ]
    )
    return ParseResult(
        responses=long_responses(kept, items, answers, source, source_file),
        rejects=rejects,
        n_records=table.n_records,
        raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()),
    )

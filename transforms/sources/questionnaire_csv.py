"""Questionnaire CSV with numeric item answers, one row per submission (cohort-wide).

Columns: ``respondent_id`` (mapped through participants.csv, source ``questionnaire``), a completion
time ``completed_at`` (or ``administered_at`` / ``timestamp``), and item columns named
``<instrument>_<item>`` for the instruments in ``instruments.toml`` (``phq9_1`` … ``phq9_9``,
``gad7_1`` …, ``pss10_1`` …, ``who5_1`` …). An empty cell is an unanswered item. An instrument with no
answered item in a row was not administered in that submission. A cell that is not a number quarantines
the submission; item ranges are judged by quality rules.
"""

from __future__ import annotations

import re
import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.errors import SchemaDrift
from transforms.records import RESPONSE_COLUMNS, ParseResult, csv_raw_lines, empty_responses
from transforms.records import rejects_frame, split_duplicates
from transforms.sources._tabular import RecordChecker, concat_rejects, read_csv_strings

FORMAT = "questionnaire_csv"
SCOPE = "cohort"
ACCOUNT_SOURCE = "questionnaire"
ID_COLUMNS = ("respondent_id",)
TIME_COLUMNS = ("completed_at", "administered_at", "timestamp")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _item_columns(columns) -> dict[str, tuple[str, int]]:
    codes = "|".join(sorted(vocabulary.instruments(), key=len, reverse=True))
    pattern = re.compile(rf"^({codes})_(\d+)$")
    out = {}
    for col in columns:
        m = pattern.match(col.strip().lower())
        if m:
            out[col] = (m.group(1), int(m.group(2)))
    return out


def detect(name: str, head: str) -> bool:
    header = [c.strip().lower() for c in head.lstrip("\ufeff").split("\n", 1)[0].split(",")]
    return (any(c in header for c in ID_COLUMNS) and any(c in header for c in TIME_COLUMNS)
            and bool(_item_columns(header)))


def parse(source, ctx) -> ParseResult:
    source_file = ctx.source_file
    table = read_csv_strings(source, source_file, [], FORMAT)
    frame = table.frame
    frame.columns = [c if c == "_locator" else c.lower() for c in frame.columns]
    id_col = next((c for c in ID_COLUMNS if c in frame.columns), None)
    time_col = next((c for c in TIME_COLUMNS if c in frame.columns), None)
    items = _item_columns(frame.columns)
    if id_col is None or time_col is None or not items:
        raise SchemaDrift(source_file, [c for c, ok in ((ID_COLUMNS[0], id_col), (TIME_COLUMNS[0], time_col))
                                        if ok is None] or ["<instrument>_<n> item columns"],
                          [c for c in frame.columns if c != "_locator"])
    chk = RecordChecker(frame)
    chk.fail_where(frame[id_col].str.strip() == "", f"missing {id_col}")
    administered = chk.datetime(time_col, TIME_FORMATS)
    answers = {col: chk.number(col, required=False) for col in items}
    data_columns = [c for c in frame.columns if c != "_locator"]
    raw = csv_raw_lines(frame[data_columns])

    base = frame.loc[chk.good, ["_locator"]].assign(account_id=frame[id_col].str.strip(),
                                                    administered_at=administered)
    kept, dups = split_duplicates(base.assign(**{f"_v_{c}": answers[c] for c in items}),
                                  key=["account_id", "administered_at"], locator="_locator")
    rejects = concat_rejects([
        table.bad_lines,
        chk.rejects(source_file, FORMAT, raw),
        rejects_frame(source_file, FORMAT, dups["_locator"], dups["reason"], raw[dups.index]),
    ])

    parts = []
    for col, (instrument, item) in items.items():
        vals = kept[f"_v_{col}"]
        keep = vals.notna()
        if keep.any():
            parts.append(pd.DataFrame({
                "account_id": kept.loc[keep, "account_id"],
                "instrument": instrument,
                "administered_at": kept.loc[keep, "administered_at"],
                "day": kept.loc[keep, "administered_at"].dt.normalize(),
                "item": np.int64(item),
                "value": vals[keep],
                "source": FORMAT,
                "source_file": source_file,
                "locator": kept.loc[keep, "_locator"],
            }))
    if not parts:
        return ParseResult(responses=empty_responses(), rejects=rejects, n_records=table.n_records)
    responses = pd.concat(parts, ignore_index=True)
    cols = ["account_id"] + [c for c in RESPONSE_COLUMNS if c != "participant_id"]
    responses = responses[cols].astype({"instrument": "string", "source": "string",
                                        "source_file": "string", "locator": "string"})
    responses["administered_at"] = responses["administered_at"].astype("datetime64[s]")
    responses["day"] = responses["day"].astype("datetime64[s]")
    return ParseResult(responses=responses, rejects=rejects, n_records=table.n_records,
                       raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()))

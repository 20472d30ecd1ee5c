"""Questionnaire CSV with numeric item answers, one row per submission (cohort-wide); REDCap exports too.

Columns: a respondent id (``respondent_id``, REDCap ``record_id``, ``uid``), mapped through participants.csv
(source ``questionnaire``); a completion time (``completed_at``, ``administered_at``, ``timestamp``, REDCap
``<form>_timestamp``) or an event (``redcap_event_name``, ``type``) dated by landing/questionnaire_events.csv;
item columns ``<prefix><n>`` by each instrument's ``field_prefixes`` (``phq9_1`` … ``phq9_9``, REDCap
``phq_1``, ``gad7_1``, ``pss10_1``, ``who5_1``, ``psqi_c1`` … for PSQI components).

An empty cell is an unanswered item; so is a REDCap missing-data code (777 decline, 888 not applicable,
999 don't know: instruments.toml ``[redcap] missing_codes``). An instrument with no answered item in a row
was not administered in that submission. A cell that is not a number quarantines the submission; item
ranges are judged by quality rules. A repeated (respondent, time) submission is quarantined.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms import vocabulary
from transforms.ingest.errors import SchemaDrift
from transforms.ingest.records import ParseResult
from transforms.ingest.sources._questionnaire import (
    EVENT_COLUMNS,
    ID_COLUMNS,
    TIME_COLUMNS,
    administration_times,
    first_present,
    numbered_item_columns,
    submissions_result,
)
from transforms.ingest.sources._tabular import RecordChecker, data_columns, read_csv_strings

FORMAT = "questionnaire_csv"
SCOPE = "cohort"
ACCOUNT_SOURCE = "questionnaire"
USES_LANDING_CONFIG = True  # event dates


def _header(head: str) -> list[str]:
    return [c.strip().strip('"').lower() for c in head.lstrip("\ufeff").split("\n", 1)[0].split(",")]


def _time_column(columns) -> str | None:
    named = first_present(columns, TIME_COLUMNS)
    if named is not None:
        return named
    return next(
        (
            c
            for c in columns
            if re.fullmatch(r"[a-z0-9_]+_timestamp", str(c).lower()) and not str(c).lower().startswith("redcap")
        ),
        None,
    )


def detect(name: str, head: str) -> bool:
    """A respondent id and item columns; or, without an id, most items of an instrument (then ``parse`` fails
    the file naming the missing id column, instead of leaving it unrecognised)."""
    header = _header(head)
    items = numbered_item_columns(header)
    if first_present(header, ID_COLUMNS) is not None:
        return bool(items)
    specs = vocabulary.instruments()
    per_instrument = pd.Series([code for code, _ in items.values()]).value_counts()
    return any(n >= specs[code].n_items / 2 for code, n in per_instrument.items())


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, [], FORMAT)
    frame = table.frame
    id_col = first_present(frame.columns, ID_COLUMNS)
    items = numbered_item_columns([c for c in frame.columns if c != "_locator"])
    if id_col is None or not items:
        raise SchemaDrift(
            ctx.source_file,
            [f"a respondent id column (one of {', '.join(ID_COLUMNS)})"]
            if id_col is None
            else ["<instrument>_<n> items"],
            data_columns(frame),
        )
    chk = RecordChecker(frame)
    chk.fail_where(frame[id_col].str.strip() == "", f"missing {id_col}")
    administered = administration_times(
        frame, _time_column(frame.columns), first_present(frame.columns, EVENT_COLUMNS), ctx.events, chk
    )
    missing_codes = list(vocabulary.redcap_missing_codes())
    answers = {col: chk.number(col, required=False) for col in items}
    answers = {col: v.where(~v.isin(missing_codes)) for col, v in answers.items()}
    return submissions_result(table, chk, id_col, administered, items, answers, FORMAT, ctx.source_file)

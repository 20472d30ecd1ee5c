"""Questionnaire exports whose headers are the questions and whose answers are the response labels
(e.g. StudentLife: ``uid,type,Little interest or pleasure in doing things,…`` with ``Several days``).

Headers are matched to the standard item wording in instruments.toml (case, punctuation and numbering
ignored; fuzzy match ≥ 0.8), answers to each instrument's ``answer_labels`` (PHQ-9/GAD-7 "Not at all" … "Nearly
every day" = 0–3; PSS-10 "Never" … "Very often" = 0–4, StudentLife's "Sometime" = "Sometimes"; WHO-5 "At no
time" … "All of the time" = 0–5); numeric answers are taken as they are. Other columns (PHQ-9's difficulty
question, comments) are not items. Respondent id, time or event as in ``questionnaire_csv``. An answer
matching no label quarantines the submission with the column and text.
"""

from __future__ import annotations

from transforms.ingest.errors import SchemaDrift
from transforms.ingest.records import ParseResult, excerpt
from transforms.ingest.sources._questionnaire import (
    EVENT_COLUMNS,
    ID_COLUMNS,
    TIME_COLUMNS,
    administration_times,
    first_present,
    label_values,
    submissions_result,
    text_item_columns,
)
from transforms.ingest.sources._tabular import RecordChecker, data_columns, read_csv_strings

FORMAT = "questionnaire_text_csv"
SCOPE = "cohort"
ACCOUNT_SOURCE = "questionnaire"
USES_LANDING_CONFIG = True
MIN_ITEMS = 5


def detect(name: str, head: str) -> bool:
    import csv
    import io

    try:
        header = next(csv.reader(io.StringIO(head.lstrip("\ufeff"))))
    except (StopIteration, csv.Error):
        return False
    return first_present(header, ID_COLUMNS) is not None and len(text_item_columns(header)) >= MIN_ITEMS


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, [], FORMAT)
    frame = table.frame
    id_col = first_present(frame.columns, ID_COLUMNS)
    items = text_item_columns(data_columns(frame))
    if id_col is None or len(items) < MIN_ITEMS:
        raise SchemaDrift(ctx.source_file, ["respondent id and instrument item questions"], data_columns(frame))
    chk = RecordChecker(frame)
    chk.fail_where(frame[id_col].str.strip() == "", f"missing {id_col}")
    administered = administration_times(
        frame, first_present(frame.columns, TIME_COLUMNS), first_present(frame.columns, EVENT_COLUMNS), ctx.events, chk
    )
    answers = {}
    for col, (instrument, item) in items.items():
        values, unknown = label_values(frame[col], instrument)
        chk.fail_where(unknown, f"{instrument} item {item}: unknown answer " + excerpt(frame[col].str.strip()))
        answers[col] = values
    return submissions_result(table, chk, id_col, administered, items, answers, FORMAT, ctx.source_file)

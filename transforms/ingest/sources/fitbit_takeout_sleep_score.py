"""Fitbit ``sleep_score.csv`` (PMData layout and Google Takeout ``Sleep Score/``), one participant per file.

Columns, in whichever order the export writes them: ``sleep_log_entry_id``, ``timestamp``, ``overall_score``,
``composition_score``, ``revitalization_score``, ``duration_score``, ``deep_sleep_in_minutes``,
``resting_heart_rate``, ``restlessness``. Metric ``sleep_score`` = overall_score on the day of ``timestamp``.

``timestamp`` ends in ``Z`` but is the sleep log's *local* end time: in every real export we hold (PMData p01
and p02, a 2022–2025 Google Takeout; 430 scores) it equals the ``endTime`` of the sleep.json log with the same
id, to the second, whatever the participant's time zone. So its date, as written, is the day of waking
(sleep.json's ``dateOfSleep``); converting it from UTC would move evening-zone nights to the previous day.
The file's resting_heart_rate repeats resting_heart_rate.json and is not read. A repeated sleep_log_entry_id
is quarantined as a duplicate.
"""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings

FORMAT = "fitbit_takeout_sleep_score"
SCOPE = "person"
REQUIRED = ["sleep_log_entry_id", "timestamp", "overall_score"]
KNOWN_COLUMNS = REQUIRED + [
    "composition_score",
    "revitalization_score",
    "duration_score",
    "deep_sleep_in_minutes",
    "resting_heart_rate",
    "restlessness",
]


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, REQUIRED, FORMAT, KNOWN_COLUMNS)
    frame = table.frame
    chk = RecordChecker(frame)
    chk.fail_where(frame["sleep_log_entry_id"].str.strip() == "", "missing sleep_log_entry_id")
    woke = chk.datetime("timestamp", ("%Y-%m-%dT%H:%M:%SZ",))
    score = chk.number("overall_score")
    base = frame[["_locator"]].assign(day=woke.dt.normalize(), _id=frame["sleep_log_entry_id"].str.strip())
    return csv_result(table, chk, ["_id"], base, {"sleep_score": score}, FORMAT, ctx.source_file, observed_at=woke)

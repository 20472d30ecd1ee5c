"""More Fitbit takeout files (PMData layout), one participant per file:

* ``sleep_score.csv``: sleep_log_entry_id, timestamp (UTC, ``2020-03-11T06:13:00Z``), overall_score, … →
  ``sleep_score`` = overall_score on the local day of the timestamp, in the participant's time zone
  (participants.csv ``timezone``). The file's resting_heart_rate repeats resting_heart_rate.json and is not
  read. A repeated sleep_log_entry_id is quarantined.
* ``steps.json``: ``[{"dateTime": "2019-11-01 00:00:00", "value": "0"}, …]``, one record per minute, values as
  strings, local time → daily ``steps``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.records import ParseResult, rejects_frame
from transforms.sources._tabular import (
    JsonRaw, RecordChecker, csv_result, read_csv_strings, read_json_records, samples_frame, utc_to_local,
)

FORMAT = "fitbit_takeout_extras"
SCOPE = "person"
USES_LANDING_CONFIG = True  # time zone for sleep_score timestamps


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    if body.startswith("sleep_log_entry_id,timestamp,overall_score"):
        return True
    return body.startswith("[") and '"dateTime"' in head and '"value":"' in head.replace(" ", "") \
        and '"error"' not in head and '"bpm"' not in head


def parse(source, ctx) -> ParseResult:
    if source.head().lstrip("\ufeff").startswith("sleep_log_entry_id"):
        return _sleep_score(source, ctx)
    return _steps(source, ctx)


def _sleep_score(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, ["sleep_log_entry_id", "timestamp", "overall_score"], FORMAT)
    frame = table.frame
    chk = RecordChecker(frame)
    utc = pd.to_datetime(frame["timestamp"], errors="coerce", utc=True, format="ISO8601")
    chk.fail_where(utc.isna(), "unparseable timestamp='" + frame["timestamp"] + "'")
    local = utc_to_local(utc, ctx.timezone)
    score = chk.number("overall_score")
    base = frame[["_locator"]].assign(day=local.dt.normalize(), _id=frame["sleep_log_entry_id"])
    return csv_result(table, chk, ["_id"], base, {"sleep_score": score}, FORMAT, ctx.source_file, observed_at=local)


def _steps(source, ctx) -> ParseResult:
    records = read_json_records(source, ctx.source_file)
    frame = pd.DataFrame.from_records(records, columns=["dateTime", "value"]) if records else \
        pd.DataFrame(columns=["dateTime", "value"])
    frame = frame.astype({"dateTime": "string", "value": "string"}).fillna("")
    frame["_locator"] = np.char.add(np.char.add("$[", np.arange(len(frame)).astype(str)), "]")
    chk = RecordChecker(frame)
    start = chk.datetime("dateTime", ("%Y-%m-%d %H:%M:%S", "%m/%d/%y %H:%M:%S"))
    value = chk.number("value")
    good = chk.good
    raw = JsonRaw(records)
    samples = samples_frame(frame[good], "steps", "amount", start[good], value[good], FORMAT, ctx.source_file)
    rejects = rejects_frame(ctx.source_file, FORMAT, frame.loc[~good, "_locator"], chk.reason[~good],
                            raw(frame.loc[~good, "_locator"]))
    return ParseResult(samples=samples, rejects=rejects, n_records=len(frame), raw_records=raw)

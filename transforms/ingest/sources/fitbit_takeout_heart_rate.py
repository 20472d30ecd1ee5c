"""Fitbit's intraday heart rate in its Google Takeout export, one participant per file: ``Global Export
Data/heart_rate-YYYY-MM-DD.json`` (``[{"dateTime": "10/08/24 05:00:01", "value": {"bpm": 60, "confidence": 3}}]``;
this module) and ``Physical Activity_GoogleData/heart_rate_YYYY-MM-DD.csv`` (``timestamp,beats per minute`` with
``…Z`` stamps; ``fitbit_google_heart_rate``, another source: the two files hold the same readings, and the daily
table takes one source per day).

Both stamp in UTC (the JSON without saying so: its first reading of a file is the local midnight of the day it
is named after, e.g. 05:00 for a wearer at UTC−5, and the same readings appear in the CSV with ``Z``). Readings
become ``heart_rate_mean_bpm`` samples on the participant's local clock (participants.csv ``timezone``): the
day's mean and coverage (an hour is covered when ``valid_hour_min_share`` of its minutes hold a reading). A JSON
reading with ``confidence`` 0 (Fitbit: no reliable reading) is counted as empty.
"""

from __future__ import annotations

import pandas as pd

from transforms.ingest.records import ParseResult, csv_raw_lines, rejects_frame
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    data_columns,
    json_frame,
    read_csv_strings,
    read_json_records,
    samples_frame,
    text_column,
    utc_to_local,
)

FORMAT = "fitbit_takeout_heart_rate"
SCOPE = "person"
TIME_FORMATS = ("%m/%d/%y %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S")


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"dateTime"' in head and '"bpm"' in head and '"confidence"' in head


def parse(source, ctx) -> ParseResult:
    return parse_heart_rate(source, ctx, FORMAT)


def parse_heart_rate(source, ctx, source_format: str) -> ParseResult:
    if source.head().lstrip("\ufeff").lstrip().startswith("["):
        records = read_json_records(source, ctx.source_file)
        frame = json_frame(records)
        frame["dateTime"] = text_column(frame, "dateTime")
        frame["bpm"] = text_column(frame, "value.bpm")
        raw, n_records, bad_lines, notes = JsonRaw(records), len(records), None, []
        confidence = pd.to_numeric(frame.get("value.confidence"), errors="coerce")
        stamp = "dateTime"
    else:
        table = read_csv_strings(source, ctx.source_file, ["timestamp", "beats per minute"], source_format)
        frame = table.frame.rename(columns={"beats per minute": "bpm"})
        text = csv_raw_lines(frame[data_columns(frame)])
        raw = pd.Series(text.to_numpy(), index=frame["_locator"].to_numpy())
        n_records, bad_lines, notes = table.n_records, table.bad_lines, table.notes
        confidence = pd.Series(float("nan"), index=frame.index)
        stamp = "timestamp"
    chk = RecordChecker(frame)
    utc = chk.datetime(stamp, TIME_FORMATS)
    bpm = chk.number("bpm", lo=0, hi=300)
    empty = chk.good & (confidence == 0)
    good = chk.good & ~empty
    local = utc_to_local(utc[good], ctx.timezone)
    samples = samples_frame(
        frame[good], "heart_rate_mean_bpm", "level", local, bpm[good], source_format, ctx.source_file
    )
    samples["utc_offset_min"] = ((local - utc[good]).dt.total_seconds() / 60).to_numpy()
    bad = ~chk.good
    texts = (
        raw(frame.loc[bad, "_locator"])
        if callable(raw)
        else raw.reindex(frame.loc[bad, "_locator"]).reset_index(drop=True)
    )
    rejects = concat_rejects(
        [
            bad_lines if bad_lines is not None else rejects_frame(ctx.source_file, source_format, [], [], []),
            rejects_frame(ctx.source_file, source_format, frame.loc[bad, "_locator"], chk.reason[bad], texts),
        ]
    )
    return ParseResult(
        samples=samples, rejects=rejects, n_records=n_records, n_empty=int(empty.sum()), raw_records=raw, notes=notes
    )

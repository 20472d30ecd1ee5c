"""Fitbit takeout ``resting_heart_rate.json`` (PMData layout), one participant per file.

Records: ``{"dateTime": "11/01/19 00:00:00", "value": {"date": "11/01/19", "value": 57.6, "error": 6.9}}``.
Metric: ``resting_hr_bpm`` = value.value for the day of ``dateTime``. A value of 0 is Fitbit's "no data"
marker: counted as empty, neither accepted nor quarantined. A repeated day is quarantined as a duplicate.
"""

from __future__ import annotations

from transforms.ingest.records import ParseResult, rejects_frame, split_duplicates
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json_records,
    text_column,
)

FORMAT = "fitbit_takeout_resting_hr"
SCOPE = "person"
DATE_FORMATS = ("%m/%d/%y %H:%M:%S", "%m/%d/%y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S")


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"dateTime"' in head and '"error"' in head


def parse(source, ctx) -> ParseResult:
    records = read_json_records(source, ctx.source_file)
    raw = JsonRaw(records)
    frame = json_frame(records)
    frame["dateTime"] = text_column(frame, "dateTime")
    frame["value.value"] = text_column(frame, "value.value")
    chk = RecordChecker(frame)
    day = chk.datetime("dateTime", DATE_FORMATS)
    value = chk.number("value.value")
    empty = chk.good & (value == 0)
    base = frame[["_locator"]].assign(day=day.dt.normalize()).loc[chk.good & ~empty]
    kept, dups = split_duplicates(base.assign(_v=value.loc[base.index]), key=["day"], locator="_locator")
    bad = ~chk.good
    rejects = concat_rejects(
        [
            rejects_frame(
                ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
            ),
            rejects_frame(ctx.source_file, FORMAT, dups["_locator"], dups["reason"], raw(dups["_locator"])),
        ]
    )
    observations = melt_observations(kept, {"resting_hr_bpm": kept["_v"]}, FORMAT, ctx.source_file)
    return ParseResult(
        observations=observations, rejects=rejects, n_records=len(records), n_empty=int(empty.sum()), raw_records=raw
    )

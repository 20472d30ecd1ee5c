"""Garmin Connect export ``DI-Connect-Wellness/*_healthStatusData.json`` ("Health Status", the overnight
readings against the wearer's own baseline): one record per ``calendarDate`` with a list of
``metrics`` ``{"type": "HRV", "value": 48.0, "status": "IN_RANGE", "baselineLowerLimit": …}``.

| entry | metric |
|---|---|
| ``HRV`` | ``hrv_rmssd_ms`` (Garmin's overnight HRV average, RMSSD) |
| ``RESPIRATION`` | ``respiratory_rate_brpm`` |
| ``SPO2`` | ``spo2_pct`` |
| ``HR``, ``SKIN_TEMP_C`` and others | none: the day's resting heart rate comes from the daily summaries, skin temperature here is absolute, not a deviation |

A value of 0 or a status ``UNKNOWN`` is no reading. A day without any reading is counted as empty; a second record
of a ``calendarDate`` is quarantined as a duplicate.
"""

from __future__ import annotations

import pandas as pd

from transforms.ingest.records import ParseResult, rejects_frame, split_duplicates
from transforms.ingest.sources._garmin import DAY_FORMATS, typed_values
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json_records,
    text_column,
)

FORMAT = "garmin_health_status"
SCOPE = "person"
ENTRIES = {"HRV": "hrv_rmssd_ms", "RESPIRATION": "respiratory_rate_brpm", "SPO2": "spo2_pct"}


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"calendarDate"' in head and '"metrics"' in head and '"type"' in head


def parse(source, ctx) -> ParseResult:
    records = read_json_records(source, ctx.source_file)
    raw = JsonRaw(records)
    frame = json_frame(records)
    frame["calendarDate"] = text_column(frame, "calendarDate")
    chk = RecordChecker(frame)
    day = chk.datetime("calendarDate", DAY_FORMATS).dt.normalize()
    values = {}
    for entry, metric in ENTRIES.items():
        value = typed_values(frame, "metrics", "type", entry, "value")
        status = frame.get("metrics", pd.Series(None, index=frame.index)).map(
            lambda cell, entry=entry: (
                next((e.get("status") for e in cell if isinstance(e, dict) and e.get("type") == entry), None)
                if isinstance(cell, list)
                else None
            )
        )
        values[metric] = value.where((value > 0) & (status != "UNKNOWN"))
    empty = chk.good & pd.concat(values, axis=1).isna().all(axis=1)
    base = frame[["_locator"]].assign(day=day).loc[chk.good & ~empty]
    kept, dups = split_duplicates(base, key=["day"], locator="_locator")
    idx = kept.index
    observations = melt_observations(kept, {m: v[idx] for m, v in values.items()}, FORMAT, ctx.source_file)
    bad = ~chk.good
    rejects = concat_rejects(
        [
            rejects_frame(
                ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
            ),
            rejects_frame(ctx.source_file, FORMAT, dups["_locator"], dups["reason"], raw(dups["_locator"])),
        ]
    )
    return ParseResult(
        observations=observations, rejects=rejects, n_records=len(records), n_empty=int(empty.sum()), raw_records=raw
    )

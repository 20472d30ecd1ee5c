"""Garmin Connect export ``DI-Connect-Aggregator/UDSFile_*.json``: the daily summaries ("user daily summary"),
one record per ``calendarDate`` (the local day), one participant per file.

| metric | value |
|---|---|
| resting_hr_bpm | ``restingHeartRate`` (the day's resting heart rate as the Garmin app shows it) |
| steps | ``totalSteps`` |
| active_minutes | ``moderateIntensityMinutes`` + ``vigorousIntensityMinutes`` (Garmin's intensity minutes, unweighted) |
| sedentary_minutes | ``sedentarySeconds`` / 60 |
| stress_level | ``averageStressLevel`` of the ``TOTAL`` entry of ``allDayStress.aggregatorList`` (negative: too little data, no value) |
| body_battery_max | ``statsValue`` of the ``HIGHEST`` entry of ``bodyBattery.bodyBatteryStatList`` |

A day without wellness data (``includesWellnessData`` false) has no value; a day without a step count has no
active or sedentary minutes either (the watch recorded nothing: its zero intensity minutes are not data); a
resting heart rate of 0 is no value. A record without any value is counted as empty; a second record of a ``calendarDate`` is quarantined as a
duplicate. ``wellnessStartTimeGmt`` / ``wellnessStartTimeLocal`` give the day's UTC offset; the values are
already per local day, so nothing here needs it.
"""

from __future__ import annotations

import pandas as pd

from transforms.ingest.records import ParseResult, rejects_frame, split_duplicates
from transforms.ingest.sources._garmin import DAY_FORMATS, number, typed_values
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json_records,
    text_column,
)

FORMAT = "garmin_daily_summary"
SCOPE = "person"


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"calendarDate"' in head and ('"wellnessStartTimeGmt"' in head or "UDSFile" in name)


def parse(source, ctx) -> ParseResult:
    records = read_json_records(source, ctx.source_file)
    raw = JsonRaw(records)
    frame = json_frame(records)
    frame["calendarDate"] = text_column(frame, "calendarDate")
    chk = RecordChecker(frame)
    day = chk.datetime("calendarDate", DAY_FORMATS).dt.normalize()
    for column, high in (
        ("moderateIntensityMinutes", 1440),
        ("vigorousIntensityMinutes", 1440),
        ("sedentarySeconds", 86_400),
    ):
        values = number(frame, column)
        chk.fail_where((values < 0) | (values > high), f"{column} outside [0, {high}]")
    stress = typed_values(frame, "allDayStress.aggregatorList", "type", "TOTAL", "averageStressLevel")
    battery = typed_values(frame, "bodyBattery.bodyBatteryStatList", "bodyBatteryStatType", "HIGHEST", "statsValue")
    resting = number(frame, "restingHeartRate")
    no_wellness = frame.get("includesWellnessData", pd.Series(True, index=frame.index)).astype("object") == False  # noqa: E712
    steps = number(frame, "totalSteps").where(~no_wellness)
    worn = steps.notna()  # no step count: the watch recorded nothing that day, so its zero minutes are not data
    values = {
        "resting_hr_bpm": resting.where((resting > 0) & ~no_wellness),
        "steps": steps,
        "active_minutes": (number(frame, "moderateIntensityMinutes") + number(frame, "vigorousIntensityMinutes")).where(
            worn
        ),
        "sedentary_minutes": (number(frame, "sedentarySeconds") / 60).where(worn),
        "stress_level": stress.where(stress >= 0),
        "body_battery_max": battery,
    }
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

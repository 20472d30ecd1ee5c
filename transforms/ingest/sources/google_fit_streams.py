"""Google Fit Takeout ``All Data/*.json``: one data stream per file, one participant per file,
``{"Data Source": "derived:com.google.step_count.delta:com.google.android.gms:merge_step_deltas", "Data Points":
[{"dataTypeName": …, "startTimeNanos": …, "endTimeNanos": …, "fitValue": [{"value": {"intVal": 19}}]}]}``. File
names are truncated by Google (``derived_com.google.step_count.delta_com.google(2).json``): the content says what
a file holds.

A data type comes as several streams: each device's (``…:top_level``) and Google Fit's merge of them
(``…:merge_…``); steps also as ``…:estimated_steps``, the count the Fit app shows (Google's documentation names it
for that; on the real sample its days equal the Takeout's daily summary, while merge_step_deltas runs up to 10 %
higher on some days). Adding streams would count the same steps two or three times, so one stream per type is
read, the others' points counted as ignored with the reason. Times are nanoseconds since the epoch (UTC), placed on the participant's local clock
(participants.csv ``timezone``): Google Fit keeps no offset per point.

| stream read | becomes |
|---|---|
| ``com.google.step_count.delta`` (``estimated_steps``) | ``steps``: the intVal of each interval, summed per day (amount samples at the interval's start) |
| ``com.google.heart_minutes`` (``merge_heart_minutes``) | ``active_minutes``: the minutes the points span (Google's minutes of moderate or vigorous activity; the value is heart points, 2 a minute when vigorous, and is not what is counted) |
| ``com.google.heart_rate.bpm`` (``merge_heart_rate_bpm``) | ``heart_rate_mean_bpm`` samples (fpVal) and their coverage |
| ``com.google.sleep.segment`` (``…:merged``) | sleep intervals by ``sleepSegmentType``: 2 sleep, 4 light, 5 deep, 6 REM asleep; 1 awake in bed; 3 out of bed left out; then main sleep, naps, efficiency and midpoint as ``transforms.ingest.samples`` makes them |
| ``com.google.weight`` (``merge_weight``) | ``weight_kg`` at the point's day (fpVal) |
| ``com.google.active_minutes`` (Move Minutes) | ignored: they count any movement, while ``active_minutes`` counts moderate or vigorous minutes (the heart minutes above) |
| every other type (calories, distance, speed, activity segments, goals, height, …) | ignored: no metric of ours |

A point without a readable time or value is quarantined with its reason; ``Data Points`` that is not a list fails
the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.ingest.errors import MalformedFile
from transforms.ingest.records import ParseResult, empty_observations, empty_samples, rejects_frame
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json,
    samples_frame,
    text_column,
    utc_to_local,
)

FORMAT = "google_fit_streams"
SCOPE = "person"
MERGED = {  # data type → the stream read (the last part of its Data Source)
    "com.google.step_count.delta": "estimated_steps",
    "com.google.heart_minutes": "merge_heart_minutes",
    "com.google.heart_rate.bpm": "merge_heart_rate_bpm",
    "com.google.sleep.segment": "merged",
    "com.google.weight": "merge_weight",
}
NOT_READ = {
    "com.google.active_minutes": "com.google.active_minutes: Move Minutes count any movement; active_minutes counts "
    "moderate or vigorous minutes, which are Google's heart minutes (read from com.google.heart_minutes)",
}
ASLEEP = {2: 1.0, 4: 1.0, 5: 1.0, 6: 1.0, 1: 0.0}  # sleepSegmentType → asleep (1) or awake in bed (0)


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("{") and '"Data Source"' in head and '"Data Points"' in head


def parse(source, ctx) -> ParseResult:
    doc = read_json(source, ctx.source_file)
    if not isinstance(doc, dict) or not isinstance(doc.get("Data Points"), list):
        raise MalformedFile(ctx.source_file, "no 'Data Points' list")
    stream = str(doc.get("Data Source", ""))
    parts = stream.split(":")
    data_type = parts[1] if len(parts) > 1 else ""
    points = doc["Data Points"]
    if data_type not in MERGED:
        return _ignored(points, NOT_READ.get(data_type, f"{data_type or 'unknown type'}: no metric of ours"))
    if parts[-1] != MERGED[data_type]:
        return _ignored(points, f"{data_type} stream {parts[-1]}: the {MERGED[data_type]} stream is the one read")
    raw = JsonRaw(points, "$['Data Points']")
    frame = json_frame(points, "$['Data Points']")
    for column in ("startTimeNanos", "endTimeNanos"):
        frame[column] = text_column(frame, column)
    chk = RecordChecker(frame)
    start, end = _nanos(chk, frame, "startTimeNanos"), _nanos(chk, frame, "endTimeNanos")
    chk.fail_where(end < start, "endTimeNanos before startTimeNanos")
    value = _value(chk, frame)
    good = chk.good
    local_start = utc_to_local(start[good], ctx.timezone)
    local_end = utc_to_local(end[good], ctx.timezone)
    offset = ((local_start - start[good]).dt.total_seconds() / 60).to_numpy()
    rows = frame[good]
    samples, observations = empty_samples(), empty_observations()
    if data_type == "com.google.step_count.delta":
        samples = samples_frame(rows, "steps", "amount", local_start, value[good], FORMAT, ctx.source_file)
    elif data_type == "com.google.heart_minutes":
        minutes = (end[good] - start[good]).dt.total_seconds() / 60
        samples = samples_frame(rows, "active_minutes", "amount", local_start, minutes, FORMAT, ctx.source_file)
    elif data_type == "com.google.heart_rate.bpm":
        samples = samples_frame(rows, "heart_rate_mean_bpm", "level", local_start, value[good], FORMAT, ctx.source_file)
    elif data_type == "com.google.sleep.segment":
        asleep = value[good].map(ASLEEP)
        keep = asleep.notna()  # out of bed (3) is no part of a sleep
        samples = samples_frame(
            rows[keep], "sleep", "sleep", local_start[keep], asleep[keep], FORMAT, ctx.source_file, end=local_end[keep]
        )
        offset = offset[keep.to_numpy()]
        samples["end_utc_offset_min"] = offset
    else:  # weight
        base = rows[["_locator"]].assign(day=local_start.dt.normalize())
        observations = melt_observations(
            base, {"weight_kg": value[good]}, FORMAT, ctx.source_file, observed_at=local_start
        )
    if len(samples):
        samples["utc_offset_min"] = offset
    bad = ~chk.good
    rejects = rejects_frame(
        ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
    )
    return ParseResult(
        observations=observations,
        samples=samples,
        rejects=concat_rejects([rejects]),
        n_records=len(points),
        raw_records=raw,
    )


def _ignored(points: list, reason: str) -> ParseResult:
    return ParseResult(n_records=len(points), n_ignored=len(points), notes=[f"records ignored: {reason}"])


def _nanos(chk, frame: pd.DataFrame, column: str) -> pd.Series:
    """Nanoseconds since the epoch → naive UTC times (a point without one fails)."""
    nanos = chk.number(column, lo=0, hi=4.1e18)  # up to the year 2100
    in_range = nanos.where(nanos.between(0, 4.1e18))
    return pd.to_datetime(in_range.round(-3), unit="ns", errors="coerce").dt.floor("s")


def _value(chk, frame: pd.DataFrame) -> pd.Series:
    """The first fitValue's number: intVal or fpVal."""
    cells = frame.get("fitValue", pd.Series(None, index=frame.index, dtype="object"))

    def first(cell):
        if isinstance(cell, list) and cell and isinstance(cell[0], dict):
            value = cell[0].get("value")
            if isinstance(value, dict):
                return value.get("intVal", value.get("fpVal"))
        return None

    values = pd.to_numeric(cells.map(first), errors="coerce").astype("float64")
    chk.fail_where(values.isna() | ~np.isfinite(values), "no fitValue number (intVal or fpVal)")
    chk.fail_where(values < 0, "negative fitValue")
    return values

"""Oura records → daily metrics, shared by every Oura format (API v2 JSON, the app's data export as JSON and as
CSV, sleep periods as CSV).

Daily kinds, on the record's ``day``:

| kind | metrics |
|---|---|
| daily_activity | steps; active_minutes = (high + medium activity time) / 60; sedentary_minutes = sedentary_time / 60; coverage = 1 − non_wear_time / 86400 |
| daily_readiness | readiness_score = score; temperature_deviation_c |
| daily_sleep | sleep_score = score |
| daily_spo2 | spo2_pct = spo2_percentage (a number in the app's export, ``{"average": …}`` in the API) |

Oura writes ``-49096.12`` (and other values of −1,000 or less) where it has no value: read as no value.

Sleep periods (API v2 ``/usercollection/sleep``):

Per period, on its local day (the ``day`` field when present, else the local date of ``bedtime_end``; a
night belongs to the day it ends): ``type`` ``long_sleep`` is main sleep — ``sleep_minutes`` =
total_sleep_duration / 60, ``sleep_efficiency_pct`` = efficiency, ``sleep_midpoint_min`` from bedtime_start
and bedtime_end (each with its own offset, so DST nights are right), ``resting_hr_bpm`` = lowest_heart_rate
(Oura's resting heart rate; 255 means no data), ``hrv_rmssd_ms`` = average_hrv (RMSSD). Other types
(``sleep``, ``late_nap``, ``rest``) add their total_sleep_duration to ``nap_minutes``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_DATA_HR = 255


def local_times(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO times with offsets ('2024-01-14T03:26:02-05:00') → (local wall clock, offset minutes)."""
    text = text.fillna("").astype(str)
    local = pd.to_datetime(text.str[:19], format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    aware = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    offset = (local - aware.dt.tz_localize(None)).dt.total_seconds() / 60
    return local, offset


def period_values(frame: pd.DataFrame, chk) -> tuple[pd.Series, dict[str, pd.Series]]:
    """(day, {metric: values}) for sleep-period records; failures recorded on ``chk``."""
    start, start_offset = local_times(frame.get("bedtime_start", pd.Series(index=frame.index, dtype="string")))
    end, end_offset = local_times(frame.get("bedtime_end", pd.Series(index=frame.index, dtype="string")))
    chk.fail_where(start.isna() | end.isna(), "unparseable bedtime_start/bedtime_end")
    chk.fail_where(end <= start, "bedtime_end not after bedtime_start")
    if "day" in frame.columns and frame["day"].fillna("").astype(str).str.len().gt(0).all():
        day = pd.to_datetime(frame["day"], errors="coerce")
    else:
        day = end.dt.normalize()
    kind = frame.get("type", pd.Series("long_sleep", index=frame.index)).fillna("").astype(str)
    main = kind == "long_sleep"
    num = lambda col: pd.to_numeric(frame.get(col, pd.Series(np.nan, index=frame.index)), errors="coerce")  # noqa: E731
    total_min = num("total_sleep_duration") / 60
    lowest = num("lowest_heart_rate")
    abs_start = start - pd.to_timedelta(start_offset, unit="m")
    abs_end = end - pd.to_timedelta(end_offset, unit="m")
    local_mid = abs_start + (abs_end - abs_start) / 2 + pd.to_timedelta(end_offset, unit="m")
    midpoint = (local_mid - day).dt.total_seconds() / 60
    values = {
        "sleep_minutes": total_min.where(main),
        "nap_minutes": total_min.where(~main),
        "sleep_efficiency_pct": num("efficiency").where(main),
        "sleep_midpoint_min": midpoint.where(main),
        "resting_hr_bpm": lowest.where(main & (lowest != NO_DATA_HR)),
        "hrv_rmssd_ms": num("average_hrv").where(main),
    }
    return day, values


NO_VALUE_AT_OR_BELOW = -1000.0  # Oura's sentinels (-49096.12 seen in temperature_trend_deviation)
DAILY_KINDS = ("daily_activity", "daily_readiness", "daily_sleep", "daily_spo2")
ACTIVITY_SECONDS = (
    "high_activity_time",
    "medium_activity_time",
    "low_activity_time",
    "sedentary_time",
    "non_wear_time",
    "resting_time",
)


def numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as numbers, Oura's sentinels and non-numbers as missing."""
    values = pd.to_numeric(frame.get(column, pd.Series(np.nan, index=frame.index)), errors="coerce")
    return values.where(values > NO_VALUE_AT_OR_BELOW)


def daily_values(kind: str, frame: pd.DataFrame, chk) -> dict[str, pd.Series]:
    """{metric: values} of daily records of ``kind``; activity times outside a day fail their record."""
    if kind == "daily_activity":
        for column in ACTIVITY_SECONDS:
            if column in frame.columns:  # a part of a metric: its own physical range
                seconds = pd.to_numeric(frame[column], errors="coerce")
                chk.fail_where((seconds < 0) | (seconds > 86_400), f"{column} outside [0, 86400] s")
        return {
            "steps": numbers(frame, "steps"),
            "active_minutes": (numbers(frame, "high_activity_time") + numbers(frame, "medium_activity_time")) / 60,
            "sedentary_minutes": numbers(frame, "sedentary_time") / 60,
        }
    if kind == "daily_readiness":
        return {
            "readiness_score": numbers(frame, "score"),
            "temperature_deviation_c": numbers(frame, "temperature_deviation"),
        }
    if kind == "daily_spo2":
        nested = frame.get("spo2_percentage", pd.Series(np.nan, index=frame.index, dtype="object"))
        flat = nested.map(lambda v: v.get("average") if isinstance(v, dict) else v)
        spo2 = numbers(pd.DataFrame({"v": flat}, index=frame.index), "v")
        return {"spo2_pct": spo2.where(spo2 > 0)}
    return {"sleep_score": numbers(frame, "score")}


def daily_coverage(kind: str, frame: pd.DataFrame) -> pd.Series:
    if kind == "daily_activity" and "non_wear_time" in frame.columns:
        return (1 - pd.to_numeric(frame["non_wear_time"], errors="coerce") / 86400).clip(0, 1)
    return pd.Series(np.nan, index=frame.index)


def heart_rate_samples(frame: pd.DataFrame, chk, zone: str, source: str, source_file: str) -> pd.DataFrame:
    """Level samples of ``heart_rate_mean_bpm`` from ``timestamp`` (an instant, UTC when it has no offset) and
    ``bpm``, on the participant's local clock (``zone``, participants.csv): Oura stamps heart rate in UTC."""
    from transforms.ingest.sources._tabular import samples_frame, text_column, utc_to_local

    frame = frame.assign(timestamp=text_column(frame, "timestamp"), bpm=text_column(frame, "bpm"))
    utc = chk.utc("timestamp")
    bpm = chk.number("bpm")
    good = chk.good
    local = utc_to_local(utc[good], zone)
    samples = samples_frame(frame[good], "heart_rate_mean_bpm", "level", local, bpm[good], source, source_file)
    samples["utc_offset_min"] = ((local - utc[good]).dt.total_seconds() / 60).to_numpy()
    return samples

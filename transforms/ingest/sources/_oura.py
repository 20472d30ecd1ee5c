"""Oura sleep periods (API v2 ``/usercollection/sleep``) → daily metrics; shared by the JSON and CSV formats.

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

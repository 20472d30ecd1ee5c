"""Samsung Health ``com.samsung.shealth.sleep.<time>.csv`` (see ``_samsung``), one participant per file: one sleep
session per row, ``start_time`` … ``end_time`` (UTC) with ``time_offset``; newer app versions add
``efficiency`` (%), ``sleep_duration``, ``sleep_score``.

A session belongs to the local day it ends. Per day the longest session ending before
``main_sleep_end_hour`` (ingest.toml) is the main sleep, the others are naps.

| metric | value |
|---|---|
| sleep_minutes | minutes asleep: ``sleep_duration`` (minutes, or seconds when it exceeds the session's minutes — both spellings are in circulation), else the session × efficiency / 100, else the session (older exports: Samsung's sleep time is the session) |
| sleep_efficiency_pct | ``efficiency`` |
| sleep_midpoint_min | midpoint of the session on the local clock, minutes after midnight of the day of waking |
| sleep_score | ``sleep_score`` |
| nap_minutes | the other sessions' minutes asleep |

A repeated ``datauuid`` (or session start) is quarantined as a duplicate. The per-stage file
(``com.samsung.health.sleep_stage``) is ``samsung_other``: the sessions give the nights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.sources._samsung import TIME_FORMATS, data_type, offset_minutes, read_samsung_csv
from transforms.ingest.sources._tabular import RecordChecker, csv_result

FORMAT = "samsung_sleep"
SCOPE = "person"
TYPE = "com.samsung.shealth.sleep"
REQUIRED = ["start_time", "end_time", "time_offset"]
KNOWN = [
    "start_time",
    "end_time",
    "time_offset",
    "datauuid",
    "deviceuuid",
    "comment",
    "custom",
    "pkg_name",
    "update_time",
    "create_time",
    "create_sh_ver",
    "modify_sh_ver",
    "efficiency",
    "sleep_score",
    "sleep_duration",
    "sleep_cycle",
    "sleep_cycles",
    "mental_recovery",
    "physical_recovery",
    "movement_awakening",
    "total_rem_duration",
    "total_light_duration",
    "sleep_efficiency_with_latency",
    "deep_score",
    "rem_score",
    "wake_score",
    "nap_score",
    "latency_score",
    "sleep_latency",
    "sleep_type",
    "has_sleep_data",
    "original_bed_time",
    "original_wake_up_time",
    "original_efficiency",
    "quality",
    "extra_data",
    "integrated_id",
    "bedtime_detection_delay",
    "wakeup_time_detection_delay",
    "data_version",
    "goal_bed_time",
    "goal_wake_up_time",
    "combined_id",
    "sleep_condition",
    "stage_analyzed_type",
    *[f"factor_{k:02d}" for k in range(1, 11)],
]


def detect(name: str, head: str) -> bool:
    return data_type(head) in (TYPE, "com.samsung.shealth.sleep_combined")


def parse(source, ctx):
    table = read_samsung_csv(source, ctx.source_file, REQUIRED, FORMAT, KNOWN)
    frame = table.frame
    chk = RecordChecker(frame)
    start = chk.datetime("start_time", TIME_FORMATS)
    end = chk.datetime("end_time", TIME_FORMATS)
    offset = offset_minutes(frame["time_offset"])
    chk.fail_where(offset.isna(), "unparseable time_offset")
    chk.fail_where(end <= start, "end_time not after start_time")
    session = (end - start).dt.total_seconds() / 60
    chk.fail_where(session > 1440, "session longer than a day")
    number = lambda c: chk.number(c, required=False) if c in frame.columns else pd.Series(np.nan, index=frame.index)  # noqa: E731
    efficiency, score, duration = number("efficiency"), number("sleep_score"), number("sleep_duration")
    chk.fail_where((efficiency < 0) | (efficiency > 100), "efficiency outside [0, 100]")
    as_minutes = duration.where(duration <= session + 1, duration / 60)
    asleep = as_minutes.where(as_minutes <= session + 1)
    asleep = asleep.fillna(session * efficiency / 100).fillna(session)
    local_start = start + pd.to_timedelta(offset, unit="m")
    local_end = end + pd.to_timedelta(offset, unit="m")
    day = local_end.dt.normalize()
    midpoint = (local_start + (local_end - local_start) / 2 - day).dt.total_seconds() / 60
    key = frame.get("datauuid", pd.Series("", index=frame.index)).astype("string").fillna("")
    key = key.where(key != "", local_start.astype("string"))
    first = ~key.duplicated()  # a repeated session takes its first occurrence's role (then quarantined)
    main = key.map(_main_sessions(day, local_end, asleep, chk.good & first).groupby(key).first()).astype(bool)
    values = {
        "sleep_minutes": asleep.where(main),
        "nap_minutes": asleep.where(~main),
        "sleep_efficiency_pct": efficiency.where(main),
        "sleep_midpoint_min": midpoint.where(main),
        "sleep_score": score.where(main),
    }
    base = frame[["_locator"]].assign(day=day, _key=key)
    return csv_result(table, chk, ["_key"], base, values, FORMAT, ctx.source_file, observed_at=local_start)


def _main_sessions(day: pd.Series, local_end: pd.Series, asleep: pd.Series, good: pd.Series) -> pd.Series:
    """The longest session of each local day that ends before ``main_sleep_end_hour``."""
    end_hour = vocabulary.ingest_rules().main_sleep_end_hour
    can_be_main = good & (local_end < day + pd.Timedelta(hours=end_hour))
    ranked = pd.DataFrame({"day": day, "asleep": asleep})[can_be_main].sort_values(
        ["day", "asleep"], ascending=[True, False]
    )
    main = pd.Series(False, index=day.index)
    main[ranked.index[~ranked["day"].duplicated()]] = True
    return main

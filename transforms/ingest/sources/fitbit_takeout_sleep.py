"""Fitbit takeout ``sleep.json`` (PMData layout), one participant per file.

Each record is a sleep log (``type`` "stages" or "classic") with ``logId``, ``dateOfSleep`` (the day of
waking), ``startTime``/``endTime`` (local wall clock; ``2019-10-31T23:21:00.000``, also without
milliseconds or as ``10/31/19 23:21:00``), ``minutesAsleep``, ``timeInBed``, ``efficiency`` and ``mainSleep``.
Metrics, on ``dateOfSleep`` (Fitbit's own day assignment): from the main sleep ``sleep_minutes`` =
minutesAsleep, ``sleep_efficiency_pct`` = efficiency and ``sleep_midpoint_min`` = minutes from midnight of
dateOfSleep to the midpoint of start and end (negative before midnight); every other log's minutesAsleep
goes to ``nap_minutes``. The main sleep is Fitbit's ``mainSleep`` flag; when a log has no flag, the longest
log of that day is taken as main. Minutes come from Fitbit's counts, not clock arithmetic, so DST nights are
right. A repeated ``logId`` is quarantined as a duplicate.
"""

from __future__ import annotations

import pandas as pd

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

FORMAT = "fitbit_takeout_sleep"
SCOPE = "person"
DAY_FORMATS = ("%Y-%m-%d", "%m/%d/%y", "%m/%d/%Y")
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S")


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"dateOfSleep"' in head and '"logId"' in head


def parse(source, ctx) -> ParseResult:
    records = read_json_records(source, ctx.source_file)
    raw = JsonRaw(records)
    frame = json_frame(records)
    for col in ("logId", "dateOfSleep", "startTime", "endTime", "minutesAsleep", "efficiency", "mainSleep"):
        frame[col] = text_column(frame, col)
    chk = RecordChecker(frame)
    chk.fail_where(frame["logId"] == "", "missing logId")
    day = chk.datetime("dateOfSleep", DAY_FORMATS).dt.normalize()
    start = chk.datetime("startTime", TIME_FORMATS)
    end = chk.datetime("endTime", TIME_FORMATS)
    asleep = chk.number("minutesAsleep", lo=0, hi=1440)
    efficiency = chk.number("efficiency", required=False, lo=0, hi=100)
    chk.fail_where(end <= start, "endTime not after startTime")
    midpoint = (start + (end - start) / 2 - day).dt.total_seconds() / 60.0

    base = frame[["_locator"]].assign(day=day, logId=frame["logId"]).loc[chk.good]
    kept, dups = split_duplicates(base, key=["logId"], locator="_locator")
    idx = kept.index
    main = _main_sleep(frame.loc[idx, "mainSleep"].str.lower(), kept["day"], asleep[idx])
    values = {
        "sleep_minutes": asleep[idx].where(main),
        "nap_minutes": asleep[idx].where(~main),
        "sleep_efficiency_pct": efficiency[idx].where(main),
        "sleep_midpoint_min": midpoint[idx].where(main),
    }
    observations = melt_observations(kept, values, FORMAT, ctx.source_file, observed_at=start[idx])
    bad = ~chk.good
    rejects = concat_rejects(
        [
            rejects_frame(
                ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
            ),
            rejects_frame(ctx.source_file, FORMAT, dups["_locator"], dups["reason"], raw(dups["_locator"])),
        ]
    )
    return ParseResult(observations=observations, rejects=rejects, n_records=len(records), raw_records=raw)


def _main_sleep(flag: pd.Series, day: pd.Series, asleep: pd.Series) -> pd.Series:
    """Fitbit's mainSleep flag; unflagged logs: the longest log of its day."""
    longest = asleep.groupby(day).transform("max") == asleep
    first_longest = longest & ~pd.concat([day, asleep], axis=1).duplicated()
    return flag.eq("true").where(flag.isin(["true", "false"]), first_longest).astype(bool)

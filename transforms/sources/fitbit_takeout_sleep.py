"""Fitbit takeout ``sleep.json`` (PMData layout), one participant per file.

Each record is a sleep log (``type`` "stages" or "classic") with ``logId``, ``dateOfSleep``
(the day of waking), ``startTime``/``endTime`` (local, ``2019-10-31T23:21:00.000``), ``minutesAsleep``,
``timeInBed``, ``efficiency`` and ``mainSleep``.
Metrics, on ``dateOfSleep``: ``sleep_minutes`` = minutesAsleep of every log (main sleep and naps are
summed by the daily aggregation); from the main sleep only, ``sleep_efficiency_pct`` = efficiency and
``sleep_midpoint_min`` = minutes from midnight of dateOfSleep to the midpoint of start and end
(negative before midnight). A repeated ``logId`` is quarantined as a duplicate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from transforms.records import ParseResult, rejects_frame, split_duplicates
from transforms.sources._tabular import (
    RecordChecker, concat_rejects, json_frame, melt_observations, read_json_records, text_column,
)

FORMAT = "fitbit_takeout_sleep"
SCOPE = "person"
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"dateOfSleep"' in head and '"logId"' in head


def parse(path: Path, source_file: str) -> ParseResult:
    frame = json_frame(read_json_records(path, source_file))
    for col in ("logId", "dateOfSleep", "startTime", "endTime", "minutesAsleep", "efficiency", "mainSleep"):
        frame[col] = text_column(frame, col)
    chk = RecordChecker(frame)
    chk.fail_where(frame["logId"] == "", "missing logId")
    day = chk.datetime("dateOfSleep", ("%Y-%m-%d",))
    start = chk.datetime("startTime", TIME_FORMATS)
    end = chk.datetime("endTime", TIME_FORMATS)
    asleep = chk.number("minutesAsleep")
    efficiency = chk.number("efficiency", required=False)
    chk.fail_where(end <= start, "endTime not after startTime")
    main = frame["mainSleep"].str.lower().eq("true")
    midpoint = (start + (end - start) / 2 - day).dt.total_seconds() / 60.0

    base = frame.loc[chk.good, ["_locator"]].assign(day=day, logId=frame["logId"])
    kept, dups = split_duplicates(base, key=["logId"], locator="_locator")
    idx = kept.index
    values = {
        "sleep_minutes": asleep[idx],
        "sleep_efficiency_pct": efficiency[idx].where(main[idx]),
        "sleep_midpoint_min": midpoint[idx].where(main[idx]),
    }
    observations = melt_observations(kept, values, FORMAT, source_file, observed_at=start[idx])
    rejects = concat_rejects([
        chk.rejects(source_file, FORMAT, frame["_raw"]),
        rejects_frame(source_file, FORMAT, dups["_locator"], dups["reason"], frame.loc[dups.index, "_raw"]),
    ])
    return ParseResult(observations=observations, rejects=rejects,
                       raw_records=pd.Series(frame["_raw"].to_numpy(), index=frame["_locator"].to_numpy()))

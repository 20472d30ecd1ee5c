"""Fitbit takeout series of ``{"dateTime": "…", "value": "<number as text>"}`` records (PMData layout, and the
Google Takeout ``Global Export Data`` files), one participant per file.

Every series has this same content, so the file's name says which it is (Fitbit's names, with or without the
Takeout's date suffix: ``sedentary_minutes.json``, ``sedentary_minutes-2022-10-19.json``):

| file | records | becomes |
|---|---|---|
| ``steps`` | one per minute | ``steps``: summed per day (amount samples) |
| ``moderately_active_minutes``, ``very_active_minutes`` | one per day | ``active_minutes``: the two files' minutes add up on a day (moderately + very = Fitbit's "active minutes", as Fitabase's FairlyActive + VeryActive) |
| ``sedentary_minutes`` | one per day | ``sedentary_minutes``; 1,440 sedentary minutes is a day the tracker was not worn: coverage 0 |
| ``lightly_active_minutes``, ``calories``, ``distance``, ``altitude`` | | no metric of ours: records counted as ignored |

Any other name with this content is left unsupported (which quantity it holds is unknown). ``dateTime`` comes
as ``2019-11-01 00:00:00`` (PMData), ``11/01/19 00:00:00`` (Fitbit) or any other spelling of
``transforms.ingest.dates``; values are strings (``"636"``), also plain numbers. A repeated day of a daily series is
quarantined as a duplicate.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from transforms.ingest.records import ParseResult, rejects_frame, split_duplicates
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json_records,
    samples_frame,
    text_column,
)

FORMAT = "fitbit_takeout_series"
SCOPE = "person"
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%m/%d/%y %H:%M:%S")
DAILY_MINUTES = {
    "moderately_active_minutes": "active_minutes",
    "very_active_minutes": "active_minutes",
    "sedentary_minutes": "sedentary_minutes",
}
MINUTE_AMOUNTS = {"steps": "steps"}
NO_METRIC = {
    "lightly_active_minutes": "lightly active minutes are not part of active_minutes (moderately + very)",
    "calories": "calories: no metric of ours",
    "distance": "distance: no metric of ours",
    "altitude": "altitude: no metric of ours",
}
NON_WEAR_SEDENTARY_MINUTES = 1440


def series_kind(name: str) -> str | None:
    """``sedentary_minutes`` for ``sedentary_minutes.json`` / ``sedentary_minutes-2022-10-19.json``; None for a
    name that is no series we know."""
    stem = re.sub(r"(-\d{4}-\d{2}(-\d{2})?)?\.json$", "", name.lower())
    return stem if stem in DAILY_MINUTES or stem in MINUTE_AMOUNTS or stem in NO_METRIC else None


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return (
        body.startswith("[")
        and series_kind(name) is not None
        and '"dateTime"' in head
        and re.search(r'"value"\s*:\s*["\d-]', head) is not None
    )


def parse(source, ctx) -> ParseResult:
    kind = series_kind(source.name)
    records = read_json_records(source, ctx.source_file)
    if kind in NO_METRIC:
        return ParseResult(
            n_records=len(records), n_ignored=len(records), notes=[f"records ignored: {NO_METRIC[kind]}"]
        )
    frame = json_frame(records)
    frame["dateTime"] = text_column(frame, "dateTime")
    frame["value"] = text_column(frame, "value")
    chk = RecordChecker(frame)
    when = chk.datetime("dateTime", TIME_FORMATS)
    value = chk.number("value", lo=0, hi=None if kind in MINUTE_AMOUNTS else 1440)
    raw = JsonRaw(records)
    if kind in MINUTE_AMOUNTS:
        good = chk.good
        samples = samples_frame(
            frame[good], MINUTE_AMOUNTS[kind], "amount", when[good], value[good], FORMAT, ctx.source_file
        )
        rejects = rejects_frame(
            ctx.source_file, FORMAT, frame.loc[~good, "_locator"], chk.reason[~good], raw(frame.loc[~good, "_locator"])
        )
        return ParseResult(samples=samples, rejects=rejects, n_records=len(records), raw_records=raw)
    metric = DAILY_MINUTES[kind]
    base = frame[["_locator"]].assign(day=when.dt.normalize(), _v=value).loc[chk.good]
    kept, dups = split_duplicates(base, key=["day"], locator="_locator")
    coverage = None
    if metric == "sedentary_minutes":
        coverage = pd.Series(np.where(kept["_v"] >= NON_WEAR_SEDENTARY_MINUTES, 0.0, np.nan), index=kept.index)
    bad = ~chk.good
    rejects = concat_rejects(
        [
            rejects_frame(
                ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
            ),
            rejects_frame(ctx.source_file, FORMAT, dups["_locator"], dups["reason"], raw(dups["_locator"])),
        ]
    )
    observations = melt_observations(kept, {metric: kept["_v"]}, FORMAT, ctx.source_file, coverage=coverage)
    observations["record_key"] = kind  # moderately and very active minutes are two records of one day
    return ParseResult(observations=observations, rejects=rejects, n_records=len(records), raw_records=raw)

"""Fitbit takeout ``resting_heart_rate.json`` (PMData layout), one participant per file.

Records: ``{"dateTime": "11/01/19 00:00:00", "value": {"date": "11/01/19", "value": 57.6, "error": 6.9}}``.
Metric: ``resting_hr_bpm`` = value.value for the day of ``dateTime``. A value of 0 is Fitbit's "no data"
marker: counted as empty, neither accepted nor quarantined. A repeated day is quarantined as a duplicate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from transforms.records import ParseResult
from transforms.sources._tabular import (
    RecordChecker, concat_rejects, json_frame, melt_observations, read_json_records, text_column,
)
from transforms.records import rejects_frame, split_duplicates

FORMAT = "fitbit_takeout_resting_hr"
SCOPE = "person"
DATE_FORMATS = ("%m/%d/%y %H:%M:%S", "%m/%d/%y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S")


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"dateTime"' in head and '"error"' in head


def parse(path: Path, source_file: str) -> ParseResult:
    frame = json_frame(read_json_records(path, source_file))
    frame["dateTime"] = text_column(frame, "dateTime")
    frame["value.value"] = text_column(frame, "value.value")
    chk = RecordChecker(frame)
    day = chk.datetime("dateTime", DATE_FORMATS)
    value = chk.number("value.value")
    empty = chk.good & (value == 0)
    base = frame.loc[chk.good & ~empty, ["_locator"]].assign(day=day)
    kept, dups = split_duplicates(base.assign(_v=value), key=["day"], locator="_locator")
    rejects = concat_rejects([
        chk.rejects(source_file, FORMAT, frame["_raw"]),
        rejects_frame(source_file, FORMAT, dups["_locator"], dups["reason"], frame.loc[dups.index, "_raw"]),
    ])
    observations = melt_observations(kept, {"resting_hr_bpm": kept["_v"]}, FORMAT, source_file)
    return ParseResult(observations=observations, rejects=rejects, n_empty=int(empty.sum()),
                       raw_records=pd.Series(frame["_raw"].to_numpy(), index=frame["_locator"].to_numpy()))

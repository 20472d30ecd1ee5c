"""Samsung Health ``com.samsung.shealth.tracker.heart_rate.<time>.csv`` (see ``_samsung``), one participant per
file: one heart-rate reading per row (``heart_rate``, bpm) at ``start_time`` (UTC) with the wearer's
``time_offset``. Readings become ``heart_rate_mean_bpm`` samples on the local clock: the day's mean and its
coverage (the watch measures every 10 minutes when idle: 6 readings an hour make an hour covered). A reading of
0 bpm is a failed measurement and counted as empty."""

from __future__ import annotations

import pandas as pd

from transforms.ingest.records import ParseResult, csv_raw_lines, rejects_frame
from transforms.ingest.sources._samsung import TIME_FORMATS, column_names, data_type, offset_minutes, read_samsung_csv
from transforms.ingest.sources._tabular import RecordChecker, concat_rejects, data_columns, samples_frame

FORMAT = "samsung_heart_rate"
SCOPE = "person"
TYPE = "com.samsung.shealth.tracker.heart_rate"
HEART_RATE_SAMPLES_PER_HOUR = 6
REQUIRED = ["start_time", "time_offset", "heart_rate"]
KNOWN = [
    "source",
    "tag_id",
    "heart_beat_count",
    "start_time",
    "custom",
    "binning_data",
    "update_time",
    "create_time",
    "max",
    "min",
    "time_offset",
    "deviceuuid",
    "comment",
    "pkg_name",
    "end_time",
    "datauuid",
    "heart_rate",
    "create_sh_ver",
    "modify_sh_ver",
]


def detect(name: str, head: str) -> bool:
    return data_type(head) == TYPE or (
        data_type(head) is None and {"heart_rate", "time_offset"} <= set(column_names(head)) and "com.samsung" in head
    )


def parse(source, ctx) -> ParseResult:
    table = read_samsung_csv(source, ctx.source_file, REQUIRED, FORMAT, KNOWN)
    frame = table.frame
    chk = RecordChecker(frame)
    start = chk.datetime("start_time", TIME_FORMATS)
    offset = offset_minutes(frame["time_offset"])
    chk.fail_where(offset.isna(), "unparseable time_offset")
    bpm = chk.number("heart_rate", lo=0, hi=300)
    empty = chk.good & (bpm == 0)
    good = chk.good & ~empty
    local = start + pd.to_timedelta(offset, unit="m")
    samples = samples_frame(
        frame[good], "heart_rate_mean_bpm", "level", local[good], bpm[good], FORMAT, ctx.source_file
    )
    samples["utc_offset_min"] = offset[good].to_numpy()
    raw = csv_raw_lines(frame[data_columns(frame)])
    bad = ~chk.good
    rejects = concat_rejects(
        [table.bad_lines, rejects_frame(ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw[bad])]
    )
    return ParseResult(
        samples=samples,
        rejects=rejects,
        n_records=table.n_records,
        n_empty=int(empty.sum()),
        raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()),
        notes=table.notes,
    )

"""Samsung Health ``com.samsung.shealth.stress.<time>.csv`` (see ``_samsung``), one participant per file: stress
readings of the watch on Samsung's 0–100 scale (``score``; ``min`` and ``max`` of the period) at ``start_time``
(UTC) with ``time_offset``. Each reading is a ``stress_level`` observation on its local day; the day's value is
their mean. A score of 0 is a failed reading and counted as empty."""

from __future__ import annotations

import pandas as pd

from transforms.ingest.sources._samsung import TIME_FORMATS, data_type, offset_minutes, read_samsung_csv
from transforms.ingest.sources._tabular import RecordChecker, csv_result

FORMAT = "samsung_stress"
SCOPE = "person"
TYPE = "com.samsung.shealth.stress"
REQUIRED = ["start_time", "time_offset", "score"]
KNOWN = [
    "create_sh_ver",
    "modify_sh_ver",
    "start_time",
    "custom",
    "binning_data",
    "tag_id",
    "update_time",
    "create_time",
    "max",
    "min",
    "score",
    "algorithm",
    "time_offset",
    "deviceuuid",
    "comment",
    "pkg_name",
    "end_time",
    "datauuid",
]


def detect(name: str, head: str) -> bool:
    return data_type(head) == TYPE


def parse(source, ctx):
    table = read_samsung_csv(source, ctx.source_file, REQUIRED, FORMAT, KNOWN)
    frame = table.frame
    chk = RecordChecker(frame)
    start = chk.datetime("start_time", TIME_FORMATS)
    offset = offset_minutes(frame["time_offset"])
    chk.fail_where(offset.isna(), "unparseable time_offset")
    score = chk.number("score", lo=0, hi=100)
    empty = chk.good & (score == 0)
    local = start + pd.to_timedelta(offset, unit="m")
    base = frame.loc[~empty, ["_locator"]].assign(day=local[~empty].dt.normalize(), _at=local[~empty])
    result = csv_result(table, chk, ["_at"], base, {"stress_level": score}, FORMAT, ctx.source_file, observed_at=local)
    result.n_empty = int(empty.sum())
    return result

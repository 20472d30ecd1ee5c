"""Samsung Health ``com.samsung.shealth.tracker.pedometer_day_summary.<time>.csv`` (see ``_samsung``), one
participant per file: a day's step count (``step_count``) per device, the day given by ``day_time`` (epoch
milliseconds of the local day's midnight, written as UTC).

A day holds a row per device (phone, watch) and, when the app merged them, one more with ``source_info`` (its
"all devices" total). ``steps`` is the merged row's count when the day has one, else the largest device count
(a phone and a watch carried together count the same steps: they are not added). The day's other rows are
counted as ignored, the reason noted."""

from __future__ import annotations

import pandas as pd

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._samsung import column_names, data_type, read_samsung_csv
from transforms.ingest.sources._tabular import RecordChecker, csv_result

FORMAT = "samsung_steps"
SCOPE = "person"
TYPE = "com.samsung.shealth.tracker.pedometer_day_summary"
REQUIRED = ["day_time", "step_count"]
KNOWN = [
    "step_count",
    "binning_data",
    "active_time",
    "recommendation",
    "run_step_count",
    "update_time",
    "source_package_name",
    "create_time",
    "source_info",
    "speed",
    "distance",
    "calorie",
    "walk_step_count",
    "deviceuuid",
    "pkg_name",
    "healthy_step",
    "achievement",
    "datauuid",
    "day_time",
    "create_sh_ver",
    "modify_sh_ver",
]


def detect(name: str, head: str) -> bool:
    return data_type(head) == TYPE or (
        data_type(head) is None and {"day_time", "step_count", "deviceuuid"} <= set(column_names(head))
    )


def parse(source, ctx) -> ParseResult:
    table = read_samsung_csv(source, ctx.source_file, REQUIRED, FORMAT, KNOWN)
    frame = table.frame
    chk = RecordChecker(frame)
    millis = chk.number("day_time")
    steps = chk.number("step_count", lo=0, hi=200_000)
    day = pd.to_datetime(millis, unit="ms", errors="coerce").dt.normalize()
    chk.fail_where(millis.notna() & day.isna(), "day_time is not a time in epoch milliseconds")
    merged = frame.get("source_info", pd.Series("", index=frame.index)).astype("string").fillna("").str.strip() != ""
    good = chk.good
    ranked = pd.DataFrame({"day": day, "merged": merged, "steps": steps})[good]
    ranked = ranked.sort_values(["day", "merged", "steps"], ascending=[True, False, False], kind="stable")
    chosen = ranked.index[~ranked["day"].duplicated()]
    counted = pd.Series(False, index=frame.index)
    counted[chosen] = True
    base = frame.loc[counted, ["_locator"]].assign(day=day[counted])
    result = csv_result(table, chk, ["day"], base, {"steps": steps}, FORMAT, ctx.source_file)
    others = int((good & ~counted).sum())
    result.n_ignored = others
    if others:
        result.notes = [
            *result.notes,
            "records ignored: another device's count of a day already counted (merged total, else the largest)",
        ]
    return result

"""Google Fit Takeout ``Daily activity metrics.csv``, one participant per file, one row per local day.

Columns are sparse: a device that never measured something leaves the column empty or omits it. Metrics:
``steps`` = Step count; ``active_minutes`` = Heart Minutes (Google's minutes of moderate or vigorous
activity); ``sedentary_minutes`` = Inactive duration (ms) / 60,000. Durations are in milliseconds and are
converted to minutes. Google Fit's heart-rate columns are not a resting heart rate and are not used. A day
with none of the used values counts as empty; a repeated Date is quarantined.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, read_csv_strings

FORMAT = "google_fit_daily"
SCOPE = "person"
MS_PER_MIN = 60_000


def detect(name: str, head: str) -> bool:
    header = head.lstrip("\ufeff").split("\n", 1)[0]
    return header.startswith("Date,") and ("Move Minutes count" in header or "Heart Minutes" in header)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, ["Date"], FORMAT)
    frame = table.frame
    chk = RecordChecker(frame)
    day = chk.datetime("Date", ("%Y-%m-%d",))
    optional = lambda col: chk.number(col, required=False) if col in frame else pd.Series(np.nan, index=frame.index)  # noqa: E731
    values = {
        "steps": optional("Step count"),
        "active_minutes": optional("Heart Minutes"),
        "sedentary_minutes": optional("Inactive duration (ms)") / MS_PER_MIN,
    }
    empty = chk.good & pd.concat(values, axis=1).isna().all(axis=1)
    base = frame[["_locator"]].assign(day=day)
    result = csv_result(
        table, chk, ["day"], base[~empty], {m: v[~empty] for m, v in values.items()}, FORMAT, ctx.source_file
    )
    result.n_empty = int(empty.sum())
    return result

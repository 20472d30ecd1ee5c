"""PMData's daily self-report (``googledocs/reporting.csv``, a Google Form), one participant per file:
``date`` (the day reported on), ``timestamp`` (when the form was sent), ``meals``, ``weight`` (kg),
``glasses_of_fluid``, ``alcohol_consumed``.

Metric ``weight_kg`` = weight, on ``date``; a report without a weight is counted as empty (no data for it).
Meals, fluid and alcohol are no metric of ours.

Dates are written day first (``06/11/2019`` = 6 November). Which order a file uses is decided from its own
dates (a first field above 12 means day first, a second field above 12 month first); a file whose dates never
tell is read day first, as the form writes them. ``timestamp`` is not used: in PMData it often disagrees with
``date`` (a month off, or the next day).

A date reported more than once: every report is kept in staging.observations and the last one in the file
counts (the form appends submissions in the order they were sent, and weight_kg takes the day's latest
observation, metrics.toml ``aggregation = "last"``).
"""

from __future__ import annotations

import numpy as np

from transforms.ingest.dates import infer_day_first
from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings

FORMAT = "pmdata_daily_report"
SCOPE = "person"
REQUIRED = ["date", "weight"]
KNOWN_COLUMNS = ["date", "timestamp", "meals", "weight", "glasses_of_fluid", "alcohol_consumed"]


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS, share=0.65, at_least=4)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, REQUIRED, FORMAT, KNOWN_COLUMNS)
    frame = table.frame
    chk = RecordChecker(frame)
    day_first = infer_day_first(frame["date"])
    day = chk.datetime(
        "date", ("%d/%m/%Y",) if day_first is not False else ("%m/%d/%Y",), day_first=day_first is not False
    ).dt.normalize()
    text = frame["weight"].str.strip()
    empty = chk.good & (text == "")
    weight = chk.number("weight", required=False)
    base = frame[["_locator"]].assign(day=day, _line=np.arange(len(frame))).loc[~empty]
    result = csv_result(table, chk, ["_line"], base, {"weight_kg": weight}, FORMAT, ctx.source_file)
    result.n_empty = int(empty.sum())
    return result

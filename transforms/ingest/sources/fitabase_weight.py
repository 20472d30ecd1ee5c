"""Fitabase ``weightLogInfo_merged.csv``: Id, Date (``5/2/2016 11:59:59 PM``), WeightKg, WeightPounds, Fat,
BMI, IsManualReport, LogId. Metric ``weight_kg`` = WeightKg (or WeightPounds × 0.45359237 when only pounds are
given), on the day of Date. A repeated LogId is quarantined as a duplicate.
"""

from __future__ import annotations

from transforms.ingest.dates import FITABASE_FORMATS
from transforms.ingest.records import POUND_KG, ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings

FORMAT = "fitabase_weight"
SCOPE = "cohort"
ACCOUNT_SOURCE = "fitabase"
KNOWN_COLUMNS = ["Id", "Date", "WeightKg", "WeightPounds", "Fat", "BMI", "IsManualReport", "LogId"]


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(
        source, ctx.source_file, ["Id", "Date", "WeightKg", "WeightPounds", "LogId"], FORMAT, KNOWN_COLUMNS
    )
    frame = table.frame
    chk = RecordChecker(frame)
    chk.fail_where(frame["Id"].str.strip() == "", "missing Id")
    when = chk.datetime("Date", FITABASE_FORMATS)
    kg = chk.number("WeightKg", required=False)
    pounds = chk.number("WeightPounds", required=False)
    weight = kg.fillna(pounds * POUND_KG)
    chk.fail_where(weight.isna(), "no WeightKg or WeightPounds")
    base = frame[["_locator"]].assign(account_id=frame["Id"].str.strip(), day=when.dt.normalize(), _log=frame["LogId"])
    return csv_result(
        table, chk, ["account_id", "_log"], base, {"weight_kg": weight}, FORMAT, ctx.source_file, observed_at=when
    )

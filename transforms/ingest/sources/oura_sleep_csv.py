"""Oura sleep periods flattened to CSV (API v2 ``/usercollection/sleep`` saved by pandas), one participant
per file: ``bedtime_start``, ``bedtime_end`` (ISO with offset), ``total_sleep_duration`` (s), ``efficiency``,
``lowest_heart_rate`` (255 = no data), ``average_hrv``, ``type``; nested fields as Python reprs (ignored).
Metrics as in ``_oura``; no ``day`` column, so a period belongs to the local day its bedtime_end falls on.
A repeated bedtime_start is quarantined as a duplicate.
"""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._oura import period_values
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings

FORMAT = "oura_sleep_csv"
SCOPE = "person"
REQUIRED = ["bedtime_start", "bedtime_end", "total_sleep_duration"]
KNOWN_COLUMNS = REQUIRED + [
    "average_breath",
    "average_heart_rate",
    "average_hrv",
    "awake_time",
    "deep_sleep_duration",
    "efficiency",
    "heart_rate",
    "hrv",
    "latency",
    "light_sleep_duration",
    "lowest_heart_rate",
    "movement_30_sec",
    "period",
    "readiness",
    "readiness_score_delta",
    "rem_sleep_duration",
    "restless_periods",
    "sleep_phase_5_min",
    "sleep_score_delta",
    "sleep_algorithm_version",
    "time_in_bed",
    "type",
    "stress_high",
    "recovery_high",
    "day_summary",
    "day",
    "id",
    "low_battery_alert",
    "app_sleep_phase_5_min",
]
APP_EXPORT_COLUMNS = [
    "score",
    "segment_state",
    "sleep_midpoint",
    "timezone",
    "bedtime_start_delta",
    "bedtime_end_delta",
    "midpoint_at_delta",
    "heart_rate_5_min",
    "hrv_5_min",
    "average_breath_variation",
    "got_ups",
    "wake_ups",
    "restless",
    "lowest_heart_rate_time_offset",
    "contributors_total_sleep",
    "contributors_deep_sleep",
    "contributors_rem_sleep",
    "contributors_efficiency",
    "contributors_latency",
    "contributors_restfulness",
    "contributors_timing",
    "readiness_contributors_activity_balance",
    "readiness_contributors_body_temperature",
    "readiness_contributors_hrv_balance",
    "readiness_contributors_previous_day_activity",
    "readiness_contributors_previous_night",
    "readiness_contributors_recovery_index",
    "readiness_contributors_resting_heart_rate",
    "readiness_contributors_sleep_balance",
    "readiness_contributors_sleep_regularity",
    "readiness_score",
    "readiness_temperature_deviation",
    "readiness_temperature_trend_deviation",
]  # the Oura app's export flattens nested fields and adds these: known, but not what tells the format


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS, share=0.6, at_least=5)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, REQUIRED, FORMAT, KNOWN_COLUMNS + APP_EXPORT_COLUMNS)
    chk = RecordChecker(table.frame)
    day, values = period_values(table.frame, chk)
    base = table.frame[["_locator"]].assign(day=day.dt.normalize(), _start=table.frame["bedtime_start"])
    return csv_result(table, chk, ["_start"], base, values, FORMAT, ctx.source_file)

"""The Oura app's data export as CSV (``oura_<kind>_<time>.csv``, one participant per file), one kind per file,
told by its columns:

| kind | columns (among others) | metrics (``_oura``) |
|---|---|---|
| daily-activity | ``day``, ``steps``, ``high_activity_time``, ``class_5_min``, ``met_1_min`` | steps, active and sedentary minutes, coverage from ``non_wear_time`` |
| daily-readiness | ``day``, ``score``, ``temperature_deviation``, ``contributors_*`` | readiness_score, temperature_deviation_c |
| daily-sleep | ``day``, ``score``, ``contributors_timing`` | sleep_score |
| daily-spo2 | ``day``, ``spo2_percentage`` | spo2_pct |
| heart-rate | ``timestamp`` (UTC), ``bpm``, ``quality``, ``source`` | heart_rate_mean_bpm and its coverage on the participant's local day (participants.csv ``timezone``) |
| bedtime | ``date``, ``status``, ``bedtime_window_start`` | none: a recommendation, counted as ignored |

The sleep periods CSV is ``oura_sleep_csv``. Nested fields come flattened (``contributors_timing``) and lists as
``;``-separated text in one cell (``met_1_min``), which are not read. A repeated ``day`` is quarantined as a
duplicate; Oura's ``-49096.12`` is no value.
"""

from __future__ import annotations

import pandas as pd

from transforms.ingest.records import ParseResult, csv_raw_lines, rejects_frame
from transforms.ingest.sources._ignored import ignored_csv_records
from transforms.ingest.sources._oura import daily_coverage, daily_values, heart_rate_samples
from transforms.ingest.sources._tabular import (
    RecordChecker,
    csv_result,
    data_columns,
    has_columns_of,
    header_names,
    read_csv_strings,
)

FORMAT = "oura_app_csv"
SCOPE = "person"
HEART_RATE_SAMPLES_PER_HOUR = 12  # Oura measures daytime heart rate every 5 minutes
READINESS_CONTRIBUTORS = [
    "contributors_activity_balance",
    "contributors_body_temperature",
    "contributors_hrv_balance",
    "contributors_previous_day_activity",
    "contributors_previous_night",
    "contributors_recovery_index",
    "contributors_resting_heart_rate",
    "contributors_sleep_balance",
    "contributors_sleep_regularity",
]
SLEEP_CONTRIBUTORS = [
    "contributors_deep_sleep",
    "contributors_efficiency",
    "contributors_latency",
    "contributors_rem_sleep",
    "contributors_restfulness",
    "contributors_timing",
    "contributors_total_sleep",
]
ACTIVITY_CONTRIBUTORS = [
    "contributors_meet_daily_targets",
    "contributors_move_every_hour",
    "contributors_recovery_time",
    "contributors_stay_active",
    "contributors_training_frequency",
    "contributors_training_volume",
]
KINDS = {  # kind → (columns that tell it, every column it has)
    "daily_activity": (
        ["day", "steps", "high_activity_time", "sedentary_time"],
        [
            "active_calories",
            "average_met_minutes",
            "day",
            "equivalent_walking_distance",
            "high_activity_met_minutes",
            "high_activity_time",
            "inactivity_alerts",
            "low_activity_met_minutes",
            "low_activity_time",
            "medium_activity_met_minutes",
            "medium_activity_time",
            "meters_to_target",
            "non_wear_time",
            "resting_time",
            "sedentary_met_minutes",
            "sedentary_time",
            "steps",
            "target_calories",
            "target_meters",
            "total_calories",
            "score",
            "class_5_min",
            "met_1_min",
            "ring_met_1_min",
            "id",
            "timestamp",
            *ACTIVITY_CONTRIBUTORS,
        ],
    ),
    "daily_readiness": (
        ["day", "score", "temperature_deviation"],
        [
            "day",
            "score",
            "temperature_deviation",
            "temperature_trend_deviation",
            "id",
            "timestamp",
            *READINESS_CONTRIBUTORS,
        ],
    ),
    "daily_sleep": (["day", "score", "contributors_timing"], ["day", "score", "id", "timestamp", *SLEEP_CONTRIBUTORS]),
    "daily_spo2": (["day", "spo2_percentage"], ["day", "spo2_percentage", "breathing_disturbance_index"]),
    "heartrate": (["timestamp", "bpm"], ["timestamp", "bpm", "quality", "source", "restorative"]),
    "bedtime": (
        ["date", "status", "bedtime_window_start"],
        ["date", "status", "bedtime_window_start", "bedtime_window_end", "day", "id"],
    ),
}


def kind_of(head: str) -> str | None:
    names = set(header_names(head))
    if "bedtime_start" in names:  # sleep periods: oura_sleep_csv
        return None
    for kind, (telling, _) in KINDS.items():
        if set(telling) <= names:
            return kind
    return None


def detect(name: str, head: str) -> bool:
    kind = kind_of(head)
    return kind is not None and has_columns_of(head, KINDS[kind][1], share=0.6, at_least=2)


def parse(source, ctx) -> ParseResult:
    kind = kind_of(source.head())
    required, known = KINDS[kind]
    if kind == "bedtime":
        return ignored_csv_records(
            source, ctx.source_file, required, FORMAT, "bedtime recommendations (a suggestion, not a measurement)"
        )
    table = read_csv_strings(source, ctx.source_file, required, FORMAT, known)
    frame = table.frame
    chk = RecordChecker(frame)
    if kind == "heartrate":
        samples = heart_rate_samples(frame, chk, ctx.timezone, FORMAT, ctx.source_file)
        raw = csv_raw_lines(frame[data_columns(frame)])
        bad = ~chk.good
        rejects = pd.concat(
            [
                table.bad_lines,
                rejects_frame(ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw[bad]),
            ]
        )
        return ParseResult(
            samples=samples,
            rejects=rejects,
            n_records=table.n_records,
            raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()),
            notes=table.notes,
        )
    day = chk.datetime("day", ("%Y-%m-%d",))
    values = daily_values(kind, frame, chk)
    empty = chk.good & pd.concat(values, axis=1).isna().all(axis=1)  # a day without any value: counted as empty
    base = frame.loc[~empty, ["_locator"]].assign(day=day[~empty].dt.normalize())
    result = csv_result(
        table, chk, ["day"], base, values, FORMAT, ctx.source_file, coverage=daily_coverage(kind, frame)
    )
    result.n_empty = int(empty.sum())
    return result

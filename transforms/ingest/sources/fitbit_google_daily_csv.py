"""Fitbit's daily tables in the Google format of its Takeout (``Physical Activity_GoogleData/``), one participant
per file, each kind told by its header (shared rules in ``_fitbit_daily``):

| header (file) | metric, on the date of the row's timestamp |
|---|---|
| ``timestamp,breaths per minute`` (daily_respiratory_rate) | respiratory_rate_brpm |
| ``timestamp,average percentage,lower bound percentage,…`` (daily_oxygen_saturation) | spo2_pct = average percentage |
| ``timestamp,average heart rate variability milliseconds,…`` (daily_heart_rate_variability) | hrv_rmssd_ms |
| ``timestamp,beats per minute`` in a file named ``…resting…`` (daily_resting_heart_rate) | resting_hr_bpm (the same header without "resting" is intraday heart rate, ``fitbit_takeout_heart_rate``) |
| ``timestamp,score,type,sleep readiness,…`` (daily_readiness) | readiness_score |
| ``timestamp,nightly temperature celsius,baseline temperature celsius,…`` (daily_sleep_temperature_derivations) | temperature_deviation_c = nightly − baseline |

Counted as ignored, with the reason: 5-minute HRV (``heart_rate_variability``), breathing per sleep stage
(``respiratory_rate_sleep_summary``) and VO2 max (``demographic_vo2max``, ``run_vo2max``). The same days in the Fitbit
folders' files are another source: the daily table takes one of the two per day (sources.toml), never both.
"""

from __future__ import annotations

from transforms.ingest.sources._fitbit_daily import Kind, kind_of, parse_daily

FORMAT = "fitbit_google_daily_csv"
SCOPE = "person"
KINDS = (
    Kind(("timestamp", "breaths per minute"), "respiratory_rate_brpm", "breaths per minute", zero_is_none=True),
    Kind(
        ("timestamp", "average percentage", "lower bound percentage"),
        "spo2_pct",
        "average percentage",
        zero_is_none=True,
    ),
    Kind(
        ("timestamp", "average heart rate variability milliseconds"),
        "hrv_rmssd_ms",
        "average heart rate variability milliseconds",
        zero_is_none=True,
    ),
    Kind(("timestamp", "beats per minute"), "resting_hr_bpm", "beats per minute", name="resting"),
    Kind(("timestamp", "score", "type", "sleep readiness"), "readiness_score", "score"),
    Kind(("timestamp", "nightly temperature celsius", "baseline temperature celsius"), "temperature_deviation_c"),
    Kind(
        ("timestamp", "root mean square of successive differences milliseconds"),
        reason="5-minute HRV within sleep (the daily summary gives the night)",
    ),
    Kind(
        ("timestamp", "full sleep stats - milli breaths per minute"),
        reason="breathing rate per sleep stage (the daily summary gives the night)",
    ),
    Kind(("timestamp", "demographic vo2max"), reason="VO2 max: no metric of ours"),
    Kind(("timestamp", "run VO2 max"), reason="VO2 max: no metric of ours"),
)


def detect(name: str, head: str) -> bool:
    return kind_of(KINDS, name, head) is not None


def parse(source, ctx):
    return parse_daily(kind_of(KINDS, source.name, source.head()), source, ctx, FORMAT)

"""Fitbit's daily CSVs in the Fitbit folders of its Google Takeout export, one participant per file, each kind told
by its header (shared rules in ``_fitbit_daily``):

| header (file) | metric, on the date of the row's timestamp |
|---|---|
| ``timestamp,daily_respiratory_rate`` (Heart Rate Variability/Daily Respiratory Rate Summary) | respiratory_rate_brpm |
| ``timestamp,average_value,lower_bound,upper_bound`` (Oxygen Saturation (SpO2)/Daily SpO2) | spo2_pct = average_value |
| ``type,sleep_start,sleep_end,temperature_samples,nightly_temperature,baseline_relative_sample_sum,…`` (Temperature/Computed Temperature) | temperature_deviation_c = baseline_relative_sample_sum / temperature_samples (the night's mean deviation from the baseline), on the day of sleep_end |
| ``DATE,UPDATED_AT,STRESS_SCORE,…`` (Stress Score) | stress_management_score; ``STATUS`` other than READY or ``CALCULATION_FAILED`` true: no value |

Counted as ignored, with the reason: 5-minute HRV (``Heart Rate Variability Details``), the HRV histogram, breathing
per sleep stage (``Respiratory Rate Summary``), ``Daily Readiness User Properties`` and the monthly ``Sleep
Profile``. ``Daily Heart Rate Variability Summary`` is ``fitbit_takeout_hrv``.
"""

from __future__ import annotations

from transforms.ingest.sources._fitbit_daily import Kind, kind_of, parse_daily

FORMAT = "fitbit_takeout_daily_csv"
SCOPE = "person"
KINDS = (
    Kind(("timestamp", "daily_respiratory_rate"), "respiratory_rate_brpm", "daily_respiratory_rate", zero_is_none=True),
    Kind(("timestamp", "average_value", "lower_bound", "upper_bound"), "spo2_pct", "average_value", zero_is_none=True),
    Kind(
        ("type", "sleep_start", "sleep_end", "temperature_samples", "baseline_relative_sample_sum"),
        "temperature_deviation_c",
    ),
    Kind(("DATE", "UPDATED_AT", "STRESS_SCORE"), "stress_management_score", "STRESS_SCORE"),
    Kind(
        ("timestamp", "rmssd", "coverage", "low_frequency"),
        reason="5-minute HRV within sleep (the daily summary gives the night)",
    ),
    Kind(("timestamp", "bucket_values"), reason="HRV histogram"),
    Kind(
        ("timestamp", "full_sleep_breathing_rate"),
        reason="breathing rate per sleep stage (the daily summary gives the night)",
    ),
    Kind(("property_type", "value", "last_update"), reason="readiness user properties, not a daily value"),
    Kind(("creation_date", "sleep_type", "sleep_duration", "schedule_variability"), reason="the monthly sleep profile"),
)


def detect(name: str, head: str) -> bool:
    return kind_of(KINDS, name, head) is not None


def parse(source, ctx):
    return parse_daily(kind_of(KINDS, source.name, source.head()), source, ctx, FORMAT)

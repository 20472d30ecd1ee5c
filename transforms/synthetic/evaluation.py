"""Compare drift flags with a synthetic cohort's injected episodes (ground truth).

* **Recall**: an injected daily-metric episode is detected when its participant·metric has a flagged day
  from the episode's first day until ``recent_days − 1`` days after its last: the days whose recent window
  still holds episode days (a drift test on a 14-day window cannot see a shift before it has data for it,
  and keeps seeing it while those days remain in the window).
* **False flags per participant-month**: a participant-month (30-day block from the cohort's first day) is
  *unaffected* when none of the participant's injected episodes, widened by the same detection window,
  touches it; its false-flag rate is the share of unaffected participant-months with any flagged day on any
  metric.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAILY_EPISODE_METRICS = ("resting_hr_bpm", "hrv_rmssd_ms", "hrv_sdnn_ms", "sleep_minutes")
MONTH_DAYS = 30


def _windows(episodes: pd.DataFrame, lag_days: int) -> pd.DataFrame:
    eps = episodes[episodes["metric"].isin(DAILY_EPISODE_METRICS)].copy()
    eps["start_day"] = pd.to_datetime(eps["start_day"])
    eps["until_day"] = pd.to_datetime(eps["end_day"]) + pd.Timedelta(days=lag_days)
    return eps


def episode_detection(flags: pd.DataFrame, episodes: pd.DataFrame, detection_lag_days: int = 0) -> pd.DataFrame:
    """One row per injected daily-metric episode with ``detected`` (flags: participant_id, day, metric)."""
    eps = _windows(episodes, detection_lag_days)
    joined = eps.merge(flags.assign(day=pd.to_datetime(flags["day"])), on=["participant_id", "metric"], how="left")
    joined["hit"] = (joined["day"] >= joined["start_day"]) & (joined["day"] <= joined["until_day"])
    hits = joined.groupby(["participant_id", "metric"])["hit"].any().rename("detected")
    return eps.merge(hits.reset_index(), on=["participant_id", "metric"])


def false_flags_per_participant_month(flags: pd.DataFrame, episodes: pd.DataFrame, participants, first_day,
                                      last_day, detection_lag_days: int) -> tuple[float, int]:
    """(share of unaffected participant-months with any flag, number of unaffected participant-months)."""
    first_day, last_day = pd.Timestamp(first_day), pd.Timestamp(last_day)
    n_months = max(1, ((last_day - first_day).days + 1) // MONTH_DAYS)
    grid = pd.MultiIndex.from_product([pd.Index(participants).unique(), range(n_months)],
                                      names=["participant_id", "month"]).to_frame(index=False)
    eps = _windows(episodes, detection_lag_days)
    touched = []
    for row in eps[["participant_id", "start_day", "until_day"]].drop_duplicates().itertuples():  # ground truth only
        lo = max(0, (row.start_day - first_day).days // MONTH_DAYS)
        hi = min(n_months - 1, (row.until_day - first_day).days // MONTH_DAYS)
        touched += [(row.participant_id, m) for m in range(lo, hi + 1)]
    affected = pd.MultiIndex.from_tuples(touched, names=["participant_id", "month"]) if touched else None
    fl = flags.assign(month=(pd.to_datetime(flags["day"]) - first_day).dt.days // MONTH_DAYS)
    fl = fl[(fl["month"] >= 0) & (fl["month"] < n_months)]
    flagged = pd.MultiIndex.from_frame(fl[["participant_id", "month"]].drop_duplicates())
    keys = pd.MultiIndex.from_frame(grid)
    clean = keys if affected is None else keys.difference(affected)
    if not len(clean):
        return 0.0, 0
    return float(len(clean.intersection(flagged)) / len(clean)), int(len(clean))


DEVICE_METRICS = {  # what each device's export yields in the pipeline (docs/ingestion.md)
    "fitbit_takeout": ("resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes", "sleep_efficiency_pct", "sleep_midpoint_min"),
    "fitabase": ("sleep_minutes", "sleep_efficiency_pct", "steps", "active_minutes", "sedentary_minutes"),
    "apple_health": ("resting_hr_bpm", "hrv_sdnn_ms", "sleep_minutes", "sleep_efficiency_pct", "sleep_midpoint_min",
                     "steps"),
}


def observed_daily(cohort) -> pd.DataFrame:
    """The cohort's daily truth as the pipeline would see it: every metric each participant's device reports
    (DEVICE_METRICS), on worn days, so that the multiple-testing correction across a participant's metrics
    is as in production. Apple Health reports SDNN (1.25 × RMSSD, as the generator writes it)."""
    derived = {
        "hrv_sdnn_ms": cohort.daily["hrv_rmssd_ms"] * 1.25,
        "sleep_efficiency_pct": 100 * cohort.daily["sleep_minutes"] / cohort.daily["time_in_bed"],
        "active_minutes": cohort.daily["very_active_minutes"] + cohort.daily["fairly_active_minutes"],
    }
    parts = []
    device = cohort.people["device"].to_numpy()
    ids = cohort.people["participant_id"].to_numpy()
    for dev, metrics in DEVICE_METRICS.items():  # three devices: a loop over kinds, not participants
        rows = np.flatnonzero(device == dev)
        p, t = np.nonzero(cohort.worn[rows])
        for metric in metrics:
            values = derived.get(metric, cohort.daily.get(metric))[rows]
            parts.append(pd.DataFrame({"participant_id": ids[rows][p], "day": cohort.dates[t], "metric": metric,
                                       "value": values[p, t]}))
    return pd.concat(parts, ignore_index=True)

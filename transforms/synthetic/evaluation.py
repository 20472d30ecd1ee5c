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
from scipy.signal import lfilter

from transforms import vocabulary
from transforms.stats.drift import compute_drift
from transforms.synthetic.cohort import CohortSpec, simulate

DAILY_EPISODE_METRICS = ("resting_hr_bpm", "hrv_rmssd_ms", "hrv_sdnn_ms", "sleep_minutes")
MONTH_DAYS = 30


def _windows(episodes: pd.DataFrame, lag_days: int) -> pd.DataFrame:
    eps = episodes[episodes["metric"].isin(DAILY_EPISODE_METRICS)].copy()
    eps["start_day"] = pd.to_datetime(eps["start_day"])
    eps["until_day"] = pd.to_datetime(eps["end_day"]) + pd.Timedelta(days=lag_days)
    return eps


def episode_detection(flags: pd.DataFrame, episodes: pd.DataFrame, detection_lag_days: int = 0) -> pd.DataFrame:
    """One row per injected daily-metric episode with ``detected`` (flags: participant_id, day, metric)."""
    eps = _windows(episodes, detection_lag_days).reset_index(drop=True).rename_axis("episode").reset_index()
    joined = eps.merge(flags.assign(day=pd.to_datetime(flags["day"])), on=["participant_id", "metric"], how="left")
    joined["hit"] = (joined["day"] >= joined["start_day"]) & (joined["day"] <= joined["until_day"])
    detected = joined.groupby("episode")["hit"].any()
    return eps.assign(detected=detected.reindex(eps["episode"]).to_numpy()).drop(columns="episode")


def false_flags_per_participant_month(
    flags: pd.DataFrame, episodes: pd.DataFrame, participants, first_day, last_day, detection_lag_days: int
) -> tuple[float, int]:
    """(share of unaffected participant-months with any flag, number of unaffected participant-months)."""
    first_day, last_day = pd.Timestamp(first_day), pd.Timestamp(last_day)
    n_months = max(1, ((last_day - first_day).days + 1) // MONTH_DAYS)
    grid = pd.MultiIndex.from_product(
        [pd.Index(participants).unique(), range(n_months)], names=["participant_id", "month"]
    ).to_frame(index=False)
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
    return float(len(clean.intersection(flagged)) / len(clean)), len(clean)


DEVICE_METRICS = {  # what each device's export yields in the pipeline (docs/ingestion.md)
    "fitbit_takeout": ("resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes", "sleep_efficiency_pct", "sleep_midpoint_min"),
    "fitabase": ("sleep_minutes", "sleep_efficiency_pct", "steps", "active_minutes", "sedentary_minutes"),
    "apple_health": (
        "resting_hr_bpm",
        "hrv_sdnn_ms",
        "sleep_minutes",
        "sleep_efficiency_pct",
        "sleep_midpoint_min",
        "steps",
    ),
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
            parts.append(
                pd.DataFrame(
                    {"participant_id": ids[rows][p], "day": cohort.dates[t], "metric": metric, "value": values[p, t]}
                )
            )
    return pd.concat(parts, ignore_index=True)


def evaluate(participants: int, days: int, seed: int, win=None) -> dict:
    """Generate a cohort (40 % of participants with one injected episode), run the production drift code on
    what each device observes, and return recall (overall, ``by_metric``) and the false-flag rate."""
    win = win or vocabulary.windows()
    cohort = simulate(CohortSpec(participants=participants, days=days, seed=seed, episode_fraction=0.4))
    daily = observed_daily(cohort)
    start = cohort.dates[win.lookback_days - 1]
    drift = compute_drift(daily, start, cohort.dates[-1], win)
    flags = drift.loc[drift["flagged"], ["participant_id", "day", "metric"]]
    lag = win.recent_days - 1
    found = episode_detection(flags, cohort.episodes, lag)
    rate, n_months = false_flags_per_participant_month(
        flags, cohort.episodes, cohort.people["participant_id"], start, cohort.dates[-1], lag
    )
    return {
        "recall": found["detected"].mean(),
        "episodes": len(found),
        "by_metric": found.groupby("metric")["detected"].mean(),
        "false_flag_rate": rate,
        "unaffected_months": n_months,
    }


def ar1_null_daily(
    n_series: int, days: int, phi: float, seed: int, missing: float = 0.1, metric: str = "resting_hr_bpm"
) -> pd.DataFrame:
    """Null series for calibration: x_t = 60 + 3·e_t, e_t = φ e_{t−1} + √(1 − φ²) z_t (stationary, unit SD),
    no shift anywhere, with a share ``missing`` of days dropped at random; one series per participant."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_series, days))
    innovations = z * np.sqrt(1 - phi**2)
    innovations[:, 0] = z[:, 0]
    x = 60 + 3 * lfilter([1.0], [1.0, -phi], innovations, axis=1)
    x[rng.random(x.shape) < missing] = np.nan
    dates = pd.date_range("2025-01-01", periods=days)
    p, t = np.nonzero(~np.isnan(x))
    return pd.DataFrame(
        {"participant_id": pd.Series(p).map("p{:05d}".format), "day": dates[t], "metric": metric, "value": x[p, t]}
    )


def null_rates(phi: float, seed: int, win=None, n_series: int = 1500, days: int = 200, every: int = 35) -> dict:
    """Share of tested participant·days with p < 0.05 (shift test, KS, Mann–Whitney, Mann–Kendall) and flagged,
    on AR(1) nulls, sampling days ``every`` days apart so windows barely overlap."""
    win = win or vocabulary.windows()
    daily = ar1_null_daily(n_series, days, phi, seed)
    dates = pd.date_range("2025-01-01", periods=days)
    start = dates[win.lookback_days + 10]
    drift = compute_drift(daily, start, dates[-1], win)
    sample = drift[(drift["day"] - start).dt.days % every == 0].dropna(subset=["shift_p"])
    return {
        "n": len(sample),
        "shift_p<0.05": float((sample["shift_p"] < 0.05).mean()),
        "shift_p<0.01": float((sample["shift_p"] < 0.01).mean()),
        "flagged": float(sample["flagged"].mean()),
        "ks_p<0.05": float((sample["ks_p"] < 0.05).mean()),
        "mw_p<0.05": float((sample["mw_p"] < 0.05).mean()),
        "trend_p<0.05": float((sample["trend_p"] < 0.05).mean()),
    }

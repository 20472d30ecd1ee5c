"""Compare drift flags with a synthetic cohort's injected episodes (ground truth)."""

from __future__ import annotations

import pandas as pd

DAILY_EPISODE_METRICS = ("resting_hr_bpm", "hrv_rmssd_ms", "hrv_sdnn_ms", "sleep_minutes")


def episode_detection(flags: pd.DataFrame, episodes: pd.DataFrame, detection_lag_days: int = 0) -> pd.DataFrame:
    """One row per injected daily-metric episode with ``detected`` = a flag on that participant·metric
    between the episode's start and its end + ``detection_lag_days``.

    ``flags``: participant_id, day, metric of flagged drift rows. ``episodes``: the generator's ground truth.
    """
    eps = episodes[episodes["metric"].isin(DAILY_EPISODE_METRICS)].copy()
    eps["start_day"] = pd.to_datetime(eps["start_day"])
    eps["end_day"] = pd.to_datetime(eps["end_day"]) + pd.Timedelta(days=detection_lag_days)
    joined = eps.merge(flags.assign(day=pd.to_datetime(flags["day"])), on=["participant_id", "metric"], how="left")
    joined["hit"] = (joined["day"] >= joined["start_day"]) & (joined["day"] <= joined["end_day"])
    hits = joined.groupby(["participant_id", "metric"])["hit"].any().rename("detected")
    return eps.merge(hits.reset_index(), on=["participant_id", "metric"])


def false_flag_share(flags: pd.DataFrame, episodes: pd.DataFrame, participants: pd.Series, metrics) -> float:
    """Share of participant·metric series *without* an injected episode that have any flagged day."""
    series = pd.MultiIndex.from_product([participants.unique(), list(metrics)], names=["participant_id", "metric"])
    with_episode = pd.MultiIndex.from_frame(episodes[["participant_id", "metric"]])
    clean = series.difference(with_episode)
    flagged = pd.MultiIndex.from_frame(flags[["participant_id", "metric"]].drop_duplicates())
    return float(len(clean.intersection(flagged)) / len(clean)) if len(clean) else 0.0

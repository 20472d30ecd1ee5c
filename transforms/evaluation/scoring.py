"""Scores of flags against injected episodes (docs/METHODS.md "Evaluation").

* **Detected**: an injected episode of participant·metric is detected when that participant·metric has a
  flag (in the episode's direction, when both carry one) from the episode's first day until ``lag_days``
  after its last (``DETECTION_LAG_DAYS``, 14: the recent window still holds episode days).
* **Delay**: the first such flag day − the episode's first day, in days.
* **False participant-months**: 30-day blocks from ``first_day``; a participant-month is *unaffected* when
  none of the participant's injected episodes, widened by the same ``lag_days``, touches it; the rate is the
  share of unaffected participant-months with any flag on any of ``metrics`` (all metrics when None).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAILY_EPISODE_METRICS = ("resting_hr_bpm", "hrv_rmssd_ms", "hrv_sdnn_ms", "sleep_minutes")
MONTH_DAYS = 30
DETECTION_LAG_DAYS = 14


def _windows(episodes: pd.DataFrame, lag_days: int) -> pd.DataFrame:
    eps = episodes.copy()
    eps["start_day"] = pd.to_datetime(eps["start_day"])
    eps["until_day"] = pd.to_datetime(eps["end_day"]) + pd.Timedelta(days=lag_days)
    return eps


def episode_detection(flags: pd.DataFrame, episodes: pd.DataFrame, lag_days: int) -> pd.DataFrame:
    """One row per injected episode with ``detected``, ``first_flag_day`` and ``delay_days`` (flags:
    participant_id, day, metric and optionally direction)."""
    eps = _windows(episodes, lag_days).reset_index(drop=True).rename_axis("episode").reset_index()
    on = ["participant_id", "metric"]
    f = flags.assign(day=pd.to_datetime(flags["day"]))
    directed = "direction" in f.columns and "direction" in eps.columns
    cols = [*on, "day", *(["direction"] if directed else [])]
    joined = eps.merge(f[cols].rename(columns={"direction": "flag_direction"}), on=on, how="inner")
    hit = (joined["day"] >= joined["start_day"]) & (joined["day"] <= joined["until_day"])
    if directed:
        hit &= joined["flag_direction"] == joined["direction"]
    first = joined[hit].groupby("episode")["day"].min()
    out = eps.drop(columns="episode").assign(first_flag_day=first.reindex(eps["episode"]).to_numpy())
    out["detected"] = out["first_flag_day"].notna()
    out["delay_days"] = (out["first_flag_day"] - out["start_day"]).dt.days
    return out.drop(columns="until_day")


def false_participant_months(
    flags: pd.DataFrame, episodes: pd.DataFrame, participants, first_day, last_day, lag_days: int, metrics=None
) -> tuple[float, int]:
    """(share of unaffected participant-months with a flag, number of unaffected participant-months)."""
    first_day, last_day = pd.Timestamp(first_day), pd.Timestamp(last_day)
    n_months = max(1, ((last_day - first_day).days + 1) // MONTH_DAYS)
    people = pd.Index(pd.unique(np.asarray(participants)))
    eps = _windows(episodes, lag_days)
    eps = eps[eps["participant_id"].isin(people)]
    affected = np.zeros((len(people), n_months), dtype=bool)
    p = people.get_indexer(eps["participant_id"])
    lo = np.clip((eps["start_day"] - first_day).dt.days // MONTH_DAYS, 0, n_months - 1).to_numpy()
    hi = np.clip((eps["until_day"] - first_day).dt.days // MONTH_DAYS, 0, n_months - 1).to_numpy()
    month = np.arange(n_months)[None, :]
    touched = (month >= lo[:, None]) & (month <= hi[:, None])
    np.logical_or.at(affected, p, touched)
    f = flags if metrics is None else flags[flags["metric"].isin(metrics)]
    m = ((pd.to_datetime(f["day"]) - first_day).dt.days // MONTH_DAYS).to_numpy()
    fp = people.get_indexer(f["participant_id"])
    ok = (m >= 0) & (m < n_months) & (fp >= 0)
    flagged = np.zeros_like(affected)
    flagged[fp[ok], m[ok]] = True
    clean = ~affected
    n = int(clean.sum())
    return (float((flagged & clean).sum() / n) if n else 0.0), n


def summarize(flags: pd.DataFrame, cohort, lag_days: int = DETECTION_LAG_DAYS) -> dict:
    """Recall and median delay per metric with injected episodes, overall recall, and false participant-months
    over all metrics and over resting HR alone, of ``flags`` (participant_id, day, metric, direction) on an
    evaluation cohort (``transforms.evaluation.cohort``)."""
    found = episode_detection(flags, cohort.episodes, lag_days)
    by_metric = found.groupby("metric", sort=False)
    args = (cohort.episodes, cohort.participant_ids, cohort.dates[0], cohort.dates[-1], lag_days)
    false_all, months = false_participant_months(flags, *args)
    false_rhr, _ = false_participant_months(flags, *args, metrics=["resting_hr_bpm"])
    return {
        "recall": float(found["detected"].mean()),
        "recall_by_metric": by_metric["detected"].mean().to_dict(),
        "delay_by_metric": by_metric["delay_days"].median().to_dict(),
        "delay": float(found["delay_days"].median()),
        "false_months": false_all,
        "false_months_rhr": false_rhr,
        "unaffected_months": months,
    }

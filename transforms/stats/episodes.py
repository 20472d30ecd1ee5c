"""Episodes: runs of the drift detector's alarms, with their estimated start, peak and how long the metric
took to come back.

For each participant·metric, consecutive flagged days in the same direction form a run of alarms; a run of
fewer than ``min_flag_days`` (windows.toml) days is not an episode. Each run that is, becomes one episode:

    first_flag_day, end_day      the run's first and last alarm day
    start_day                    the detector's estimated change day on the run's first alarm (drift.change_day:
                                 the first day of the alarming CUSUM run), else first_flag_day
    n_days                       alarm days in the episode
    peak_day, peak_z             the alarm day with the largest |recent_z| and that recent_z
    band_low, band_high          the baseline band before the change (p10 … p90 of the baseline for start_day,
                                 a window that ends before the episode's recent window)
    recovered_day                the first day after end_day that opens ``in_band_days`` (3) consecutive
                                 measured days with the value inside the band: never on or before the last alarm
    recovery_days                recovered_day − start_day: how long the personal baseline took to re-assert
                                 itself; NULL when the metric had not come back by the last measured day
    recovery_confirmed_day       the day of that run's last (``in_band_days``-th) measured day: data after it
                                 cannot change the episode

A run whose estimated start falls on or before the previous episode's last alarm day (same series, same
direction) continues that episode: the detector dipped under its threshold and came back on the same shift.
Recovery time is the product's measure of baseline stability: short recoveries describe a resilient
baseline, long or missing ones a shifted one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import catalogue
from transforms.ingest.records import empty_frame

IN_BAND_DAYS = 3
EPISODE_SCHEMA = catalogue.table("episodes").frame_schema()


def find_episodes(
    flags: pd.DataFrame,
    baselines: pd.DataFrame,
    values: pd.DataFrame,
    min_flag_days: int = 1,
    in_band_days: int = IN_BAND_DAYS,
) -> pd.DataFrame:
    """``flags``: flagged drift rows (participant_id, metric, day, direction, recent_z, change_day);
    ``baselines``: participant_id, metric, day, p10, p90 (of the episodes' start days); ``values``: daily
    participant_id, metric, day, value (from the first flag on)."""
    if flags.empty:
        return empty_frame(EPISODE_SCHEMA)
    f = (
        flags.assign(day=pd.to_datetime(flags["day"]), change_day=pd.to_datetime(flags["change_day"]))
        .sort_values(["participant_id", "metric", "day"])
        .reset_index(drop=True)
    )
    key = f["participant_id"] + "\x00" + f["metric"]
    same_series = (key == key.shift()) & (f["direction"] == f["direction"].shift())
    f["run"] = (~same_series | (f["day"].diff().dt.days != 1)).cumsum()
    runs = (
        f.groupby("run")
        .agg(
            participant_id=("participant_id", "first"),
            metric=("metric", "first"),
            direction=("direction", "first"),
            first_flag_day=("day", "min"),
            end_day=("day", "max"),
            n_days=("day", "size"),
            change_day=("change_day", "first"),
        )
        .reset_index()
    )
    runs = runs[runs["n_days"] >= min_flag_days].reset_index(drop=True)
    if runs.empty:
        return empty_frame(EPISODE_SCHEMA)
    runs["start_day"] = runs["change_day"].fillna(runs["first_flag_day"]).clip(upper=runs["first_flag_day"])
    run_key = runs["participant_id"] + "\x00" + runs["metric"] + "\x00" + runs["direction"]
    continues = (run_key == run_key.shift()) & (runs["start_day"] <= runs["end_day"].shift())
    runs["episode"] = (~continues).cumsum()
    f = f.merge(runs[["run", "episode"]], on="run")  # alarm days of the kept runs, with their episode
    f["abs_z"] = f["recent_z"].abs()
    peak = f.loc[f.groupby("episode")["abs_z"].idxmax(), ["episode", "day", "recent_z"]].rename(
        columns={"day": "peak_day", "recent_z": "peak_z"}
    )
    ep = (
        runs.groupby("episode")
        .agg(
            participant_id=("participant_id", "first"),
            metric=("metric", "first"),
            direction=("direction", "first"),
            start_day=("start_day", "first"),
            first_flag_day=("first_flag_day", "first"),
            end_day=("end_day", "max"),
            n_days=("n_days", "sum"),
        )
        .reset_index()
        .merge(peak, on="episode")
    )
    # an episode starts after the series' previous one ended (the other direction's run may have estimated a
    # change day inside it)
    series = ep["participant_id"] + "\x00" + ep["metric"]
    previous_end = ep["end_day"].shift().where(series == series.shift())
    ep["start_day"] = ep["start_day"].where(~(ep["start_day"] <= previous_end), previous_end + pd.Timedelta(days=1))
    band = baselines.assign(day=pd.to_datetime(baselines["day"]))[
        ["participant_id", "metric", "day", "p10", "p90"]
    ].rename(columns={"day": "start_day", "p10": "band_low", "p90": "band_high"})
    ep = ep.merge(band, on=["participant_id", "metric", "start_day"], how="left")
    ep = ep.merge(_recovery(ep, values, in_band_days), on="episode", how="left")
    ep["recovery_days"] = (ep["recovered_day"] - ep["start_day"]).dt.days.astype("float64")
    out = ep[list(EPISODE_SCHEMA)]
    return (
        out.astype({c: t for c, t in EPISODE_SCHEMA.items() if t != "datetime64[s]"})
        .sort_values(["participant_id", "metric", "start_day"])
        .reset_index(drop=True)
    )


def _recovery(ep: pd.DataFrame, values: pd.DataFrame, in_band_days: int) -> pd.DataFrame:
    """Recovered day per episode: rows of each series sorted by day, the first row after end_day found by
    a binary search on (series, day) integer keys, then one compiled forward scan per episode."""
    from transforms.stats.kernels import first_in_band_run

    p_codes, p_names = pd.factorize(values["participant_id"])
    m_codes, m_names = pd.factorize(values["metric"])
    n_m = max(len(m_names), 1)
    day = pd.to_datetime(values["day"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    series = p_codes.astype(np.int64) * n_m + m_codes
    span = int(day.max() - day.min()) + 2 if len(day) else 2
    base = int(day.min()) - 1 if len(day) else 0
    key = series * span + (day - base)
    order = np.argsort(key, kind="stable")
    key, series, day = key[order], series[order], day[order]
    value = values["value"].to_numpy(dtype="float64")[order]

    ep_p = pd.Index(p_names).get_indexer(ep["participant_id"])
    ep_m = pd.Index(m_names).get_indexer(ep["metric"])
    known = (ep_p >= 0) & (ep_m >= 0)
    ep_series = np.where(known, ep_p.astype(np.int64) * n_m + ep_m, -1)
    last_alarm = ep["end_day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    # first row strictly after end_day; end days outside the values' span clip to its ends
    after = np.clip(last_alarm + 1 - base, 0, span)  # span: past the series (its offsets run 1 … span − 1)
    first_row = np.searchsorted(key, np.where(known, ep_series * span + after, np.iinfo(np.int64).max))
    out = np.empty(len(ep), dtype=np.int64)
    confirmed = np.empty(len(ep), dtype=np.int64)
    first_in_band_run(
        series,
        day,
        value,
        first_row.astype(np.int64),
        ep_series,
        ep["band_low"].to_numpy(dtype="float64"),
        ep["band_high"].to_numpy(dtype="float64"),
        in_band_days,
        out,
        confirmed,
    )

    def as_days(d):
        return np.where(d >= 0, d, np.iinfo(np.int64).min).astype("datetime64[D]").astype("datetime64[s]")

    return pd.DataFrame(
        {
            "episode": ep["episode"].to_numpy(),
            "recovered_day": as_days(out),
            "recovery_confirmed_day": as_days(confirmed),
        }
    )

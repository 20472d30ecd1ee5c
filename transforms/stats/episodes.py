"""Episodes: runs of flagged drift days, with their peak and how long the metric took to come back.

For each participant·metric, consecutive flagged days in the same direction form one episode:

    start_day, end_day, n_days   the run of flagged days (a day without a flag ends it)
    peak_day, peak_z             the day with the largest |recent_z| and that recent_z
    band_low, band_high          the baseline band at the start (p10 … p90 of the baseline for start_day,
                                 a window that ends before the episode's recent window)
    recovered_day                the first day, after start_day, that opens ``in_band_days`` (3) consecutive
                                 measured days with the value inside the band
    recovery_days                recovered_day − start_day: how long the personal baseline took to re-assert
                                 itself; NULL when the metric had not come back by the last measured day
    recovery_confirmed_day       the day of that run's last (``in_band_days``-th) measured day: data after it
                                 cannot change the episode

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
    flags: pd.DataFrame, baselines: pd.DataFrame, values: pd.DataFrame, in_band_days: int = IN_BAND_DAYS
) -> pd.DataFrame:
    """``flags``: flagged drift rows (participant_id, metric, day, direction, recent_z); ``baselines``:
    participant_id, metric, day, p10, p90; ``values``: daily participant_id, metric, day, value."""
    if flags.empty:
        return empty_frame(EPISODE_SCHEMA)
    f = (
        flags.assign(day=pd.to_datetime(flags["day"]))
        .sort_values(["participant_id", "metric", "day"])
        .reset_index(drop=True)
    )
    key = f["participant_id"] + "\x00" + f["metric"]
    new = (key != key.shift()) | (f["day"].diff().dt.days != 1) | (f["direction"] != f["direction"].shift())
    f["episode"] = new.cumsum()
    f["abs_z"] = f["recent_z"].abs()
    peak = f.loc[f.groupby("episode")["abs_z"].idxmax(), ["episode", "day", "recent_z"]].rename(
        columns={"day": "peak_day", "recent_z": "peak_z"}
    )
    ep = (
        f.groupby("episode")
        .agg(
            participant_id=("participant_id", "first"),
            metric=("metric", "first"),
            direction=("direction", "first"),
            start_day=("day", "min"),
            end_day=("day", "max"),
            n_days=("day", "size"),
        )
        .reset_index()
        .merge(peak, on="episode")
    )
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
    """Recovered day per episode: rows of each series sorted by day, the first row after start_day found by
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
    start = ep["start_day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    # first row strictly after start_day; start days outside the values' span clip to its ends
    after = np.clip(start + 1 - base, 0, span)  # span: past the series (its offsets run 1 … span − 1)
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

"""Personal baselines: for each participant·metric·day D, order statistics of the participant's own
values over a trailing window that ends before the recent window.

With B = ``baseline_days`` and R = ``recent_days`` (windows.toml, defaults 56 and 14):

    recent window   = days D−R+1 … D                  (R days, includes D)
    baseline window = days D−R−B+1 … D−R              (B days, strictly before the recent window)

over the days with a valid value (missing days are skipped, not imputed; the caller passes only days whose
coverage is NULL or at least ``min_coverage``, see warehouse/sql/daily_values_for_days.sql):

    n_days = number of valid days in the baseline window
    median, p10, p90 = quantiles by linear interpolation (numpy "linear", DuckDB quantile_cont)
    mad    = 1.4826 × median(|x − median|)   (scaled MAD: estimates the SD for normal data)
    sufficient = n_days ≥ min_baseline_days  (default 14)

A row is written for every day of the requested range on which the baseline window holds at least one
value. These are behavioural and physiological baseline *proxies*, not neurochemical measurements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.panel import Panel, build_panel, row_chunks, trailing_windows, window_summary
from transforms.vocabulary import Windows

BASELINE_COLUMNS = ["participant_id", "day", "metric", "window_days", "n_days", "median", "mad", "p10",
                    "p90", "sufficient"]
STAT_NAMES = ("n_days", "median", "mad", "p10", "p90")


def panel_for_range(daily: pd.DataFrame, start, end, win: Windows) -> Panel:
    """The dense panel holding every day needed for days ``start … end``."""
    start = pd.Timestamp(start)
    return build_panel(daily, start - pd.Timedelta(days=win.lookback_days - 1), end)


def baseline_arrays(panel: Panel, n_out: int, win: Windows) -> dict[str, np.ndarray]:
    """Window statistics as (n_series, n_out) arrays; output column k is day first_day + B + R − 1 + k."""
    n_series = panel.values.shape[0]
    out = {name: np.full((n_series, n_out), np.nan) for name in STAT_NAMES}
    for rows in row_chunks(n_series, n_out * win.baseline_days):
        windows = trailing_windows(panel.values[rows], win.baseline_days, n_out, offset=0)
        for name, arr in window_summary(windows).items():
            out[name][rows] = arr
    return out


def compute_baselines(daily: pd.DataFrame, start, end, win: Windows) -> pd.DataFrame:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    n_out = (end - start).days + 1
    panel = panel_for_range(daily, start, end, win)
    stats = baseline_arrays(panel, n_out, win)
    return baseline_frame(panel, stats, start, win)


def baseline_frame(panel: Panel, stats: dict[str, np.ndarray], start, win: Windows) -> pd.DataFrame:
    n_series, n_out = stats["n_days"].shape
    s_idx, k_idx = np.nonzero(stats["n_days"] > 0)
    n_days = stats["n_days"][s_idx, k_idx].astype("int64")
    frame = pd.DataFrame({
        "participant_id": panel.series["participant_id"].to_numpy()[s_idx],
        "day": (pd.Timestamp(start) + pd.to_timedelta(k_idx, unit="D")).astype("datetime64[s]"),
        "metric": panel.series["metric"].to_numpy()[s_idx],
        "window_days": np.int64(win.baseline_days),
        "n_days": n_days,
        **{name: stats[name][s_idx, k_idx] for name in ("median", "mad", "p10", "p90")},
        "sufficient": n_days >= win.min_baseline_days,
    })
    frame["participant_id"] = frame["participant_id"].astype("string")
    frame["metric"] = frame["metric"].astype("string")
    return frame[BASELINE_COLUMNS].sort_values(["day", "participant_id", "metric"]).reset_index(drop=True)

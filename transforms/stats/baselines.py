"""Personal baselines: for each participant·metric·day D, order statistics of the participant's own
values over trailing windows.

With B = ``baseline_days`` (56), R = ``recent_days`` (14) and S = ``short_baseline_days`` (14), windows.toml:

    recent window        = days D−R+1 … D                  (R days, includes D)
    baseline window      = days D−R−B+1 … D−R              (long-term, B days before the recent window)
    short-term baseline  = days D−S … D−1                  (the S days before D, as Oura's 14-day average)

over the days with a valid value (missing days are skipped, not imputed; the caller passes only days whose
coverage is NULL or at least ``min_coverage``, see warehouse/sql/daily_values_for_days.sql):

    n_days      = valid days in the baseline window
    median, p10, p90 = quantiles by linear interpolation at q·(n−1) (numpy "linear", DuckDB quantile_cont)
    mad         = 1.4826 × median(|x − median|)   (scaled MAD: estimates the SD for normal data)
    mean, sd    = arithmetic mean and sample SD (ddof = 1)
    cv          = sd / |mean|;  mad_ratio = mad / |median|   (baseline stability: spread relative to level)
    lag1_autocorr = Σ_pairs (x_t − x̄)(x_{t+1} − x̄) / pairs  ÷  Σ (x_t − x̄)² / n   over consecutive valid days
                  (each mean taken over what is present, so gaps do not shrink it; clipped to [−1, 1]; NULL
                  with fewer than 3 pairs)
    sufficient  = n_days ≥ min_baseline_days (default 14)
    short_median, short_n_days = median and count of the short-term window

A row is written for every day of the requested range whose baseline window holds at least one value.
These are behavioural and physiological baseline *proxies*, not neurochemical measurements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import catalogue
from transforms.stats.kernels import B_N, BASELINE_FIELDS, baseline_kernel
from transforms.stats.panel import Panel, build_panel, gather, span_mask
from transforms.vocabulary import Windows

BASELINE_COLUMNS = catalogue.table("baselines").column_names


def panel_for_range(daily: pd.DataFrame, start, end, win: Windows) -> Panel:
    """The dense panel holding every day needed for days ``start … end``."""
    start = pd.Timestamp(start)
    return build_panel(daily, start - pd.Timedelta(days=win.lookback_days - 1), end)


def baseline_block(panel: Panel, n_out: int, win: Windows) -> np.ndarray:
    """Window statistics as one (n_series, n_out, len(BASELINE_FIELDS)) array; output column k is day
    first_day + B + R − 1 + k."""
    out = np.empty((panel.values.shape[0], n_out, len(BASELINE_FIELDS)))
    if panel.values.shape[0]:
        baseline_kernel(
            np.ascontiguousarray(panel.values), win.baseline_days, win.recent_days, win.short_baseline_days, n_out, out
        )
    return out


def compute_baselines(daily: pd.DataFrame, start, end, win: Windows, spans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Baseline rows for days start … end from ``daily`` (participant_id, day, metric, value), for a
    participant·metric only on days within its data span (``spans``: participant_id, metric, first_day,
    last_day; METHODS.md "Which rows exist") whose baseline window holds a value."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    n_out = (end - start).days + 1
    panel = panel_for_range(daily, start, end, win)
    return baseline_frame(
        panel, baseline_block(panel, n_out, win), start, win, span_mask(panel.series, spans, start, n_out)
    )


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.abs(den), np.nan)


def baseline_frame(
    panel: Panel, block: np.ndarray, start, win: Windows, in_span: np.ndarray | None = None
) -> pd.DataFrame:
    keep = block[:, :, B_N] > 0
    if in_span is not None:
        keep &= in_span
    s_idx, k_idx = np.nonzero(keep)
    pick = gather(block, BASELINE_FIELDS, keep, [f for f in BASELINE_FIELDS if f != "lag1_pairs"])
    n_days = pick["n_days"].astype("int64")
    participants = pd.Categorical(panel.series["participant_id"].astype(str))
    metrics = pd.Categorical(panel.series["metric"].astype(str))
    frame = pd.DataFrame(
        {
            "participant_id": pd.Categorical.from_codes(participants.codes[s_idx], categories=participants.categories),
            "day": (np.datetime64(pd.Timestamp(start).date(), "D") + k_idx.astype("timedelta64[D]")).astype(
                "datetime64[s]"
            ),
            "metric": pd.Categorical.from_codes(metrics.codes[s_idx], categories=metrics.categories),
            "window_days": np.int64(win.baseline_days),
            "n_days": n_days,
            "median": pick["median"],
            "mad": pick["mad"],
            "p10": pick["p10"],
            "p90": pick["p90"],
            "sufficient": n_days >= win.min_baseline_days,
            "mean": pick["mean"],
            "sd": pick["sd"],
            "cv": _ratio(pick["sd"], pick["mean"]),
            "mad_ratio": _ratio(pick["mad"], pick["median"]),
            "lag1_autocorr": pick["lag1_autocorr"],
            "short_window_days": np.int64(win.short_baseline_days),
            "short_n_days": pick["short_n_days"].astype("int64"),
            "short_median": pick["short_median"],
        },
        copy=False,
    )
    return frame  # built in BASELINE_COLUMNS order: no copy

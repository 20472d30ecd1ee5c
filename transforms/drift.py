"""Drift: how far, and how significantly, recent days moved away from the personal baseline.

For participant·metric·day D with baseline median m and scaled MAD s (``transforms.baselines``):

    robust_z      = (x_D − m) / s                     (NULL when s = 0 or x_D is missing)
    recent_median = median of the recent window (days D−R+1 … D), n_recent valid days
    recent_z      = (recent_median − m) / s
    ks_stat, ks_p = two-sample Kolmogorov–Smirnov test, recent window vs baseline window
                    (computed when n_recent ≥ min_recent_days and the baseline is sufficient)
    q_value       = Benjamini–Hochberg adjustment of ks_p across the participant's metrics on day D
    flagged       = sufficient ∧ q_value < fdr_alpha ∧ |recent_z| ≥ min_effect_robust_sd
    direction     = "up" / "down" (sign of recent_z) on flagged rows

The KS test assumes independent days; daily physiology is autocorrelated, so ks_p is optimistic
(see docs/METHODS.md). Insufficient data gives NULL statistics and never a flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.baselines import panel_for_range
from transforms.panel import quantile_sorted, row_chunks, trailing_windows
from transforms.stats import bh_qvalues, ks_2samp_rows
from transforms.vocabulary import Windows

DRIFT_COLUMNS = ["participant_id", "day", "metric", "value", "baseline_median", "robust_z", "recent_median",
                 "recent_z", "n_recent", "ks_stat", "ks_p", "q_value", "flagged", "direction"]


def _aligned(baselines: pd.DataFrame, panel, start, n_out: int, column: str) -> np.ndarray:
    """A baselines column as an (n_series, n_out) array aligned with ``panel``."""
    out = np.full((len(panel.series), n_out), np.nan)
    index = pd.MultiIndex.from_frame(panel.series[["participant_id", "metric"]])
    s = index.get_indexer(pd.MultiIndex.from_arrays([baselines["participant_id"], baselines["metric"]]))
    k = (pd.to_datetime(baselines["day"]) - pd.Timestamp(start)).dt.days.to_numpy()
    keep = (s >= 0) & (k >= 0) & (k < n_out)
    out[s[keep], k[keep]] = baselines[column].to_numpy(dtype="float64")[keep]
    return out


def compute_drift(daily: pd.DataFrame, baselines: pd.DataFrame, start, end, win: Windows) -> pd.DataFrame:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    n_out = (end - start).days + 1
    panel = panel_for_range(daily, start, end, win)
    B, R = win.baseline_days, win.recent_days
    median = _aligned(baselines, panel, start, n_out, "median")
    mad = _aligned(baselines, panel, start, n_out, "mad")
    n_days = np.nan_to_num(_aligned(baselines, panel, start, n_out, "n_days"), nan=0).astype(np.int64)
    value = panel.values[:, B + R - 1: B + R - 1 + n_out]

    n_series = len(panel.series)
    shape = (n_series, n_out)
    recent_median, n_recent = np.full(shape, np.nan), np.zeros(shape, dtype=np.int64)
    ks_stat, ks_p = np.full(shape, np.nan), np.full(shape, np.nan)
    for rows in row_chunks(n_series, n_out * (B + R)):
        recent = trailing_windows(panel.values[rows], R, n_out, offset=B)
        base = trailing_windows(panel.values[rows], B, n_out, offset=0)
        n_r = (~np.isnan(recent)).sum(axis=-1)
        recent_median[rows] = quantile_sorted(np.sort(recent, axis=-1), n_r, 0.5)
        n_recent[rows] = n_r
        d, p, _, _ = ks_2samp_rows(recent.reshape(-1, R), base.reshape(-1, B),
                                   min_a=win.min_recent_days, min_b=win.min_baseline_days)
        ks_stat[rows], ks_p[rows] = d.reshape(-1, n_out), p.reshape(-1, n_out)

    scale = np.where(mad > 0, mad, np.nan)
    with np.errstate(invalid="ignore"):
        robust_z = (value - median) / scale
        recent_z = (recent_median - median) / scale

    s_idx, k_idx = np.nonzero((n_days > 0) & (~np.isnan(value) | (n_recent > 0)))
    frame = pd.DataFrame({
        "participant_id": panel.series["participant_id"].to_numpy()[s_idx],
        "day": (start + pd.to_timedelta(k_idx, unit="D")).astype("datetime64[s]"),
        "metric": panel.series["metric"].to_numpy()[s_idx],
        "value": value[s_idx, k_idx],
        "baseline_median": median[s_idx, k_idx],
        "robust_z": robust_z[s_idx, k_idx],
        "recent_median": recent_median[s_idx, k_idx],
        "recent_z": recent_z[s_idx, k_idx],
        "n_recent": n_recent[s_idx, k_idx],
        "ks_stat": ks_stat[s_idx, k_idx],
        "ks_p": ks_p[s_idx, k_idx],
    })
    groups = frame.groupby(["participant_id", "day"], sort=False).ngroup().to_numpy()
    frame["q_value"] = bh_qvalues(frame["ks_p"].to_numpy(), groups)
    sufficient = n_days[s_idx, k_idx] >= win.min_baseline_days
    with np.errstate(invalid="ignore"):
        flagged = (sufficient & (frame["q_value"] < win.fdr_alpha).to_numpy()
                   & (np.abs(frame["recent_z"]) >= win.min_effect_robust_sd).to_numpy())
    frame["flagged"] = flagged
    frame["direction"] = pd.Series(np.where(frame["recent_z"] > 0, "up", "down"), dtype="string") \
        .where(flagged)
    frame["participant_id"] = frame["participant_id"].astype("string")
    frame["metric"] = frame["metric"].astype("string")
    return frame[DRIFT_COLUMNS].sort_values(["day", "participant_id", "metric"]).reset_index(drop=True)

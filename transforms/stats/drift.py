"""Drift: how far, and how significantly, recent days moved away from the personal baseline.

For participant·metric·day D, with the baseline of ``transforms.stats.baselines`` (median m, scaled MAD s, over the
B days before the recent window) and the recent window (the R days ending on D):

    robust_z       = (x_D − m) / s                         (NULL when s = 0 or x_D is missing)
    recent_median  = median of the recent window; recent_z = (recent_median − m) / s
    shift_p        = autocorrelation-adjusted Yuen–Tukey test of recent vs baseline level (20 %-trimmed means,
                     ``significance.shift_test``): the p-value used for flagging; shift_se its SE, autocorr the φ used
    ks_stat, ks_p  = two-sample Kolmogorov–Smirnov, recent vs baseline (scipy's exact/asymptotic p)
    mw_p           = two-sided Mann–Whitney U, recent vs baseline (scipy's method ``auto``)
    wasserstein    = 1-Wasserstein distance between the two samples / s (in robust SDs)
    slope_per_week = 7 × Theil–Sen slope (median pairwise slope) over the T days ending on D
    trend_p        = Mann–Kendall trend p-value over the same days (T = ``trend_days``, ≥ ``min_trend_days``)
    q_value        = Benjamini–Hochberg adjustment of shift_p across the participant's metrics on day D
    flagged        = q_value < fdr_alpha ∧ |recent_z| ≥ min_effect_robust_sd, in the same direction, on each of the
                     ``min_flag_days`` consecutive days ending on D (a sustained drift, not a blip); shift_p is
                     only computed with a sufficient baseline and at least ``min_recent_days`` recent values
    direction      = "up" / "down" (sign of recent_z) on flagged rows

ks_p, mw_p and trend_p assume independent days; daily physiology is autocorrelated, so they are
descriptive and too small on autocorrelated data. Only shift_p, which accounts for autocorrelation, flags.
Insufficient data gives NULL statistics and never a flag. Metrics with ``drift_test = false`` in metrics.toml
(rolling window statistics such as sleep regularity) get every descriptive column but no shift test and
never a flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import catalogue, vocabulary
from transforms.stats.baselines import baseline_block, panel_for_range
from transforms.stats.kernels import B_N, BASELINE_FIELDS, D_N_RECENT, DRIFT_FIELDS, drift_kernel
from transforms.stats.panel import gather, span_mask
from transforms.stats.significance import (
    bh_by_codes,
    ks_pvalues,
    mann_kendall_pvalues,
    mannwhitney_pvalues,
    persistent,
    shift_test,
)
from transforms.vocabulary import Windows

DRIFT_COLUMNS = catalogue.table("drift").column_names


def drift_block(panel, n_out: int, win: Windows) -> np.ndarray:
    """(n_series, n_out, len(DRIFT_FIELDS)) window statistics from ``kernels.drift_kernel``."""
    out = np.empty((panel.values.shape[0], n_out, len(DRIFT_FIELDS)))
    if panel.values.shape[0]:
        drift_kernel(
            np.ascontiguousarray(panel.values),
            win.baseline_days,
            win.recent_days,
            win.trend_days,
            n_out,
            win.min_recent_days,
            win.min_baseline_days,
            out,
        )
    return out


def compute_drift(daily: pd.DataFrame, start, end, win: Windows, spans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Drift rows for days start … end; with ``spans`` (participant_id, metric, first_day, last_day) only on
    days within the participant·metric's data span (METHODS.md "Which rows exist")."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    extra = win.min_flag_days - 1  # earlier days whose conditions decide persistence
    first = start - pd.Timedelta(days=extra)
    n_out = (end - first).days + 1
    panel = panel_for_range(daily, first, end, win)
    B, R = win.baseline_days, win.recent_days
    base = baseline_block(panel, n_out, win)
    kern = drift_block(panel, n_out, win)
    values = panel.values[:, B + R - 1 : B + R - 1 + n_out]

    keep = (base[:, :, B_N] > 0) & (~np.isnan(values) | (kern[:, :, D_N_RECENT] > 0))
    in_span = span_mask(panel.series, spans, first, n_out)
    if in_span is not None:
        keep &= in_span
    s_idx, k_idx = np.nonzero(keep)
    b = gather(base, BASELINE_FIELDS, keep, ("n_days", "median", "mad", "lag1_autocorr", "lag1_pairs"))
    d = gather(kern, DRIFT_FIELDS, keep)
    value = values[s_idx, k_idx]
    del base, kern  # the dense (series × day × field) arrays: the largest allocations of a run

    def windows_of(i):
        s, k = s_idx[i], k_idx[i]
        recent = panel.values[s, k + B : k + B + R]
        baseline = panel.values[s, k : k + B]
        return recent[~np.isnan(recent)], baseline[~np.isnan(baseline)]

    participant_codes, participants = pd.factorize(panel.series["participant_id"])
    metrics = pd.Categorical(panel.series["metric"])

    scale = np.where(b["mad"] > 0, b["mad"], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        robust_z = (value - b["median"]) / scale
        recent_z = (d["recent_median"] - b["median"]) / scale
    shift_se, shift_p, phi = shift_test(
        d["recent_tmean"],
        d["n_recent"],
        d["base_tmean"],
        d["base_wvar"],
        b["n_days"],
        b["lag1_autocorr"],
        b["lag1_pairs"],
        win.autocorr_margin_se,
    )
    tested_metrics = [m for m, spec in vocabulary.metrics().items() if spec.drift_test]
    tested = panel.series["metric"].isin(tested_metrics).to_numpy()[s_idx]
    testable = (b["n_days"] >= win.min_baseline_days) & (d["n_recent"] >= win.min_recent_days) & tested
    shift_p = np.where(testable, shift_p, np.nan)
    # BH across the participant's metrics on each day: groups are participant·day, as integer codes
    q_value = bh_by_codes(shift_p, participant_codes[s_idx] * n_out + k_idx)
    with np.errstate(invalid="ignore"):
        day_ok = (q_value < win.fdr_alpha) & (np.abs(recent_z) >= win.min_effect_robust_sd)
    up = np.zeros(values.shape, dtype=bool)
    down = np.zeros(values.shape, dtype=bool)
    up[s_idx, k_idx] = day_ok & (recent_z > 0)
    down[s_idx, k_idx] = day_ok & (recent_z < 0)
    sustained_up = persistent(up, win.min_flag_days)[s_idx, k_idx]
    sustained_down = persistent(down, win.min_flag_days)[s_idx, k_idx]
    flagged = sustained_up | sustained_down

    rows = np.flatnonzero(k_idx >= extra)  # the earlier days only decided persistence
    s_out, k_out = s_idx[rows], k_idx[rows]
    n_recent, n_base = d["n_recent"][rows], b["n_days"][rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        ks_stat = d["ks_gap"][rows] / (n_recent * n_base)
    frame = pd.DataFrame(
        {
            "participant_id": pd.Categorical.from_codes(participant_codes[s_out], categories=participants.astype(str)),
            "day": (first + pd.to_timedelta(k_out, unit="D")).astype("datetime64[s]"),
            "metric": pd.Categorical.from_codes(metrics.codes[s_out], categories=metrics.categories),
            "value": value[rows],
            "baseline_median": b["median"][rows],
            "robust_z": robust_z[rows],
            "recent_median": d["recent_median"][rows],
            "recent_z": recent_z[rows],
            "n_recent": n_recent.astype("int64"),
            "shift_se": np.where(testable, shift_se, np.nan)[rows],
            "shift_p": shift_p[rows],
            "autocorr": np.where(testable, phi, np.nan)[rows],
            "ks_stat": ks_stat,
            "ks_p": ks_pvalues(n_recent, n_base, d["ks_gap"][rows]),
            "mw_p": mannwhitney_pvalues(
                d["mw_u"][rows],
                n_recent,
                n_base,
                d["tie_term"][rows],
                d["any_tie"][rows],
                lambda i: windows_of(rows[i]),
            ),
            "wasserstein": d["wasserstein"][rows] / scale[rows],
            "slope_per_week": np.where(d["trend_n"][rows] >= win.min_trend_days, 7 * d["slope"][rows], np.nan),
            "trend_p": mann_kendall_pvalues(d["mk_s"][rows], d["mk_var"][rows], d["trend_n"][rows], win.min_trend_days),
            "trend_n": d["trend_n"][rows].astype("int64"),
            "q_value": q_value[rows],
            "flagged": flagged[rows],
            "direction": pd.Series(np.where(sustained_up[rows], "up", "down"), dtype="string").where(flagged[rows]),
        },
        copy=False,
    )
    return frame  # built in DRIFT_COLUMNS order: no copy

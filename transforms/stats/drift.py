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
                     (shift_p is only computed with a sufficient baseline and at least ``min_recent_days``
                     recent values)
    cusum          = the sequential detector's statistic max(C⁺, C⁻) (``transforms.stats.sequential``)
    cusum_threshold= h(φ̂, history, r) from the calibration table (``transforms.stats.alarm_thresholds``) at the
                     per-metric budget r = false_alarms_per_year / m, m = the participant's metrics with a
                     detector statistic on day D (Bonferroni: the participant's false-alarm budget, over all
                     their metrics, is false_alarms_per_year)
    flagged        = cusum > cusum_threshold
    direction      = "up" / "down": the side of the CUSUM that alarmed, on flagged rows
    change_day     = the first day of the alarming CUSUM run: the estimated day the shift began (flagged rows)

ks_p, mw_p, trend_p and shift_p are descriptive: the first three assume independent days (too small on
autocorrelated physiology), the shift test is a fixed-window test. Flags come from the detector only.
Insufficient data (a baseline under ``min_baseline_days`` values, a series with under ``min_history_days`` days
of history) gives NULL statistics and never a flag. Metrics with ``drift_test = false`` in metrics.toml
(rolling window statistics such as sleep regularity) get every descriptive column but no shift test, no
detector and never a flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import catalogue, vocabulary
from transforms.stats.alarm_thresholds import calibration
from transforms.stats.baselines import baseline_block
from transforms.stats.kernels import B_N, BASELINE_FIELDS, D_N_RECENT, DRIFT_FIELDS, drift_kernel
from transforms.stats.panel import Panel, build_panel, gather, span_mask
from transforms.stats.sequential import SEQUENTIAL_FIELDS, sequential_block
from transforms.stats.significance import (
    bh_by_codes,
    ks_pvalues,
    mann_kendall_pvalues,
    mannwhitney_pvalues,
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
    first = start
    n_out = (end - first).days + 1
    history = win.drift_history_days  # the detector's scale window and the recent window
    panel = build_panel(daily, first - pd.Timedelta(days=history - 1), end)
    B, R = win.baseline_days, win.recent_days
    # the window kernels of baselines and drift read the last B + R − 1 days before day 0
    windows_panel = Panel(panel.series, panel.first_day, panel.values[:, history - B - R :])
    base = baseline_block(windows_panel, n_out, win)
    kern = drift_block(windows_panel, n_out, win)
    tested_metrics = [m for m, spec in vocabulary.metrics().items() if spec.drift_test]
    tested_series = panel.series["metric"].isin(tested_metrics).to_numpy()
    day0 = (panel.first_day - pd.Timestamp("1970-01-01")).days
    seq = sequential_block(panel.values[tested_series], history - 1, n_out, win, day0)
    values = panel.values[:, history - 1 : history - 1 + n_out]

    keep = (base[:, :, B_N] > 0) & (~np.isnan(values) | (kern[:, :, D_N_RECENT] > 0))
    in_span = span_mask(panel.series, spans, first, n_out)
    if in_span is not None:
        keep &= in_span
    s_idx, k_idx = np.nonzero(keep)
    b = gather(base, BASELINE_FIELDS, keep, ("n_days", "median", "mad", "lag1_autocorr", "lag1_pairs"))
    d = gather(kern, DRIFT_FIELDS, keep)
    q = gather(seq, SEQUENTIAL_FIELDS, keep[tested_series])
    value = values[s_idx, k_idx]
    del base, kern, seq  # the dense (series × day × field) arrays: the largest allocations of a run

    def windows_of(i):
        s, k = s_idx[i], k_idx[i]
        recent = windows_panel.values[s, k + B : k + B + R]
        baseline = windows_panel.values[s, k : k + B]
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
    tested = tested_series[s_idx]
    testable = (b["n_days"] >= win.min_baseline_days) & (d["n_recent"] >= win.min_recent_days) & tested
    shift_p = np.where(testable, shift_p, np.nan)
    participant_day = participant_codes[s_idx] * n_out + k_idx
    # BH across the participant's metrics on each day: groups are participant·day, as integer codes
    q_value = bh_by_codes(shift_p, participant_day)

    # the sequential detector, on the tested rows (q holds them in the same order as s_idx[tested])
    cusum = np.full(len(s_idx), np.nan)
    cusum[tested] = q["statistic"]
    side = np.zeros(len(s_idx))
    side[tested] = q["direction"]
    run_days = np.full(len(s_idx), np.nan)
    run_days[tested] = q["run_days"]
    cusum_phi = np.full(len(s_idx), np.nan)
    cusum_phi[tested] = q["phi"]
    history_days = np.full(len(s_idx), np.nan)
    history_days[tested] = q["history_days"]
    threshold = alarm_thresholds(cusum, cusum_phi, history_days, participant_day, win)
    with np.errstate(invalid="ignore"):
        flagged = cusum > threshold
    day = first.to_datetime64().astype("datetime64[D]") + k_idx.astype("timedelta64[D]")

    n_recent, n_base = d["n_recent"], b["n_days"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ks_stat = d["ks_gap"] / (n_recent * n_base)
    frame = pd.DataFrame(
        {
            "participant_id": pd.Categorical.from_codes(participant_codes[s_idx], categories=participants.astype(str)),
            "day": day.astype("datetime64[s]"),
            "metric": pd.Categorical.from_codes(metrics.codes[s_idx], categories=metrics.categories),
            "value": value,
            "baseline_median": b["median"],
            "robust_z": robust_z,
            "recent_median": d["recent_median"],
            "recent_z": recent_z,
            "n_recent": n_recent.astype("int64"),
            "shift_se": np.where(testable, shift_se, np.nan),
            "shift_p": shift_p,
            "autocorr": np.where(testable, phi, np.nan),
            "ks_stat": ks_stat,
            "ks_p": ks_pvalues(n_recent, n_base, d["ks_gap"]),
            "mw_p": mannwhitney_pvalues(
                d["mw_u"],
                n_recent,
                n_base,
                d["tie_term"],
                d["any_tie"],
                windows_of,
            ),
            "wasserstein": d["wasserstein"] / scale,
            "slope_per_week": np.where(d["trend_n"] >= win.min_trend_days, 7 * d["slope"], np.nan),
            "trend_p": mann_kendall_pvalues(d["mk_s"], d["mk_var"], d["trend_n"], win.min_trend_days),
            "trend_n": d["trend_n"].astype("int64"),
            "q_value": q_value,
            "flagged": flagged,
            "direction": pd.Series(np.where(side > 0, "up", "down"), dtype="string").where(flagged),
            "cusum": cusum,
            "cusum_threshold": threshold,
            "change_day": np.where(
                flagged, day - np.nan_to_num(run_days).astype("timedelta64[D]"), np.datetime64("NaT")
            ).astype("datetime64[s]"),
        },
        copy=False,
    )
    return frame  # built in DRIFT_COLUMNS order: no copy


def alarm_thresholds(cusum, phi, history_days, participant_day, win: Windows) -> np.ndarray:
    """The detector's threshold per row: the participant's budget ``false_alarms_per_year`` shared equally
    (Bonferroni) by the m metrics with a detector statistic on that participant·day."""
    has = ~np.isnan(cusum)
    m = np.bincount(participant_day[has], minlength=int(participant_day.max(initial=-1)) + 1)[participant_day]
    out = np.full(len(cusum), np.nan)
    if has.any():
        out[has] = calibration(win).thresholds(phi[has], history_days[has], win.false_alarms_per_year / m[has])
    return out

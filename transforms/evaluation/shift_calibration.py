"""Calibration of the descriptive shift test (the autocorrelation-adjusted Yuen–Tukey test of
``transforms.stats.drift``) and the independence-assuming tests on AR(1) null series."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from transforms import vocabulary
from transforms.stats.drift import compute_drift


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
    """Share of tested participant·days with p < 0.05 (shift test, KS, Mann–Whitney, Mann–Kendall), on AR(1)
    nulls, sampling days ``every`` days apart so windows barely overlap."""
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
        "ks_p<0.05": float((sample["ks_p"] < 0.05).mean()),
        "mw_p<0.05": float((sample["mw_p"] < 0.05).mean()),
        "trend_p<0.05": float((sample["trend_p"] < 0.05).mean()),
    }

"""Calibration of the drift detector's alarm thresholds by simulation (docs/METHODS.md "Calibration").

Null series, per true lag-1 autocorrelation φ: x_t = φ x_{t−1} + √(1 − φ²) ε_t, ε ~ N(0, 1) (stationary,
unit SD), with a share ``missing`` of days dropped at random and, in ``gap_share`` of the series, one gap of
3–14 days: no shift anywhere. The production kernel (``transforms.stats.sequential``) runs on them with its
estimated location, scale and φ, so the thresholds carry the baselines' estimation error. A history bucket
H runs the kernel with a scale window of H days (and a baseline of min(B, H) days): the state of a series
with H days of history.

    alarm onset  = a day whose statistic exceeds h while the day before's did not (a day without a statistic
                   counts as below)
    onset rate   = onsets / (days with a statistic / 365.25)      (per series-year)
    h(rate)      = the smallest h whose onset rate is at most ``rate`` (bisection)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from transforms.stats.sequential import S_PHI, S_STAT, sequential_block

PHI_GRID = (-0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # the table's φ̂ points
TRUE_PHI = PHI_GRID + (0.95,)  # the simulated series' true φ (beyond 0.9 too: φ̂ is clipped there)
HISTORY_GRID = (28, 42, 56, 84, 112, 168)
RATE_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
DAYS_PER_YEAR = 365.25


def null_panel(
    phi: float, n_series: int, days: int, seed: int, missing: float = 0.1, gap_share: float = 0.3
) -> np.ndarray:
    """(n_series, days) AR(1) nulls with missing days and gaps (module docstring)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_series, days))
    innovations = z * np.sqrt(1 - phi**2)
    innovations[:, 0] = z[:, 0]
    x = lfilter([1.0], [1.0, -phi], innovations, axis=1)
    x[rng.random(x.shape) < missing] = np.nan
    has_gap = rng.random(n_series) < gap_share
    length = rng.integers(3, 15, n_series)
    start = rng.integers(0, days, n_series)
    t = np.arange(days)[None, :]
    x[has_gap[:, None] & (t >= start[:, None]) & (t < (start + length)[:, None])] = np.nan
    return x


class OnsetCounter:
    """Alarm onsets as a function of h over series × day arrays of statistics: an onset on day t is
    s_{t−1} ≤ h < s_t (a day without a statistic counts as −∞), so the onsets at h are Σw over the rising
    pairs (a, b) = (s_{t−1}, s_t) with a ≤ h minus those with b ≤ h: two sorted arrays with cumulative
    weights, any h answered by binary search. ``weight`` (default 1) weighs each day t, both its onset and
    its share of the series-years."""

    def __init__(self, statistic: np.ndarray, weight: np.ndarray | None = None):
        s = np.nan_to_num(statistic, nan=-np.inf)
        w = np.ones(s.shape) if weight is None else np.where(np.isnan(statistic), 0.0, weight)
        prev = np.concatenate([np.full((s.shape[0], 1), -np.inf), s[:, :-1]], axis=1)
        rising = (s > prev) & (w > 0)
        order_a = np.argsort(prev[rising], kind="stable")
        order_b = np.argsort(s[rising], kind="stable")
        self.a = prev[rising][order_a]
        self.b = s[rising][order_b]
        self.wa = np.concatenate([[0.0], np.cumsum(w[rising][order_a])])
        self.wb = np.concatenate([[0.0], np.cumsum(w[rising][order_b])])
        self.years = float(np.where(np.isnan(statistic), 0.0, w).sum()) / DAYS_PER_YEAR
        self.top = float(self.b[-1]) if len(self.b) else 0.0

    def rate(self, h: float) -> float:
        """Onsets per series-year at threshold h."""
        n = self.wa[np.searchsorted(self.a, h, side="right")] - self.wb[np.searchsorted(self.b, h, side="right")]
        return float(n / self.years) if self.years else np.nan

    def threshold(self, rate: float, iterations: int = 50) -> float:
        """The smallest h (to 2⁻⁵⁰ of the bracket) whose onset rate is at most ``rate``."""
        lo, hi = 0.0, self.top + 1.0
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            if self.rate(mid) > rate:
                lo = mid
            else:
                hi = mid
        return hi


def onset_rate(statistic: np.ndarray, h) -> float:
    """Alarm onsets per series-year over the days that have a statistic (h: a number or an array like it)."""
    return OnsetCounter(statistic - h).rate(0.0)


def phi_weights(phi_hat: np.ndarray, grid_point: int) -> np.ndarray:
    """Each day's weight for φ grid point i: linear (tent) interpolation of its estimated φ̂ between grid points,
    the weights the lookup (``transforms.stats.alarm_thresholds``) uses for that day."""
    grid = np.asarray(PHI_GRID)
    x = np.clip(phi_hat, grid[0], grid[-1])
    left = grid[grid_point - 1] if grid_point > 0 else None
    right = grid[grid_point + 1] if grid_point < len(grid) - 1 else None
    g = grid[grid_point]
    w = np.zeros_like(x)
    if left is not None:
        m = (x >= left) & (x <= g)
        w[m] = (x[m] - left) / (g - left)
    else:
        w[x == g] = 1.0
    if right is not None:
        m = (x >= g) & (x <= right)
        w[m] = np.maximum(w[m], (right - x[m]) / (right - g))
    else:
        w[x == g] = 1.0
    return w


def null_statistics(
    phi: float, history: int, win, n_series: int, days: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(statistic, estimated φ̂) of the detector on null series, for a series with ``history`` days of
    history."""
    w = replace(win, scale_days=history, baseline_days=min(win.baseline_days, history))
    x = null_panel(phi, n_series, days, seed)
    first = history + win.recent_days - 1  # the first day whose windows are full
    block = sequential_block(x, first, days - first, w)
    return block[:, :, S_STAT].astype("float32"), block[:, :, S_PHI].astype("float32")


def calibrate(win, n_series: int = 2000, days: int = 1000, seed: int = 1) -> pd.DataFrame:
    """Thresholds over HISTORY_GRID × PHI_GRID × RATE_GRID, indexed by the *estimated* φ̂: for each history
    bucket, null series at every true φ of TRUE_PHI (equal shares) are pooled, and the threshold for grid
    point φ_i is the one whose onset rate, over the days weighted by their φ̂'s interpolation weight for φ_i,
    is the nominal rate. A threshold read at a series' own φ̂ then holds the rate whatever its true φ: φ̂
    errors and the statistic are correlated (an underestimated φ both under-whitens and would pick a lower
    threshold), which a table indexed by the true φ would miss. Columns: history_days, phi, alarms_per_year,
    threshold, measured_rate (on the simulation itself)."""
    rows = []
    for hi, history in enumerate(HISTORY_GRID):
        pairs = [
            null_statistics(phi, history, win, n_series, days, seed + 1000 * hi + pi) for pi, phi in enumerate(TRUE_PHI)
        ]
        stat = np.concatenate([p[0] for p in pairs])
        phi_hat = np.concatenate([p[1] for p in pairs])
        del pairs
        for gi, phi in enumerate(PHI_GRID):
            counter = OnsetCounter(stat, phi_weights(phi_hat, gi))
            for rate in RATE_GRID:
                h = counter.threshold(rate)
                rows.append((history, phi, rate, h, counter.rate(h)))
    return pd.DataFrame(rows, columns=["history_days", "phi", "alarms_per_year", "threshold", "measured_rate"])


def estimated_phi(x: np.ndarray, win) -> np.ndarray:
    """The φ the detector estimates on each series·day (for checks against the true φ)."""
    first = win.scale_days + win.recent_days - 1
    return sequential_block(x, first, x.shape[1] - first, win)[:, :, S_PHI]

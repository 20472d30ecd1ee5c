"""The drift detector's kernel equals its formulas (transforms/stats/sequential.py's docstring) written as
plain Python with scipy, on random series with gaps, ties and short histories."""

import math

import numpy as np
import pytest
from scipy import stats

from transforms.stats.sequential import (
    MAX_PHI,
    MIN_PHI,
    PHI_EVERY_DAYS,
    S_DIR,
    S_HIST,
    S_LOC,
    S_NBASE,
    S_PHI,
    S_RUN,
    S_STAT,
    normal_quantile,
    sequential_block,
)
from transforms.vocabulary import Windows

WIN = Windows(
    baseline_days=28,
    recent_days=7,
    min_coverage=0.5,
    min_baseline_days=10,
    min_recent_days=4,
    scale_days=60,
    min_history_days=20,
)


def normal_score(x, window):
    n = len(window)
    return stats.norm.ppf(((window < x).sum() + (window <= x).sum() + 1) / (2 * (n + 1)))


def lag1(row, a, L):
    idx = range(max(a - L + 1, 0), a + 1)
    w = np.array([row[i] for i in idx if not math.isnan(row[i])])
    n = len(w)
    if n < 3:
        return np.nan
    g = int(np.floor(0.2 * n))
    s = np.sort(w)
    lo, hi = s[g], s[n - g - 1]
    c = np.clip(w, lo, hi)
    mean = c.mean()
    pairs = [
        (row[i], row[i - 1])
        for i in range(max(a - L + 2, 1), a + 1)
        if not math.isnan(row[i]) and not math.isnan(row[i - 1])
    ]
    if len(pairs) < 3 or ((c - mean) ** 2).sum() <= 0:
        return np.nan
    num = sum((min(max(x, lo), hi) - mean) * (min(max(y, lo), hi) - mean) for x, y in pairs) / len(pairs)
    r1 = num / (((c - mean) ** 2).sum() / n)
    return min(max(r1 + (1 + 3 * r1) / n, MIN_PHI), MAX_PHI)


def reference(row, d, win, day0):
    """(statistic, direction, run_days, location, phi, history_days, n_baseline) for day index d."""
    B, R, L = win.baseline_days, win.recent_days, win.scale_days
    end = d - R
    scale = np.array([row[i] for i in range(max(end - L + 1, 0), end + 1) if not math.isnan(row[i])])
    base = np.array([row[i] for i in range(max(end - B + 1, 0), end + 1) if not math.isnan(row[i])])
    valid = np.flatnonzero(~np.isnan(row))
    first_valid = valid[0] if len(valid) else -1
    history = end - max(end - L + 1, first_valid) + 1 if 0 <= first_valid <= end else 0
    none = (np.nan, np.nan, np.nan, np.nan, np.nan, history, len(base))
    if len(base) < win.min_baseline_days or history < win.min_history_days or len(scale) < 3 or np.ptp(scale) == 0:
        return none
    a = end - (day0 + end) % PHI_EVERY_DAYS
    phi = lag1(row, a, L) if a >= 0 else np.nan
    if np.isnan(phi):
        return none
    location = stats.trim_mean([normal_score(x, scale) for x in base], 0.2)
    up = down = 0.0
    up_start = down_start = -1
    prev = np.nan
    for t in range(d - R + 1, d + 1):
        if math.isnan(row[t]):
            prev = np.nan
            continue
        z = normal_score(row[t], scale) - location
        e = z if math.isnan(prev) else (z - phi * prev) / math.sqrt(1 - phi * phi)
        e = min(max(e, -win.cusum_clip), win.cusum_clip)
        prev = z
        if up == 0:
            up_start = t
        up = max(0.0, up + e - win.cusum_k)
        if down == 0:
            down_start = t
        down = max(0.0, down - e - win.cusum_k)
    if up >= down and up > 0:
        return up, 1, d - up_start, location, phi, history, len(base)
    if down > 0:
        return down, -1, d - down_start, location, phi, history, len(base)
    return 0.0, 0, np.nan, location, phi, history, len(base)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kernel_equals_its_formulas(seed):
    rng = np.random.default_rng(seed)
    n_series, days = 6, 140
    x = np.round(rng.normal(0, 1, (n_series, days)).cumsum(axis=1) * 0.3 + rng.normal(0, 1, (n_series, days)), 1)
    x[rng.random(x.shape) < 0.2] = np.nan  # gaps; rounding to 0.1 makes ties
    x[0, :50] = np.nan  # a series that starts late: short histories, then the warm-up
    x[1, 60:75] = 2.0  # a constant stretch
    x[2, 100:110] += 4.0  # a shift
    day0 = int(rng.integers(0, 20000))
    first = 40
    out = sequential_block(x, first, days - first, WIN, day0)
    fields = (S_STAT, S_DIR, S_RUN, S_LOC, S_PHI, S_HIST, S_NBASE)
    checked = 0
    for s in range(n_series):
        for j in range(days - first):
            expected = reference(x[s], first + j, WIN, day0)
            got = out[s, j, list(fields)]
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=f"{s} {j}")
            checked += not np.isnan(expected[0])
    assert checked > 300


def test_normal_quantile_matches_scipy_to_1e_10():
    # the kernel's scores use p ≥ 1 / (2(L + 1)); far beyond that, 1 − p itself loses the digits
    p = np.r_[np.geomspace(1e-12, 1e-3, 500), np.linspace(1e-3, 1 - 1e-3, 3000), 1 - np.geomspace(1e-6, 1e-3, 500)]
    got = np.array([normal_quantile(v) for v in p])
    np.testing.assert_allclose(got, stats.norm.ppf(p), rtol=0, atol=1e-10)

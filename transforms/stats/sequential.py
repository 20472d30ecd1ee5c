"""The sequential drift detector: a window-limited two-sided CUSUM on pre-whitened normal scores of the
daily values, compiled with numba over the participant·metric × day panel.

For participant·metric·day D, with B = ``baseline_days`` (56), R = ``recent_days`` (14), L = ``scale_days``
(168), windows.toml, over the days with a valid value (missing days are skipped, never imputed):

    scale window     = days D−R−L+1 … D−R (the baseline and up to L−B days before it), n values
    baseline window  = days D−R−B+1 … D−R
    normal score     q(x) = Φ⁻¹( (#{w < x} + #{w ≤ x} + 1) / (2(n + 1)) ) over the scale window's values w:
                     x's mid-rank in the scale window mapped to a standard normal (ties share a score; beyond
                     the window's extremes ±Φ⁻¹(1 − 1/(2(n+1))), ±2.7 for n = 150). Skewed, heavy-tailed and
                     discrete metrics all become roughly N(0, 1) units: the personal "robust SD"
    location m       = 20 %-trimmed mean of the baseline values' normal scores (the baseline's level in those
                     units; the scale window only supplies the shape and spread)
    φ                = clip( r₁ + (1 + 3 r₁)/n , −0.5, 0.9 )      r₁ = Σ_pairs (w_t − w̄)(w_{t−1} − w̄)/pairs ÷
                     Σ(w_t − w̄)²/n over consecutive valid days of the scale window, w its values winsorized at
                     their 20 % / 80 % order statistics; (1 + 3r₁)/n is Kendall's bias correction for AR(1)
    history days     = days from the series' first value in the scale window to the window's end

    recent window    = days D−R+1 … D, for each valid day t in order:
        z_t  = q(x_t) − m
        e_t  = (z_t − φ z_{t−1}) / √(1 − φ²)   when day t−1 is valid, else z_t       (AR(1) pre-whitening)
        C⁺_t = max(0, C⁺_{t−1} + clip(e_t, −c, c) − k)      C⁻_t = max(0, C⁻_{t−1} − clip(e_t, −c, c) − k)
        with C⁺ = C⁻ = 0 before the window, k = ``cusum_k`` (0.5), c = ``cusum_clip`` (3)

    statistic     = max(C⁺_D, C⁻_D);  direction = up when C⁺_D ≥ C⁻_D, else down (none when 0)
    change_day    = the first day of the winning side's current run (the day after it was last 0): the
                    CUSUM's estimate of when the shift began (Page 1954)

Starting each day's sums at zero R days back makes day D a function of the L + R days ending on D only
(the same value however the days were partitioned); within the window the sums reset when they fall back
to 0, so a recovery restarts them. Bounded scores and clipped residuals keep one outlier night from
raising an alarm (the robust CUSUM of Lucas & Crosier 1982). The alarm threshold h depends on φ, the
history and the false-alarm budget and comes from ``transforms.stats.alarm_thresholds`` (a calibration by
simulation); the decision and the per-participant budget are in ``transforms.stats.drift``. docs/METHODS.md
"The drift detector" has the rationale and the sources.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from transforms.stats.kernels import TRIM, _slide, winsorized_moments

MIN_PHI, MAX_PHI = -0.5, 0.9
PHI_EVERY_DAYS = 7  # φ is re-estimated weekly (it changes slowly; its window pass is the kernel's dearest step)

SEQUENTIAL_FIELDS = (
    "statistic",  # max(C⁺, C⁻) on day D
    "direction",  # +1 up, −1 down, 0 none
    "run_days",  # days from the run's first day to D (change_day = D − run_days)
    "location",  # m, in normal-score units
    "phi",
    "history_days",
    "n_baseline",
)
(S_STAT, S_DIR, S_RUN, S_LOC, S_PHI, S_HIST, S_NBASE) = (SEQUENTIAL_FIELDS.index(f) for f in SEQUENTIAL_FIELDS)


@nb.njit(cache=True, inline="always")
def _at(row, i):
    return row[i] if i >= 0 else np.nan


# Acklam's coefficients for Φ⁻¹: the central region (A/B) and the tails (C/D)
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
    1.0,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00, 1.0)
_TAIL = 0.02425


@nb.njit(cache=True, inline="always")
def _horner(coefficients, x):
    acc = 0.0
    for c in coefficients:
        acc = acc * x + c
    return acc


@nb.njit(cache=True)
def normal_quantile(p):
    """Φ⁻¹(p) for 0 < p < 1: Acklam's rational approximation refined by one Halley step on erfc (|error| below
    1e-10 against scipy.stats.norm.ppf for 1e-12 ≤ p ≤ 1 − 1e-6)."""
    if p < _TAIL or p > 1 - _TAIL:
        q = math.sqrt(-2.0 * math.log(min(p, 1.0 - p)))
        x = _horner(_C, q) / _horner(_D, q)
        if p > 0.5:
            x = -x
    else:
        q = p - 0.5
        x = _horner(_A, q * q) * q / _horner(_B, q * q)
    e = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
    u = e * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)
    return x - u / (1.0 + x * u / 2.0)


@nb.njit(cache=True)
def score_table(L):
    """table[n, j] = Φ⁻¹(j / (2(n + 1))) for n ≤ L, 1 ≤ j ≤ 2n + 1: every normal score a window of n values can
    give (module docstring), computed once per call instead of once per value."""
    table = np.full((L + 1, 2 * L + 2), np.nan)
    for n in range(1, L + 1):
        for j in range(1, 2 * n + 2):
            table[n, j] = normal_quantile(j / (2.0 * (n + 1.0)))
    return table


@nb.njit(cache=True, inline="always")
def _update_ranks(row, wide, nw, d, R, fresh, removed, added, below, upto):
    """#{w < x_t} and #{w ≤ x_t} among the scale window's sorted values wide[:nw], for the recent days
    t = d − R + 1 … d, kept in below/upto at t % R. A day's scale window differs from the day before's by one
    removed and one added value (NaN: none), so the days already in the recent window are updated by two
    comparisons each and only day d is searched (every day when ``fresh``)."""
    for t in range(d - R + 1, d + 1):
        x = _at(row, t)
        if math.isnan(x):
            continue
        i = t % R
        if fresh or t == d:
            lo = np.searchsorted(wide[:nw], x, side="left")
            hi = lo
            while hi < nw and wide[hi] == x:
                hi += 1
            below[i] = lo
            upto[i] = hi
        else:
            below[i] += int(added < x) - int(removed < x)
            upto[i] += int(added <= x) - int(removed <= x)


@nb.njit(cache=True, inline="always")
def _cusum(row, d, R, table, nw, below, upto, location, phi, k, clip):
    """(C⁺, C⁻, first day of C⁺'s run, first day of C⁻'s run) over the recent days t = d − R + 1 … d, from
    the days' normal scores table[nw, below + upto + 1] (module docstring)."""
    innovation_sd = math.sqrt(1.0 - phi * phi)
    up = 0.0
    down = 0.0
    up_start = -1
    down_start = -1
    prev = np.nan
    for t in range(d - R + 1, d + 1):
        x = _at(row, t)
        if math.isnan(x):
            prev = np.nan
            continue
        i = t % R
        z = table[nw, below[i] + upto[i] + 1] - location
        e = z if math.isnan(prev) else (z - phi * prev) / innovation_sd
        e = min(max(e, -clip), clip)
        prev = z
        if up == 0.0:
            up_start = t
        up = max(0.0, up + e - k)
        if down == 0.0:
            down_start = t
        down = max(0.0, down - e - k)
    return up, down, up_start, down_start


@nb.njit(cache=True)
def _baseline_location(table, base, nb_, wide, nw):
    """20 %-trimmed mean of the normal scores (among ``wide``) of the sorted baseline values ``base``: one
    merge walk, as the baseline's values are among the scale window's."""
    g = int(math.floor(TRIM * nb_))
    p = np.searchsorted(wide[:nw], base[g], side="left")
    total = 0.0
    for i in range(g, nb_ - g):
        v = base[i]
        while p < nw and wide[p] < v:
            p += 1
        q = p
        while q < nw and wide[q] == v:
            q += 1
        total += table[nw, p + q + 1]
    return total / (nb_ - 2 * g)


@nb.njit(cache=True)
def _lag1(row, end, L, w, n):
    """Bias-corrected lag-1 autocorrelation of the values of row[end − L + 1 … end] (whose sorted values are
    w[:n]) winsorized at their 20 % / 80 % order statistics (module docstring), clipped to [MIN_PHI, MAX_PHI];
    NaN with under 3 pairs."""
    if n < 3:
        return np.nan
    lo, hi, mean, ss = winsorized_moments(w, n, int(math.floor(TRIM * n)))
    num = 0.0
    pairs = 0
    for i in range(max(end - L + 2, 1), end + 1):
        a = row[i]
        b = row[i - 1]
        if not math.isnan(a) and not math.isnan(b):
            num += (min(max(a, lo), hi) - mean) * (min(max(b, lo), hi) - mean)
            pairs += 1
    if pairs < 3 or ss <= 0:
        return np.nan
    r1 = (num / pairs) / (ss / n)
    return min(max(r1 + (1.0 + 3.0 * r1) / n, MIN_PHI), MAX_PHI)


@nb.njit(cache=True)
def _sorted_window(row, end, L, buf):
    """The values of row[end − L + 1 … end], sorted into buf; returns their count."""
    n = 0
    for i in range(max(end - L + 1, 0), end + 1):
        if not math.isnan(row[i]):
            buf[n] = row[i]
            n += 1
    buf[:n].sort()
    return n


@nb.njit(parallel=True, cache=True)
def cusum_kernel(values, day0, first, n_out, B, R, L, min_baseline, min_history, k, clip, out):
    """out[s, j, :] = SEQUENTIAL_FIELDS for day D = first + j of ``values``, whose column 0 is day number
    ``day0`` (days since 1970-01-01; windows before column 0 are empty). NaN statistic where the baseline
    holds fewer than ``min_baseline`` values, the history is shorter than ``min_history`` days, the scale
    window holds a single distinct value or φ cannot be estimated."""
    table = score_table(L)
    n_series = values.shape[0]
    for s in nb.prange(n_series):
        row = values[s]
        first_valid = -1
        for i in range(values.shape[1]):
            if not math.isnan(row[i]):
                first_valid = i
                break
        base = np.empty(B)
        wide = np.empty(L)
        scratch = np.empty(L)
        nb_ = 0
        nw = 0
        end0 = first - R  # the baseline's and the scale window's last day for output 0
        for i in range(max(end0 - B + 1, 0), end0 + 1):
            if not math.isnan(row[i]):
                base[nb_] = row[i]
                nb_ += 1
        for i in range(max(end0 - L + 1, 0), end0 + 1):
            if not math.isnan(row[i]):
                wide[nw] = row[i]
                nw += 1
        base[:nb_].sort()
        wide[:nw].sort()
        anchor = -1  # φ is estimated on the window ending on the last day ≤ D − R whose day number is a
        phi = np.nan  # multiple of PHI_EVERY_DAYS: the same φ whatever range a run covers
        below = np.zeros(R, np.int64)
        upto = np.zeros(R, np.int64)
        for j in range(n_out):
            end = end0 + j
            d = first + j
            removed = np.nan
            added = np.nan
            if j > 0:
                removed = _at(row, end - L)
                added = _at(row, end)
                nb_ = _slide(base, nb_, _at(row, end - B), added)
                nw = _slide(wide, nw, removed, added)
            _update_ranks(row, wide, nw, d, R, j == 0, removed, added, below, upto)
            o = out[s, j]
            o[:] = np.nan
            o[S_NBASE] = nb_
            start = max(end - L + 1, first_valid)
            history = end - start + 1 if first_valid >= 0 and first_valid <= end else 0
            o[S_HIST] = history
            if nb_ < min_baseline or history < min_history or nw < 3 or wide[0] == wide[nw - 1]:
                continue
            a = end - (day0 + end) % PHI_EVERY_DAYS
            if a != anchor:
                anchor = a
                if a < 0:
                    phi = np.nan
                elif a == end:  # the scale window is the anchor's window: already sorted
                    phi = _lag1(row, a, L, wide, nw)
                else:
                    phi = _lag1(row, a, L, scratch, _sorted_window(row, a, L, scratch))
            if math.isnan(phi):
                continue
            location = _baseline_location(table, base, nb_, wide, nw)
            up, down, up_start, down_start = _cusum(row, d, R, table, nw, below, upto, location, phi, k, clip)
            o[S_LOC] = location
            o[S_PHI] = phi
            if up >= down and up > 0:
                o[S_STAT] = up
                o[S_DIR] = 1
                o[S_RUN] = d - up_start
            elif down > 0:
                o[S_STAT] = down
                o[S_DIR] = -1
                o[S_RUN] = d - down_start
            else:
                o[S_STAT] = 0.0
                o[S_DIR] = 0


def sequential_block(values: np.ndarray, first: int, n_out: int, win, day0: int = 0) -> np.ndarray:
    """(n_series, n_out, len(SEQUENTIAL_FIELDS)) for output days ``first … first + n_out − 1`` of ``values``,
    whose column 0 is day number ``day0`` (days since 1970-01-01)."""
    out = np.empty((values.shape[0], n_out, len(SEQUENTIAL_FIELDS)))
    if values.shape[0] and n_out:
        cusum_kernel(
            np.ascontiguousarray(values),
            int(day0),
            first,
            n_out,
            win.baseline_days,
            win.recent_days,
            win.scale_days,
            win.min_baseline_days,
            win.min_history_days,
            win.cusum_k,
            win.cusum_clip,
            out,
        )
    return out

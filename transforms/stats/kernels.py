"""Sliding-window statistics over a dense participant·metric × day array, compiled with numba.

Each kernel walks every series (``prange``: series run in parallel) and every output day, sorting the
day's windows once and deriving every statistic from those sorted arrays. No Python runs per window.
Formulas are in the callers' docstrings (``transforms.stats.baselines``, ``transforms.stats.drift``) and in
docs/METHODS.md; tests compare each output with scipy one window at a time.

Window layout, for output day index k (day D = first_day + B + R − 1 + k of the panel):
baseline = columns k … k+B−1, recent = k+B … k+B+R−1 (ends on D), trend = the Tw columns ending on D,
short-term baseline = the S columns before D.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): scales the MAD to the SD of a normal distribution

# Each kernel's output fields, in the order of the last axis of its ``out`` array: declared once, here; the
# index constants are derived from them, and the frames (transforms.stats.baselines, transforms.stats.drift) read the
# fields by name.
BASELINE_FIELDS = (
    "n_days",  # days with a value in the baseline window
    "median",
    "mad",  # scaled to SD units (× MAD_TO_SD)
    "p10",
    "p90",
    "mean",
    "sd",
    "lag1_autocorr",  # r1 of the baseline window
    "lag1_pairs",  # consecutive-day pairs r1 was computed from
    "short_n_days",
    "short_median",
)
(B_N, B_MEDIAN, B_MAD, B_P10, B_P90, B_MEAN, B_SD, B_R1, B_PAIRS, B_SHORT_N, B_SHORT_MEDIAN) = (
    BASELINE_FIELDS.index(f) for f in BASELINE_FIELDS
)

DRIFT_FIELDS = (
    "n_recent",
    "recent_median",
    "ks_gap",  # n_a·n_b·D, an integer
    "mw_u",  # Mann–Whitney U of the recent sample
    "tie_term",  # Σ(t³ − t) over the pooled sample's ties
    "wasserstein",
    "slope",  # Theil–Sen, per day
    "mk_s",
    "mk_var",  # tie-corrected
    "trend_n",
    "any_tie",  # 1 when the pooled sample holds a tie, else 0
    "recent_tmean",  # 20 %-trimmed means and the baseline's winsorized variance
    "base_tmean",
    "base_wvar",
)
(
    D_N_RECENT,
    D_RECENT_MEDIAN,
    D_KS_GAP,
    D_MW_U,
    D_TIE_TERM,
    D_WASSERSTEIN,
    D_SLOPE,
    D_MK_S,
    D_MK_VAR,
    D_TREND_N,
    D_ANY_TIE,
    D_RECENT_TMEAN,
    D_BASE_TMEAN,
    D_BASE_WVAR,
) = (DRIFT_FIELDS.index(f) for f in DRIFT_FIELDS)


@nb.njit(cache=True, inline="always")
def _quantile(s, n, q):
    pos = q * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@nb.njit(cache=True, inline="always")
def _collect(window, buf):
    n = 0
    for v in window:
        if not math.isnan(v):
            buf[n] = v
            n += 1
    return n


@nb.njit(cache=True, inline="always")
def _insert(arr, n, v):
    """Insert v into the sorted prefix arr[:n]; returns n + 1."""
    i = np.searchsorted(arr[:n], v)
    for j in range(n, i, -1):
        arr[j] = arr[j - 1]
    arr[i] = v
    return n + 1


@nb.njit(cache=True, inline="always")
def _remove(arr, n, v):
    """Remove one occurrence of v from the sorted prefix arr[:n]; returns n − 1."""
    i = np.searchsorted(arr[:n], v)
    for j in range(i, n - 1):
        arr[j] = arr[j + 1]
    return n - 1


@nb.njit(cache=True, inline="always")
def _slide(arr, n, outgoing, incoming):
    """Move a sorted window one day on: drop ``outgoing`` and add ``incoming`` (NaN = no value)."""
    if not math.isnan(outgoing):
        n = _remove(arr, n, outgoing)
    if not math.isnan(incoming):
        n = _insert(arr, n, incoming)
    return n


@nb.njit(cache=True, inline="always")
def _fill_sorted(window, arr):
    n = _collect(window, arr)
    arr[:n].sort()
    return n


@nb.njit(cache=True, inline="always")
def _mad_sorted(b, n, med):
    """median(|b − med|) for sorted b, by walking outwards from the median: O(n), no second sort."""
    p = np.searchsorted(b[:n], med)
    lo = p - 1
    hi = p
    pos = 0.5 * (n - 1)
    want_lo = int(math.floor(pos))
    want_hi = min(want_lo + 1, n - 1)
    v_lo = 0.0
    v_hi = 0.0
    for rank in range(want_hi + 1):
        if lo < 0:
            d = b[hi] - med
            hi += 1
        elif hi >= n or med - b[lo] <= b[hi] - med:
            d = med - b[lo]
            lo -= 1
        else:
            d = b[hi] - med
            hi += 1
        if rank == want_lo:
            v_lo = d
        if rank == want_hi:
            v_hi = d
    return v_lo + (v_hi - v_lo) * (pos - want_lo)


@nb.njit(parallel=True, cache=True)
def baseline_kernel(values, B, R, S, n_out, out):
    """out[:, :, j] for the fields of BASELINE_FIELDS. Windows are kept sorted as they slide."""
    n_series = values.shape[0]
    for s in nb.prange(n_series):
        row = values[s]
        buf = np.empty(B)
        sbuf = np.empty(max(S, 1))
        n = _fill_sorted(row[0:B], buf)
        d0 = B + R - 1
        ns = _fill_sorted(row[d0 - S : d0], sbuf) if S > 0 else 0
        for k in range(n_out):
            if k > 0:
                n = _slide(buf, n, row[k - 1], row[k + B - 1])
                if S > 0:
                    d = k + d0
                    ns = _slide(sbuf, ns, row[d - S - 1], row[d - 1])
            o = out[s, k]
            o[:] = np.nan
            o[B_N] = n
            o[B_SHORT_N] = ns
            if ns > 0:
                o[B_SHORT_MEDIAN] = _quantile(sbuf, ns, 0.5)
            if n == 0:
                continue
            med = _quantile(buf, n, 0.5)
            o[B_MEDIAN] = med
            o[B_MAD] = _mad_sorted(buf, n, med) * MAD_TO_SD
            o[B_P10] = _quantile(buf, n, 0.1)
            o[B_P90] = _quantile(buf, n, 0.9)
            w = row[k : k + B]
            mean = 0.0
            for i in range(n):
                mean += buf[i]
            mean /= n
            o[B_MEAN] = mean
            ss = 0.0
            for i in range(n):
                ss += (buf[i] - mean) ** 2
            if n > 1:
                o[B_SD] = math.sqrt(ss / (n - 1))
            num = 0.0
            pairs = 0
            for i in range(B - 1):
                x0, x1 = w[i], w[i + 1]
                if not math.isnan(x0) and not math.isnan(x1):
                    num += (x0 - mean) * (x1 - mean)
                    pairs += 1
            o[B_PAIRS] = pairs
            if ss > 0 and pairs >= 3:
                o[B_R1] = min(1.0, max(-1.0, (num / pairs) / (ss / n)))


TRIM = 0.2  # trimmed means cut 20 % from each end (Yuen–Tukey)


@nb.njit(cache=True, inline="always")
def _trimmed(s, n, gamma):
    """(trimmed mean, winsorized variance ddof=1) of the sorted sample s[:n], cutting floor(γn) each side."""
    g = int(math.floor(gamma * n))
    total = 0.0
    for i in range(g, n - g):
        total += s[i]
    tm = total / (n - 2 * g)
    _, _, _, wv = winsorized_moments(s, n, g)
    return tm, (wv / (n - 1) if n > 1 else np.nan)


@nb.njit(cache=True, inline="always")
def winsorized_moments(s, n, g):
    """(lo, hi, mean, Σ(x − mean)²) of the sorted sample s[:n] winsorized at s[g] and s[n − g − 1]."""
    lo = s[g]
    hi = s[n - g - 1]
    mean = 0.0
    for i in range(n):
        mean += min(max(s[i], lo), hi)
    mean /= n
    ss = 0.0
    for i in range(n):
        ss += (min(max(s[i], lo), hi) - mean) ** 2
    return lo, hi, mean, ss


@nb.njit(cache=True)
def _sort_pairs(vals, origins, n):
    """Insertion sort of vals[:n] carrying origins (n ≤ trend window: small)."""
    for i in range(1, n):
        v = vals[i]
        o = origins[i]
        j = i - 1
        while j >= 0 and vals[j] > v:
            vals[j + 1] = vals[j]
            origins[j + 1] = origins[j]
            j -= 1
        vals[j + 1] = v
        origins[j + 1] = o


@nb.njit(cache=True, inline="always")
def _first_trend_pairs(row, first, end, inv, sl, org):
    """Every pairwise slope (row[j] − row[i]) / (j − i) of the window first … end − 1, sorted, with its
    earlier day i in ``org``; returns (pairs, positive slopes, negative slopes)."""
    m = 0
    for i in range(first, end):
        if math.isnan(row[i]):
            continue
        for j in range(i + 1, end):
            if not math.isnan(row[j]):
                sl[m] = (row[j] - row[i]) * inv[j - i]
                org[m] = i
                m += 1
    order = np.argsort(sl[:m])
    sl[:m] = sl[:m][order]
    org[:m] = org[:m][order]
    npos = 0
    nneg = 0
    for i in range(m):
        npos += sl[i] > 0
        nneg += sl[i] < 0
    return m, npos, nneg


@nb.njit(cache=True, inline="always")
def _slide_slopes(row, leaving, entering, start, inv, sl, org, m, sl2, org2, new_sl, new_org, npos, nneg):
    """The sorted pairwise slopes one day on, in one pass written to sl2/org2: those whose earlier day is
    ``leaving`` dropped, those from days start … entering − 1 to ``entering`` (when it has a value) sorted and
    merged in. Returns (pairs, positive, negative); the caller swaps the buffers. ``new_sl`` has room for a
    +inf sentinel after the new slopes, so the old ones are walked without a bounds test."""
    c = 0
    if not math.isnan(row[entering]):
        for i in range(start, entering):
            if not math.isnan(row[i]):
                v = (row[entering] - row[i]) * inv[entering - i]
                new_sl[c] = v
                new_org[c] = i
                npos += v > 0
                nneg += v < 0
                c += 1
        _sort_pairs(new_sl, new_org, c)
    new_sl[c] = np.inf
    a = 0
    b = 0
    w = 0
    while a < m:
        x = sl[a]
        y = new_sl[b]
        if x <= y:
            keep = org[a] != leaving
            sl2[w] = x
            org2[w] = org[a]
            w += keep
            npos -= (x > 0) and not keep
            nneg -= (x < 0) and not keep
            a += 1
        else:
            sl2[w] = y
            org2[w] = new_org[b]
            b += 1
            w += 1
    while b < c:
        sl2[w] = new_sl[b]
        org2[w] = new_org[b]
        b += 1
        w += 1
    return w, npos, nneg


@nb.njit(cache=True, inline="always")
def _tie_sum(ysorted, ny):
    """Σ t(t − 1)(2t + 5) over the tie groups t of the sorted sample ysorted[:ny] (Mann–Kendall's tie term)."""
    total = 0
    i = 0
    while i < ny:
        j = i
        while j + 1 < ny and ysorted[j + 1] == ysorted[i]:
            j += 1
        t = j - i + 1
        total += t * (t - 1) * (2 * t + 5)
        i = j + 1
    return total


@nb.njit(cache=True, inline="always")
def _tie_sum_change(arr, n, v, sign):
    """How ``_tie_sum`` of the sorted arr[:n] changes when v joins it (sign 1) or leaves it (sign −1)."""
    t = np.searchsorted(arr[:n], v, side="right") - np.searchsorted(arr[:n], v, side="left")
    u = t + sign
    return u * (u - 1) * (2 * u + 5) - t * (t - 1) * (2 * t + 5)


@nb.njit(cache=True, inline="always")
def _merged_walk(r, nr, b, nb_):
    """One walk over the merged sorted samples r[:nr] (recent) and b[:nb_] (baseline): (KS gap
    max|ca·nb − cb·nr|, Mann–Whitney U of r, tie term Σ(t³ − t), 1-Wasserstein distance, any tie)."""
    i = 0
    j = 0
    ca = 0
    cb = 0
    pos = 0
    rank_sum = 0.0
    tie_term = 0.0
    any_tie = 0
    gap = 0
    wass = 0.0
    while i < nr or j < nb_:
        if j >= nb_ or (i < nr and r[i] <= b[j]):
            v = r[i]
        else:
            v = b[j]
        ta = 0
        while i < nr and r[i] == v:
            i += 1
            ta += 1
        tb = 0
        while j < nb_ and b[j] == v:
            j += 1
            tb += 1
        t = ta + tb
        if t > 1:
            tie_term += t * t * t - t
            any_tie = 1
        rank_sum += ta * (pos + (t + 1) / 2.0)
        pos += t
        ca += ta
        cb += tb
        g = abs(ca * nb_ - cb * nr)
        if g > gap:
            gap = g
        if i < nr or j < nb_:
            nxt = r[i] if j >= nb_ or (i < nr and r[i] <= b[j]) else b[j]
            wass += abs(ca / nr - cb / nb_) * (nxt - v)
    return gap, rank_sum - nr * (nr + 1) / 2.0, tie_term, wass, any_tie


@nb.njit(parallel=True, cache=True)
def drift_kernel(values, B, R, Tw, n_out, min_recent, min_baseline, out):
    """out[:, :, j] for the fields of DRIFT_FIELDS.

    The trend window's pairwise slopes are kept sorted as it slides: in one pass the slopes of the day
    leaving are filtered out and those of the day arriving merged in, so the Theil–Sen median is a lookup and
    Mann–Kendall S a running count of positive minus negative slopes (sign(slope) = sign(Δy)); the tie term
    of its variance changes with the one value leaving and the one arriving."""
    n_series = values.shape[0]
    cap = max(Tw * (Tw - 1) // 2, 1)
    for s in nb.prange(n_series):
        row = values[s]
        bb = np.empty(B)
        rb = np.empty(R)
        ysorted = np.empty(Tw)
        inv = np.empty(Tw)
        for i in range(1, Tw):
            inv[i] = 1.0 / i
        sl = np.empty(cap)
        org = np.empty(cap, dtype=np.int64)
        sl2 = np.empty(cap)
        org2 = np.empty(cap, dtype=np.int64)
        new_sl = np.empty(Tw + 1)
        new_org = np.empty(Tw, dtype=np.int64)
        nb_ = _fill_sorted(row[0:B], bb)
        nr = _fill_sorted(row[B : B + R], rb)
        ny = _fill_sorted(row[B + R - Tw : B + R], ysorted)
        m, npos, nneg = _first_trend_pairs(row, B + R - Tw, B + R, inv, sl, org)
        ties = _tie_sum(ysorted, ny)
        for k in range(n_out):
            d_end = k + B + R
            if k > 0:
                nb_ = _slide(bb, nb_, row[k - 1], row[k + B - 1])
                nr = _slide(rb, nr, row[k + B - 1], row[k + B + R - 1])
                leaving = d_end - Tw - 1
                entering = d_end - 1
                if not math.isnan(row[leaving]):
                    ties += _tie_sum_change(ysorted, ny, row[leaving], -1)
                    ny = _remove(ysorted, ny, row[leaving])
                if not math.isnan(row[entering]):
                    ties += _tie_sum_change(ysorted, ny, row[entering], 1)
                    ny = _insert(ysorted, ny, row[entering])
                if not (math.isnan(row[leaving]) and math.isnan(row[entering])):
                    m, npos, nneg = _slide_slopes(
                        row, leaving, entering, d_end - Tw, inv, sl, org, m, sl2, org2, new_sl, new_org, npos, nneg
                    )
                    sl, sl2 = sl2, sl
                    org, org2 = org2, org
            o = out[s, k]
            o[:] = np.nan
            o[D_N_RECENT] = nr
            if nr > 0:
                o[D_RECENT_MEDIAN] = _quantile(rb, nr, 0.5)
                o[D_RECENT_TMEAN] = _trimmed(rb, nr, TRIM)[0]
            if nb_ > 1:
                o[D_BASE_TMEAN], o[D_BASE_WVAR] = _trimmed(bb, nb_, TRIM)
            o[D_TREND_N] = ny
            if ny >= 3:
                o[D_SLOPE] = _quantile(sl, m, 0.5)
                o[D_MK_S] = npos - nneg
                # Var(S) = [n(n − 1)(2n + 5) − Σ t(t − 1)(2t + 5)] / 18 over the tie groups t of the window
                o[D_MK_VAR] = (ny * (ny - 1) * (2 * ny + 5) - ties) / 18.0
            if nr < min_recent or nb_ < min_baseline or nr == 0 or nb_ == 0:
                continue
            gap, u, tie_term, wass, any_tie = _merged_walk(rb, nr, bb, nb_)
            o[D_KS_GAP] = gap
            o[D_MW_U] = u
            o[D_TIE_TERM] = tie_term
            o[D_WASSERSTEIN] = wass
            o[D_ANY_TIE] = any_tie


@nb.njit(cache=True)
def bh_by_group(p, group_start):
    """Benjamini–Hochberg q-values within consecutive groups of the 1-D array ``p`` (NaN ignored);
    ``group_start`` holds each group's first index plus a final len(p)."""
    q = np.full(p.shape[0], np.nan)
    for g in range(group_start.shape[0] - 1):
        lo, hi = group_start[g], group_start[g + 1]
        idx = np.empty(hi - lo, dtype=np.int64)
        m = 0
        for i in range(lo, hi):
            if not math.isnan(p[i]):
                idx[m] = i
                m += 1
        if m == 0:
            continue
        sel = idx[:m]
        order = np.argsort(p[sel])
        running = 1.0
        for r in range(m - 1, -1, -1):
            i = sel[order[r]]
            val = min(1.0, p[i] * m / (r + 1))
            if val < running:
                running = val
            q[i] = max(running, p[i])
    return q


@nb.njit(cache=True)
def _ks_band_escape(m, n, k):
    """P(a uniformly random lattice path from (0,0) to (m,n) touches |x·n − y·m| ≥ k): the exact two-sided
    two-sample KS p-value for D = k/(m·n). Recursion over the last step: Q(x,y) = 1 outside the band, else
    (x·Q(x−1,y) + y·Q(x,y−1)) / (x+y); a convex combination, so small p-values keep full precision."""
    q = np.zeros(n + 1)
    for x in range(m + 1):
        for y in range(n + 1):
            if abs(x * n - y * m) >= k:
                q[y] = 1.0
            elif x == 0 and y == 0:
                q[y] = 0.0
            elif x == 0:
                q[y] = q[y - 1]
            elif y == 0:
                q[y] = q[y]
            else:
                q[y] = (x * q[y] + y * q[y - 1]) / (x + y)
    return q[n]


@nb.njit(cache=True)
def _ks_square(n, h):
    """The closed form scipy uses when both samples have n values:
    P = 2 Σ_{j ≥ 1} (−1)^{j−1} C(2n, n − j·h) / C(2n, n), evaluated Horner-style; NaN where it leaves [0, 1]
    (scipy then falls back to the asymptotic distribution)."""
    total = 0.0
    j = n // h
    while j >= 0:
        term = 1.0
        for i in range(h):
            term = (n - j * h - i) * term / (n + j * h + i + 1)
        total = term * (1.0 - total)
        j -= 1
    p = 2 * total
    return p if 0.0 <= p <= 1.0 else np.nan


@nb.njit(parallel=True, cache=True)
def ks_exact_pvalues(n_a, n_b, k):
    """Exact KS p-values for arrays of (n_a, n_b, k) keys (one per distinct window statistic)."""
    out = np.empty(n_a.shape[0])
    for i in nb.prange(n_a.shape[0]):
        m, n, h = int(n_a[i]), int(n_b[i]), int(k[i])
        if h == 0:
            out[i] = 1.0
        elif m == n:  # k = |Δcount|·n: scipy's closed form in units of 1/n
            out[i] = _ks_square(n, h // n)
        else:
            out[i] = _ks_band_escape(m, n, h)
    return out


@nb.njit(parallel=True, cache=True)
def compress_fields(block, keep, fields, offsets, out):
    """out[j, i] = block[s, k, fields[j]] for the i-th (s, k) with keep[s, k] in row-major order (the order of
    ``np.nonzero(keep)``); ``offsets[s]`` = kept entries before series s. Field-major output, so every field
    is one contiguous column."""
    n_series, n_days = keep.shape
    for s in nb.prange(n_series):
        pos = offsets[s]
        for k in range(n_days):
            if keep[s, k]:
                for j in range(fields.shape[0]):
                    out[j, pos] = block[s, k, fields[j]]
                pos += 1


@nb.njit(cache=True)
def first_in_band_run(series, day, value, first_row, ep_series, low, high, k, out, confirmed):
    """For each episode e: scanning the rows of series ``ep_series[e]`` from ``first_row[e]`` (sorted by series,
    day), the day opening the first run of ``k`` consecutive rows with low[e] ≤ value ≤ high[e] (``out``) and
    the day of that run's k-th row (``confirmed``); −1 if none."""
    n = series.shape[0]
    for e in range(first_row.shape[0]):
        out[e] = -1
        confirmed[e] = -1
        run = 0
        opened = -1
        i = first_row[e]
        while i < n and series[i] == ep_series[e]:
            v = value[i]
            if v >= low[e] and v <= high[e]:
                if run == 0:
                    opened = day[i]
                run += 1
                if run >= k:
                    out[e] = opened
                    confirmed[e] = day[i]
                    break
            else:
                run = 0
            i += 1

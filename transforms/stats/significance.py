"""p-values from the window statistics the kernels produce (``transforms.stats.kernels``), vectorised.

Exact p-values depend only on sample sizes and the statistic, so they are computed once per distinct tuple
and broadcast: KS by the exact lattice-path recursion compiled with numba, Mann–Whitney (samples of 8 or fewer
without ties) by scipy's exact distribution, one call per sample-size pair, cached. The t distribution of the
shift test is evaluated on every core (``on_every_core``). Tests compare every column with scipy window by window.
"""

from __future__ import annotations

import itertools
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import special
from scipy import stats as sps

from transforms.machine import usable_cores
from transforms.stats.kernels import bh_by_group, ks_exact_pvalues

_MW_EXACT_CACHE: dict[tuple[int, int, int], float] = {}
_SPLIT_ABOVE = 200_000  # elements: below this, one thread (starting the others costs more than it saves)


def on_every_core(ufunc, *arrays: np.ndarray) -> np.ndarray:
    """``ufunc(*arrays)`` evaluated in one slice per usable core, on threads: scipy.special's ufuncs release the
    GIL, so the slices run at once; element for element the same result as one call. The threads live for the
    call only (nothing is left running across a fork)."""
    arrays = np.broadcast_arrays(*arrays)
    cores = usable_cores()
    if cores == 1 or arrays[0].ndim != 1 or len(arrays[0]) < _SPLIT_ABOVE:
        return ufunc(*arrays)
    out = np.empty(len(arrays[0]))
    bounds = np.linspace(0, len(out), cores + 1).astype(int)
    with ThreadPoolExecutor(cores, thread_name_prefix="ufunc") as pool:
        slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
        for done in [pool.submit(ufunc, *(a[sl] for a in arrays), out=out[sl]) for sl in slices]:
            done.result()  # raises what the slice raised
    return out


def distinct_keys(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encode integer tuples as one int64 key; returns (unique keys, first row of each, inverse index)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        key = key * 100_003 + col.astype(np.int64)
    return np.unique(key, return_index=True, return_inverse=True)


def ks_pvalues(n_a, n_b, gap) -> np.ndarray:
    """Two-sided exact KS p-value for D = gap / (n_a·n_b), as ``scipy.stats.ks_2samp`` (method ``auto``)
    computes it for these sample sizes: the lattice-path probability (``kernels.ks_exact_pvalues``) once per
    distinct (n_a, n_b, gap); where scipy's equal-size closed form leaves [0, 1] it falls back, as scipy does,
    to the asymptotic ``kstwo.sf(D, round(n_a n_b / (n_a + n_b)))``."""
    p = np.full(len(gap), np.nan)
    ok = ~np.isnan(gap)
    if not ok.any():
        return p
    na, nb, k = n_a[ok].astype(np.int64), n_b[ok].astype(np.int64), gap[ok].astype(np.int64)
    _, first, inverse = distinct_keys(na, nb, k)
    pu = ks_exact_pvalues(na[first], nb[first], k[first])
    fallback = np.isnan(pu)
    if fallback.any():
        m, n = na[first][fallback], nb[first][fallback]
        pu[fallback] = sps.kstwo.sf(k[first][fallback] / (m * n), np.round(m * n / (m + n)))
    p[ok] = pu[inverse.ravel()]
    return p


def mannwhitney_pvalues(u_a, n_a, n_b, tie_term, any_tie, windows_of) -> np.ndarray:
    """Two-sided Mann–Whitney p-value as ``scipy.stats.mannwhitneyu`` (method ``auto``, continuity
    correction): exact when a sample has 8 or fewer values and there are no ties (scipy's exact distribution,
    computed once per distinct (n_a, n_b, U) and cached), else the normal approximation with tie correction:
    U = max(U_a, n_a n_b − U_a), μ = n_a n_b / 2, σ² = n_a n_b / 12 · ((n + 1) − Σ(t³ − t) / (n (n − 1))),
    z = (U − μ − ½) / σ, p = min(1, 2·(1 − Φ(z)))."""
    ok = ~np.isnan(u_a)
    n = n_a + n_b
    u = np.maximum(u_a, n_a * n_b - u_a)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(n_a * n_b / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        z = (u - n_a * n_b / 2 - 0.5) / sigma
    p = np.minimum(1.0, 2 * special.ndtr(-z))
    exact = np.flatnonzero(ok & ~((n_a > 8) & (n_b > 8)) & (any_tie == 0))
    if len(exact):
        na, nb, u2 = n_a[exact].astype(np.int64), n_b[exact].astype(np.int64), (2 * u_a[exact]).astype(np.int64)
        _, first, inverse = distinct_keys(na, nb, u2)
        keys = [(int(na[i]), int(nb[i]), int(u2[i])) for i in first]  # a few thousand at most: distinct tuples
        _fill_exact_cache([(key, exact[i]) for key, i in zip(keys, first) if key not in _MW_EXACT_CACHE], windows_of)
        p[exact] = np.array([_MW_EXACT_CACHE[key] for key in keys])[inverse.ravel()]
    p[~ok] = np.nan
    return p


def _fill_exact_cache(missing: list[tuple[tuple[int, int, int], int]], windows_of) -> None:
    """scipy's exact Mann–Whitney p-value for each (n_a, n_b, 2U) key of ``missing`` (key, a row with that
    key), into _MW_EXACT_CACHE: one ``scipy.stats.mannwhitneyu`` call per sample-size pair over the stacked
    windows of all its keys (its exact distribution is then built once per pair, not once per key)."""
    by_sizes: dict[tuple[int, int], list[tuple[tuple[int, int, int], int]]] = {}
    for key, row in missing:
        by_sizes.setdefault(key[:2], []).append((key, row))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for batch in by_sizes.values():
            windows = [windows_of(row) for _, row in batch]
            recent, baseline = np.array([w[0] for w in windows]), np.array([w[1] for w in windows])
            pvalues = sps.mannwhitneyu(recent, baseline, axis=-1, method="exact").pvalue
            _MW_EXACT_CACHE.update(zip([key for key, _ in batch], np.atleast_1d(pvalues).tolist()))


def mann_kendall_pvalues(s: np.ndarray, var: np.ndarray, n: np.ndarray, min_n: int) -> np.ndarray:
    """Two-sided Mann–Kendall trend test: z = (S − sign S) / √Var(S) with the tie-corrected
    Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18, p = 2·(1 − Φ(|z|)); NaN with fewer than ``min_n`` days."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s - np.sign(s)) / np.sqrt(var)
    p = 2 * special.ndtr(-np.abs(z))
    return np.where((n >= min_n) & (var > 0), p, np.nan)


def ar1_inflation(n: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Variance inflation of the mean of n consecutive AR(1) values, f = 1 + 2 Σ_{k<n} (1 − k/n) φ^k
    = (1 + φ)/(1 − φ) − 2φ(1 − φⁿ) / (n (1 − φ)²)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (1 + phi) / (1 - phi) - 2 * phi * (1 - phi**n) / (n * (1 - phi) ** 2)
    return np.where(phi > 0, f, 1.0)


def shift_test(
    recent_tmean, n_recent, base_tmean, base_wvar, n_days, lag1, lag1_pairs, margin_se: float, trim: float = 0.2
):
    """Autocorrelation-adjusted Yuen–Tukey test of recent vs baseline level (the p-value used for flagging).

    φ̂ = (n r₁ + 1)/(n − 3)   (r₁ lag-1 autocorrelation of the baseline window, bias-corrected as for AR(1))
    φ  = clip(φ̂ + margin · √((1 − φ̂²)/pairs), 0, 0.95)
    f(n, φ) = 1 + 2 Σ_{k<n} (1 − k/n) φ^k                  (variance inflation of an n-day mean)
    SE = s_w / (1 − 2γ) · √(f(n_r, φ)/n_r + f(n_b, φ)/n_b)   (s_w² winsorized variance of the baseline, γ = 0.2)
    t  = (trimmed_mean_recent − trimmed_mean_baseline) / SE
    df = n_r/f_r + n_b/f_b − 2   (effective sample sizes),  p = 2·P(T_df > |t|)

    20 %-trimmed means keep the test robust to outlying days at about 94 % of a mean's efficiency (a median
    test loses a third of the power). Ignoring the positive correlation between the adjacent windows overstates
    SE, which keeps the test conservative; on AR(1) nulls with φ = 0–0.8 its false-positive rate stays at or
    below nominal (tests/transforms/stats/test_calibration.py). Returns (SE, p, φ used)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        phi_hat = (n_days * lag1 + 1) / (n_days - 3)
        se_phi = np.sqrt(np.maximum(1 - np.nan_to_num(phi_hat) ** 2, 0.05) / np.maximum(lag1_pairs, 1))
        phi = np.clip(np.nan_to_num(phi_hat, nan=0.0) + margin_se * se_phi, 0.0, 0.95)
        f_r, f_b = ar1_inflation(n_recent, phi), ar1_inflation(n_days, phi)
        se = np.sqrt(base_wvar) / (1 - 2 * trim) * np.sqrt(f_r / n_recent + f_b / n_days)
        t = (recent_tmean - base_tmean) / se
        df = np.maximum(n_recent / f_r + n_days / f_b - 2, 1.0)
        p = 2 * on_every_core(special.stdtr, df, -np.abs(t))  # the dearest step: ~300 ns a row
    valid = (se > 0) & np.isfinite(t)
    return np.where(valid, se, np.nan), np.where(valid, p, np.nan), phi


def persistent(condition: np.ndarray, min_days: int) -> np.ndarray:
    """True where ``condition`` (series × consecutive days) has held on at least ``min_days`` consecutive
    days ending that day. One vectorised step per day, never per series."""
    run = np.zeros(condition.shape[0], dtype=np.int64)
    out = np.zeros(condition.shape, dtype=bool)
    for k in range(condition.shape[1]):
        run = (run + 1) * condition[:, k]
        out[:, k] = run >= min_days
    return out


def bh_by_codes(pvalues: np.ndarray, group_codes: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values within each group, the groups given as non-negative integer codes
    (NaN p-values ignored):

    for the m p-values of a group sorted ascending p_(1) ≤ … ≤ p_(m),
    q_(i) = min_{j ≥ i} min(1, p_(j) · m / j) — the same as ``scipy.stats.false_discovery_control``.
    """
    p = np.asarray(pvalues, dtype="float64")
    order = np.argsort(group_codes, kind="stable")
    codes = group_codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(p) else np.array([], dtype=np.int64)
    q = np.empty_like(p)
    q[order] = bh_by_group(p[order], np.r_[starts, len(p)].astype(np.int64))
    return q

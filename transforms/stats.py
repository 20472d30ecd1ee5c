"""Vectorised two-sample statistics over many (recent, baseline) pairs, and FDR control.

Each function works on rows of NaN-padded arrays so that millions of participant·metric·day tests run as
a few NumPy operations; tests in tests/transforms compare them with scipy one pair at a time.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps


def ks_2samp_rows(a: np.ndarray, b: np.ndarray, min_a: int = 1, min_b: int = 1):
    """Two-sample Kolmogorov–Smirnov test of each row of ``a`` against the same row of ``b``.

    D = sup_x |F_a(x) − F_b(x)| over the pooled sample, evaluated at the last of each run of tied
    values; kept as the integer k = n_a·n_b·D so that D and its p-value are exact. The two-sided p-value
    depends only on (n_a, n_b, k): it is computed once per distinct triple with
    ``scipy.stats.ks_2samp`` (its default ``method="auto"``: exact for these sample sizes, asymptotic
    where scipy's exact computation does not converge) and broadcast.
    Rows with fewer than ``min_a``/``min_b`` values give NaN. Returns ``(D, p, n_a, n_b)``.
    """
    pooled = np.concatenate([a, b], axis=1)
    from_a = np.zeros(pooled.shape, dtype=bool)
    from_a[:, : a.shape[1]] = True
    order = np.argsort(pooled, axis=1, kind="stable")
    vals = np.take_along_axis(pooled, order, axis=1)
    fa = np.take_along_axis(from_a, order, axis=1)
    valid = ~np.isnan(vals)
    ca = np.cumsum(fa & valid, axis=1, dtype=np.int64)
    cb = np.cumsum(~fa & valid, axis=1, dtype=np.int64)
    na, nb = ca[:, -1], cb[:, -1]
    tie_end = np.ones(vals.shape, dtype=bool)
    tie_end[:, :-1] = vals[:, :-1] != vals[:, 1:]
    gap = np.abs(ca * nb[:, None] - cb * na[:, None])
    k = np.where(valid & tie_end, gap, 0).max(axis=1, initial=0)

    ok = (na >= max(min_a, 1)) & (nb >= max(min_b, 1))
    stat = np.full(len(a), np.nan)
    stat[ok] = k[ok] / (na[ok] * nb[ok])
    pvalue = np.full(len(a), np.nan)
    if ok.any():
        idx = np.flatnonzero(ok)
        triples = np.stack([na[idx], nb[idx], k[idx]], axis=1)
        uniq, first, inverse = np.unique(triples, axis=0, return_index=True, return_inverse=True)
        p_uniq = np.empty(len(uniq))
        with warnings.catch_warnings():  # scipy warns when it falls back from exact to asymptotic
            warnings.simplefilter("ignore", RuntimeWarning)
            for j, row in enumerate(idx[first]):  # one scipy call per distinct (n_a, n_b, k), not per row
                x, y = a[row], b[row]
                p_uniq[j] = sps.ks_2samp(x[~np.isnan(x)], y[~np.isnan(y)]).pvalue
        pvalue[idx] = p_uniq[inverse.ravel()]
    return stat, pvalue, na, nb


def bh_qvalues(pvalues: np.ndarray, groups) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values within each group (NaN p-values ignored):

    for the m p-values of a group sorted ascending p_(1) ≤ … ≤ p_(m),
    q_(i) = min_{j ≥ i} min(1, p_(j) · m / j) — the same as ``scipy.stats.false_discovery_control``.
    """
    p = np.asarray(pvalues, dtype="float64")
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return q
    frame = pd.DataFrame({"g": pd.Series(groups)[ok].to_numpy(), "p": p[ok], "pos": np.flatnonzero(ok)})
    frame = frame.sort_values(["g", "p"], ascending=[True, False], kind="stable")
    m = frame.groupby("g", sort=False)["p"].transform("size").to_numpy()
    rank_desc = frame.groupby("g", sort=False).cumcount().to_numpy()
    rank = m - rank_desc
    frame["q"] = np.minimum(1.0, frame["p"].to_numpy() * m / rank)
    frame["q"] = frame.groupby("g", sort=False)["q"].cummin()
    # q ≥ p holds exactly; p·m/rank can round one ulp below p when rank = m
    q[frame["pos"].to_numpy()] = np.maximum(frame["q"].to_numpy(), frame["p"].to_numpy())
    return q

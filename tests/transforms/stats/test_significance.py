"""p-value helpers against scipy and plain references."""

import numpy as np
import pytest
from scipy import special, stats

from transforms.stats import significance
from transforms.stats.significance import (
    ar1_inflation,
    bh_by_codes,
    mann_kendall_pvalues,
    mannwhitney_pvalues,
    on_every_core,
)


def test_bh_matches_scipy_per_group():
    rng = np.random.default_rng(5)
    p = rng.random(400) ** 2
    p[rng.random(400) < 0.1] = np.nan
    groups = rng.integers(0, 30, 400)
    q = bh_by_codes(p, groups)
    for g in np.unique(groups):
        sel = (groups == g) & ~np.isnan(p)
        if sel.any():
            np.testing.assert_allclose(q[sel], stats.false_discovery_control(p[sel]), rtol=1e-12)
    assert np.isnan(q[np.isnan(p)]).all()
    assert (q[~np.isnan(p)] >= p[~np.isnan(p)]).all()


@pytest.mark.parametrize("phi", [0.0, 0.3, 0.8])
@pytest.mark.parametrize("n", [1, 7, 14, 56])
def test_ar1_inflation_closed_form_equals_the_sum(phi, n):
    direct = 1 + 2 * sum((1 - k / n) * phi**k for k in range(1, n))
    assert ar1_inflation(np.array([n]), np.array([phi]))[0] == pytest.approx(direct)


def mann_kendall_reference(y):
    """Plain Mann–Kendall: S, tie-corrected variance, continuity-corrected normal p."""
    n = len(y)
    s = sum(np.sign(y[j] - y[i]) for i in range(n) for j in range(i + 1, n))
    _, counts = np.unique(y, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in counts)) / 18
    z = (s - np.sign(s)) / np.sqrt(var)
    return 2 * stats.norm.sf(abs(z)), s, var


def test_mann_kendall_matches_reference_and_kendall_tau_direction():
    rng = np.random.default_rng(2)
    for _ in range(50):
        n = rng.integers(10, 29)
        y = np.round(rng.normal(size=n) + 0.05 * np.arange(n), 1)
        ref_p, s, var = mann_kendall_reference(y)
        p = mann_kendall_pvalues(np.array([s]), np.array([var]), np.array([len(y)]), 10)[0]
        assert p == pytest.approx(ref_p, rel=1e-12)
        tau = stats.kendalltau(np.arange(len(y)), y).statistic
        assert np.sign(tau) == np.sign(s)


def test_on_every_core_equals_one_call():
    rng = np.random.default_rng(2)
    df = rng.uniform(1, 60, 450_001)  # above the split threshold, and not a multiple of the core count
    t = rng.normal(0, 3, len(df))
    t[::11] = np.nan
    np.testing.assert_array_equal(on_every_core(special.stdtr, df, t), special.stdtr(df, t))
    np.testing.assert_array_equal(on_every_core(special.stdtr, 5.0, t), special.stdtr(5.0, t))  # broadcast
    assert on_every_core(special.stdtr, np.array([3.0]), np.array([0.0]))[0] == 0.5  # small: one call


def test_exact_mann_whitney_equals_scipy_window_by_window(monkeypatch):
    """The exact p-values are computed per sample-size pair over stacked windows: each equals scipy's own call
    on that window alone, bit for bit, whether or not the key was cached."""
    monkeypatch.setattr(significance, "_MW_EXACT_CACHE", {})
    rng = np.random.default_rng(4)
    windows = []
    for _ in range(300):
        n_a, n_b = int(rng.integers(1, 9)), int(rng.integers(5, 40))  # a sample of ≤ 8: the exact region
        windows.append((rng.normal(size=n_a), rng.normal(rng.normal(0, 0.7), 1, size=n_b)))  # no ties
    windows += windows[:40]  # repeated keys
    rng.shuffle(windows)
    n_a = np.array([len(r) for r, _ in windows], dtype=float)
    n_b = np.array([len(b) for _, b in windows], dtype=float)
    u_a = np.array([stats.mannwhitneyu(r, b).statistic for r, b in windows])
    zeros = np.zeros(len(windows))
    for _ in range(2):  # cold, then from the cache
        p = mannwhitney_pvalues(u_a, n_a, n_b, zeros, zeros, lambda i: windows[i])
        assert [float(x) for x in p] == [stats.mannwhitneyu(r, b).pvalue for r, b in windows]

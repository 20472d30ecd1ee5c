"""p-value helpers against scipy and plain references."""

import numpy as np
import pytest
from scipy import stats

from transforms.stats.significance import ar1_inflation, bh_by_codes, mann_kendall_pvalues


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

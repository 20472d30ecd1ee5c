"""Vectorised two-sample statistics equal scipy's, one pair at a time."""

import numpy as np
import pytest
from scipy import stats

from transforms.stats import bh_qvalues, ks_2samp_rows


def padded(rng, n_rows, width, missing, decimals=None, loc=0.0):
    x = rng.normal(loc, 1.0, size=(n_rows, width))
    if decimals is not None:
        x = np.round(x, decimals)  # ties
    x[rng.random(x.shape) < missing] = np.nan
    return x


@pytest.mark.parametrize("decimals", [None, 1, 0])
def test_ks_matches_scipy_row_by_row(decimals):
    rng = np.random.default_rng(3)
    a = padded(rng, 300, 14, 0.25, decimals, loc=0.4)
    b = padded(rng, 300, 56, 0.25, decimals)
    d, p, na, nb = ks_2samp_rows(a, b)
    for i in range(len(a)):
        x, y = a[i][~np.isnan(a[i])], b[i][~np.isnan(b[i])]
        ref = stats.ks_2samp(x, y)
        assert na[i] == len(x) and nb[i] == len(y)
        assert d[i] == pytest.approx(ref.statistic, abs=1e-12)
        assert p[i] == pytest.approx(ref.pvalue, rel=1e-12)


def test_ks_rows_below_minimum_sizes_are_nan():
    a = np.array([[1.0, 2.0, np.nan], [1.0, 2.0, 3.0]])
    b = np.array([[0.5, 1.5, 2.5, 3.5], [0.5, np.nan, np.nan, np.nan]])
    d, p, na, nb = ks_2samp_rows(a, b, min_a=3, min_b=2)
    assert np.isnan(d).all() and np.isnan(p).all()
    assert na.tolist() == [2, 3] and nb.tolist() == [4, 1]


def test_ks_detects_a_shift():
    rng = np.random.default_rng(0)
    d, p, _, _ = ks_2samp_rows(rng.normal(3, 1, (1, 14)), rng.normal(0, 1, (1, 56)))
    assert p[0] < 1e-4 and d[0] > 0.7


def test_bh_matches_scipy_per_group():
    rng = np.random.default_rng(5)
    p = rng.random(400) ** 2
    p[rng.random(400) < 0.1] = np.nan
    groups = rng.integers(0, 30, 400)
    q = bh_qvalues(p, groups)
    for g in np.unique(groups):
        sel = (groups == g) & ~np.isnan(p)
        if sel.any():
            np.testing.assert_allclose(q[sel], stats.false_discovery_control(p[sel]), rtol=1e-12)
    assert np.isnan(q[np.isnan(p)]).all()

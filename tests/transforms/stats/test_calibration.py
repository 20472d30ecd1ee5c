"""Calibration: on autocorrelated series with no shift, the flagging p-value keeps its nominal
false-positive rate and the flag rate stays at or below the configured level; a plain KS does not."""

import numpy as np
import pytest

from transforms import vocabulary
from transforms.synthetic.evaluation import null_rates

WIN = vocabulary.windows()


@pytest.mark.slow
@pytest.mark.parametrize("phi", [0.0, 0.5, 0.65, 0.8])
def test_flags_hold_their_level_on_ar1_nulls(phi):
    rates = null_rates(phi, seed=int(phi * 100))
    n = rates["n"]
    assert n > 4500
    tolerance = 2 * np.sqrt(0.05 * 0.95 / n)  # two Monte-Carlo standard errors
    assert rates["shift_p<0.05"] <= 0.05 + tolerance
    assert rates["shift_p<0.01"] <= 0.01 + 2 * np.sqrt(0.01 * 0.99 / n)
    assert rates["flagged"] <= WIN.fdr_alpha
    if phi >= 0.5:  # the independence-assuming tests over-flag on the same series (why they do not flag)
        assert rates["ks_p<0.05"] > 0.10 and rates["mw_p<0.05"] > 0.10

"""Calibration: on autocorrelated series with no shift, the drift detector alarms at its nominal rate with
the baselines, scale and φ estimated as in production (its thresholds come from a simulation that includes
that estimation error); the fixed-window shift test keeps its p-value level; a plain KS does not."""

import numpy as np
import pytest

from transforms import vocabulary
from transforms.evaluation.calibration import null_panel, onset_rate
from transforms.evaluation.shift_calibration import null_rates
from transforms.stats.alarm_thresholds import calibration
from transforms.stats.sequential import S_HIST, S_PHI, S_STAT, sequential_block

WIN = vocabulary.windows()


@pytest.mark.slow
@pytest.mark.parametrize("phi", [0.0, 0.45, 0.8])
@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_the_detector_alarms_at_its_nominal_rate_on_ar1_nulls(phi, rate):
    # 3000 series × 600 scored days ≈ 4,900 series-years: at 0.1/yr ≈ 490 expected onsets (Monte-Carlo SE
    # 4.5 %), at 0.5/yr ≈ 2,450 (2 %); seeds differ from the calibration's, so this is an independent check
    history = WIN.scale_days + WIN.recent_days - 1
    x = null_panel(phi, 3000, history + 600, seed=9000 + int(phi * 100))
    block = sequential_block(x, history, 600, WIN)
    h = calibration(WIN).thresholds(block[:, :, S_PHI], block[:, :, S_HIST], np.full(block.shape[:2], rate))
    measured = onset_rate(block[:, :, S_STAT], h)
    assert 0.75 * rate <= measured <= 1.25 * rate, measured


@pytest.mark.slow
@pytest.mark.parametrize("phi", [0.0, 0.5, 0.8])
def test_the_shift_test_holds_its_level_on_ar1_nulls(phi):
    rates = null_rates(phi, seed=int(phi * 100))
    n = rates["n"]
    assert n > 4500
    tolerance = 2 * np.sqrt(0.05 * 0.95 / n)  # two Monte-Carlo standard errors
    assert rates["shift_p<0.05"] <= 0.05 + tolerance
    assert rates["shift_p<0.01"] <= 0.01 + 2 * np.sqrt(0.01 * 0.99 / n)
    if phi >= 0.5:  # the independence-assuming tests over-flag on the same series (why they do not flag)
        assert rates["ks_p<0.05"] > 0.10 and rates["mw_p<0.05"] > 0.10

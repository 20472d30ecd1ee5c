"""The threshold lookup reads the calibration table as its docstring says: exact on grid points, linear in
history, φ̂ and log rate between them, linear in log rate beyond the grid, clipped in φ̂ and long histories,
no threshold below the shortest history; a table for other windows is refused naming the key."""

from dataclasses import replace

import numpy as np
import pytest

from transforms import vocabulary
from transforms.stats.alarm_thresholds import PACKAGED, calibration, read_table

WIN = vocabulary.windows()


def test_grid_points_interpolation_and_edges():
    c = calibration(WIN)
    _, table = read_table(PACKAGED)
    row = table.sample(20, random_state=1)
    got = c.thresholds(row["phi"], row["history_days"], row["alarms_per_year"])
    np.testing.assert_allclose(got, row["threshold"], rtol=1e-12)

    def h(phi, history, rate):
        return float(c.thresholds([phi], [history], [rate])[0])

    assert h(0.45, 168, 0.1) == pytest.approx((h(0.4, 168, 0.1) + h(0.5, 168, 0.1)) / 2)
    assert h(0.4, 70, 0.1) == pytest.approx((h(0.4, 56, 0.1) + h(0.4, 84, 0.1)) / 2)
    mid = np.sqrt(0.1 * 0.2)  # halfway in log rate
    assert h(0.4, 168, mid) == pytest.approx((h(0.4, 168, 0.1) + h(0.4, 168, 0.2)) / 2)
    # beyond the rate grid: the line through its two outermost points, in log rate
    below = h(0.4, 168, 0.005)
    assert below == pytest.approx(h(0.4, 168, 0.01) + (h(0.4, 168, 0.01) - h(0.4, 168, 0.02)))
    assert h(0.99, 168, 0.1) == h(0.9, 168, 0.1) and h(-0.7, 168, 0.1) == h(-0.2, 168, 0.1)
    assert h(0.4, 400, 0.1) == h(0.4, 168, 0.1)
    assert np.isnan(h(0.4, 27, 0.1)) and np.isnan(h(np.nan, 168, 0.1))


def test_a_table_for_other_windows_is_refused_naming_the_key():
    with pytest.raises(ValueError, match="recent_days = 7 but the alarm thresholds"):
        calibration(replace(WIN, recent_days=7))

"""Sleep regularity (transforms/stats/regularity.py) against a direct computation."""

import numpy as np
import pandas as pd
import pytest

from transforms.stats.regularity import sleep_regularity


def test_sleep_regularity_is_a_robust_sd_of_the_midpoint_over_14_nights():
    rng = np.random.default_rng(11)
    days = pd.date_range("2025-01-01", periods=60)
    mid = 180 + rng.normal(0, 30, len(days))
    mid[40] += 400  # one very late night
    keep = rng.random(len(days)) > 0.15
    frame = pd.DataFrame({"participant_id": "p1", "day": days[keep], "value": mid[keep]})
    start, end = days[20], days[-1]
    out = sleep_regularity(frame, start, end).set_index("day")["value"]
    series = pd.Series(mid, index=days).where(keep)
    for day in pd.date_range(start, end):
        window = series[day - pd.Timedelta(days=13) : day].dropna().to_numpy()
        if len(window) < 10:
            assert day not in out.index
            continue
        expected = 1.4826 * np.median(np.abs(window - np.median(window)))
        assert out[day] == pytest.approx(expected, rel=1e-12)
    # robust: the one late night barely moves it, unlike a plain SD
    around = out[days[40] : days[45]]
    assert around.max() < 2 * out[days[30] : days[39]].max()

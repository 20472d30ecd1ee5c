"""The reference detectors on hand-made series: NightSignal's alert rule (two consecutive days at or above the
truncated expanding median + threshold, a one-day hole filled from its neighbours) and the RHR-Diff-style z."""

import numpy as np
import pandas as pd

from transforms.evaluation.reference import nightsignal_flags, rhr_diff_flags

DAYS = pd.date_range("2025-01-01", periods=30)


def _daily(values):
    v = np.asarray(values, dtype=float)
    keep = ~np.isnan(v)
    return pd.DataFrame(
        {"participant_id": "p", "day": DAYS[: len(v)][keep], "metric": "resting_hr_bpm", "value": v[keep]}
    )


def test_nightsignal_alerts_on_the_second_consecutive_high_day():
    values = [60.0] * 10 + [64.9, 65.2, 65.0, 60.0]
    flags = nightsignal_flags(_daily(values), 4.0)
    # 64.9 truncates to 64 = median 60 + 4: potential; 65 on day 11 too → alert on days 11 and 12
    assert flags["day"].tolist() == [DAYS[11], DAYS[12]] and set(flags["direction"]) == {"up"}
    # at +5, 64 is not potential: only the 65, 65 pair alerts, on its second day
    assert nightsignal_flags(_daily(values), 5.0)["day"].tolist() == [DAYS[12]]


def test_nightsignal_fills_a_one_day_hole_from_its_neighbours():
    values = [60.0] * 10 + [66.0, np.nan, 66.0]
    flags = nightsignal_flags(_daily(values), 4.0)
    # day 11 (filled with 66) is potential, so day 12 alerts; the filled day itself is never an alert
    assert flags["day"].tolist() == [DAYS[12]]


def test_rhr_diff_standardizes_by_the_28_days_before():
    rng = np.random.default_rng(1)
    values = 60 + rng.normal(0, 1, 30)
    values[29] = values[1:29].mean() + 2.5 * values[1:29].std(ddof=1)
    flags = rhr_diff_flags(_daily(values), z=2.4)
    assert DAYS[29] in set(flags["day"])
    assert DAYS[29] not in set(rhr_diff_flags(_daily(values), z=2.6)["day"])

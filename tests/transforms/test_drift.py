"""Drift statistics equal scipy on the actual windows; flags need sufficient data, significance and size."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from transforms.baselines import compute_baselines
from transforms.drift import compute_drift
from transforms.vocabulary import Windows

from tests.transforms.test_baselines import WIN, random_daily, reference


def recent(daily, participant, metric, day, win):
    s = daily[(daily.participant_id == participant) & (daily.metric == metric)].set_index("day")["value"]
    day = pd.Timestamp(day)
    return s[(s.index > day - pd.Timedelta(days=win.recent_days)) & (s.index <= day)].to_numpy()


def run(daily, start, end, win=WIN):
    base = compute_baselines(daily, start, end, win)
    return base, compute_drift(daily, base, start, end, win)


def test_statistics_match_scipy():
    daily = random_daily(seed=2)
    base, drift = run(daily, "2025-02-10", "2025-04-30")
    assert len(drift) == len(base)
    for row in drift.sample(120, random_state=0).itertuples():
        b = reference(daily, row.participant_id, row.metric, row.day, WIN)
        r = recent(daily, row.participant_id, row.metric, row.day, WIN)
        assert row.n_recent == len(r)
        med, mad = np.median(b), stats.median_abs_deviation(b, scale="normal")
        assert row.baseline_median == pytest.approx(med)
        assert row.recent_median == pytest.approx(np.median(r))
        assert row.recent_z == pytest.approx((np.median(r) - med) / mad, rel=1e-4)
        if not np.isnan(row.value):
            assert row.robust_z == pytest.approx((row.value - med) / mad, rel=1e-4)
        if len(r) >= WIN.min_recent_days and len(b) >= WIN.min_baseline_days:
            ref = stats.ks_2samp(r, b)
            assert row.ks_stat == pytest.approx(ref.statistic)
            assert row.ks_p == pytest.approx(ref.pvalue)
        else:
            assert np.isnan(row.ks_p) and not row.flagged


def test_q_values_are_bh_across_a_participants_metrics_per_day():
    daily = random_daily(seed=6, metrics=("resting_hr_bpm", "steps", "sleep_minutes", "hrv_rmssd_ms"))
    _, drift = run(daily, "2025-03-01", "2025-03-20")
    for _, group in drift.dropna(subset=["ks_p"]).groupby(["participant_id", "day"]):
        np.testing.assert_allclose(group["q_value"], stats.false_discovery_control(group["ks_p"]))


def test_a_real_shift_is_flagged_with_direction_and_noise_mostly_is_not():
    rng = np.random.default_rng(9)
    days = pd.date_range("2025-01-01", periods=100)
    shifted = 60 + rng.normal(0, 2, 100) + np.where(np.arange(100) >= 93, 8.0, 0.0)  # the last 7 days (recent window)
    flat = 60 + rng.normal(0, 2, 100)
    daily = pd.concat([
        pd.DataFrame({"participant_id": "shift", "day": days, "metric": "resting_hr_bpm", "value": shifted}),
        pd.DataFrame({"participant_id": "flat", "day": days, "metric": "resting_hr_bpm", "value": flat}),
    ])
    _, drift = run(daily, days[-1], days[-1])
    by = drift.set_index("participant_id")
    assert by.loc["shift", "flagged"] and by.loc["shift", "direction"] == "up"
    assert by.loc["shift", "ks_p"] < 1e-4
    assert not by.loc["flat", "flagged"] and pd.isna(by.loc["flat", "direction"])


def test_insufficient_baseline_gives_nulls_and_no_flag():
    days = pd.date_range("2025-01-01", periods=45)
    values = np.r_[np.full(38, 50.0) + np.arange(38) % 3, np.full(7, 500.0)]  # 38 days then a huge jump
    daily = pd.DataFrame({"participant_id": "p", "day": days, "metric": "steps", "value": values})
    win = Windows(baseline_days=56, recent_days=7, min_coverage=0.5, min_baseline_days=40, min_recent_days=4,
                  fdr_alpha=0.05, min_effect_robust_sd=1.0)
    _, drift = run(daily, days[-1], days[-1], win)
    row = drift.iloc[0]
    assert np.isnan(row.ks_p) and np.isnan(row.q_value) and not row.flagged


def test_zero_mad_gives_null_z_not_infinity():
    days = pd.date_range("2025-01-01", periods=40)
    daily = pd.DataFrame({"participant_id": "p", "day": days, "metric": "sedentary_minutes",
                          "value": np.r_[np.full(33, 1440.0), np.full(7, 600.0)]})
    _, drift = run(daily, days[-1], days[-1])
    assert np.isnan(drift.iloc[0].robust_z) and np.isnan(drift.iloc[0].recent_z)
    assert not drift.iloc[0].flagged


def test_empty_input_gives_empty_typed_frames():
    daily = pd.DataFrame({"participant_id": pd.Series(dtype="string"), "day": pd.Series(dtype="datetime64[s]"),
                          "metric": pd.Series(dtype="string"), "value": pd.Series(dtype="float64")})
    base, drift = run(daily, "2025-03-01", "2025-03-05")
    assert base.empty and drift.empty
    assert list(drift.columns)[:4] == ["participant_id", "day", "metric", "value"]

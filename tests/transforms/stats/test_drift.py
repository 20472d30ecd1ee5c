"""Every drift statistic equals scipy (or a plain reference) window by window, on random series with gaps,
ties and short windows; flags come from the sequential detector, need sufficient data and share the
participant's false-alarm budget."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from tests.transforms.stats.test_baselines import WIN, random_daily, reference
from tests.transforms.stats.test_significance import mann_kendall_reference
from transforms import vocabulary
from transforms.stats.baselines import BASELINE_COLUMNS, compute_baselines
from transforms.stats.drift import DRIFT_COLUMNS, compute_drift
from transforms.vocabulary import Windows


def series(daily, participant, metric):
    return daily[(daily.participant_id == participant) & (daily.metric == metric)].set_index("day")["value"]


def recent(daily, participant, metric, day, win):
    s = series(daily, participant, metric)
    day = pd.Timestamp(day)
    return s[(s.index > day - pd.Timedelta(days=win.recent_days)) & (s.index <= day)].to_numpy()


def trend(daily, participant, metric, day, win):
    s = series(daily, participant, metric)
    day = pd.Timestamp(day)
    s = s[(s.index > day - pd.Timedelta(days=win.trend_days)) & (s.index <= day)]
    return (s.index - s.index.min()).days.to_numpy().astype(float), s.to_numpy()


def check_row(daily, row, win):
    b = reference(daily, row.participant_id, row.metric, row.day, win)
    r = recent(daily, row.participant_id, row.metric, row.day, win)
    assert row.n_recent == len(r)
    med, mad = np.median(b), stats.median_abs_deviation(b, scale="normal")
    assert row.baseline_median == pytest.approx(med)
    assert row.recent_median == pytest.approx(np.median(r))
    if mad > 0 and len(r):
        assert row.recent_z == pytest.approx((np.median(r) - med) / mad, rel=1e-4)
    if len(r) >= win.min_recent_days and len(b) >= win.min_baseline_days:
        if mad > 0:
            assert row.wasserstein == pytest.approx(stats.wasserstein_distance(r, b) / mad, rel=1e-4)
        ks = stats.ks_2samp(r, b)
        assert row.ks_stat == pytest.approx(ks.statistic, abs=1e-12)
        assert row.ks_p == pytest.approx(ks.pvalue, rel=1e-9)
        assert row.mw_p == pytest.approx(stats.mannwhitneyu(r, b).pvalue, rel=1e-9)
    else:
        assert np.isnan(row.ks_p) and np.isnan(row.mw_p) and np.isnan(row.shift_p) and not row.flagged
    t, y = trend(daily, row.participant_id, row.metric, row.day, win)
    if len(y) >= win.min_trend_days:
        assert row.slope_per_week == pytest.approx(7 * stats.theilslopes(y, t).slope, abs=1e-9)
        ref_p, _, _ = mann_kendall_reference(y)
        assert row.trend_p == pytest.approx(ref_p, rel=1e-9)
    else:
        assert np.isnan(row.slope_per_week) and np.isnan(row.trend_p)


def test_statistics_match_scipy():
    daily = random_daily(seed=2)
    drift = compute_drift(daily, "2025-02-10", "2025-04-30", WIN)
    baselines = compute_baselines(daily, "2025-02-10", "2025-04-30", WIN)
    assert list(drift.columns) == DRIFT_COLUMNS and list(baselines.columns) == BASELINE_COLUMNS
    assert len(drift) == len(baselines) and drift.index.is_unique
    for row in drift.sample(150, random_state=0).itertuples():
        check_row(daily, row, WIN)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    days=st.integers(20, 110),
    missing=st.floats(0, 0.7),
    decimals=st.sampled_from([0, 1, 3]),
)
def test_property_random_gaps_ties_and_short_series(seed, days, missing, decimals):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=days)
    keep = rng.random(days) >= missing
    daily = pd.DataFrame(
        {
            "participant_id": "p",
            "day": dates[keep],
            "metric": "steps",
            "value": np.round(rng.normal(50, 5, keep.sum()), decimals),
        }
    )
    if daily.empty:
        return
    drift = compute_drift(daily, dates[0], dates[-1], WIN)
    for row in drift.itertuples():
        check_row(daily, row, WIN)


def test_shift_p_follows_its_formula():
    """Recompute the Yuen–Tukey test from the raw windows: scipy trim_mean and winsorize, the AR(1)
    inflation as an explicit sum, Student t."""
    daily = random_daily(seed=8)
    base = compute_baselines(daily, "2025-03-01", "2025-03-10", WIN).set_index(["participant_id", "metric", "day"])
    drift = compute_drift(daily, "2025-03-01", "2025-03-10", WIN).dropna(subset=["shift_p"])
    for row in drift.head(40).itertuples():
        bl = base.loc[(row.participant_id, row.metric, row.day)]
        b = reference(daily, row.participant_id, row.metric, row.day, WIN)
        r = recent(daily, row.participant_id, row.metric, row.day, WIN)
        present = set(series(daily, row.participant_id, row.metric).index)
        first = pd.Timestamp(row.day) - pd.Timedelta(days=WIN.recent_days + WIN.baseline_days - 1)
        last = pd.Timestamp(row.day) - pd.Timedelta(days=WIN.recent_days)
        pairs = sum(1 for d in present if first <= d < last and d + pd.Timedelta(days=1) in present)
        n_b, r1 = len(b), bl["lag1_autocorr"]
        phi_hat = (n_b * r1 + 1) / (n_b - 3)
        phi = np.clip(phi_hat + 0.5 * np.sqrt(max(1 - phi_hat**2, 0.05) / pairs), 0, 0.95)
        f = lambda n, phi=phi: 1 + 2 * sum((1 - k / n) * phi**k for k in range(1, int(n)))  # noqa: E731
        g = int(np.floor(0.2 * n_b))
        sb = np.sort(b)
        winsorized = np.clip(sb, sb[g], sb[n_b - g - 1])
        se = np.sqrt(np.var(winsorized, ddof=1)) / 0.6 * np.sqrt(f(len(r)) / len(r) + f(n_b) / n_b)
        t = (stats.trim_mean(r, 0.2) - stats.trim_mean(b, 0.2)) / se
        df = max(len(r) / f(len(r)) + n_b / f(n_b) - 2, 1)
        assert row.autocorr == pytest.approx(phi) and row.shift_se == pytest.approx(se)
        assert row.shift_p == pytest.approx(2 * stats.t.sf(abs(t), df))


def test_a_sustained_shift_alarms_within_days_and_dates_its_start():
    # default windows and the packaged calibration: 200 days of resting HR with unit-SD noise, +4 SD from day
    # 150 on. The detector must stay quiet before, alarm up within a week, estimate the change within two days,
    # and give a one-day range the same row as the range it belongs to (it reads its own history). A budget of
    # 0.1 false alarms a year keeps a false alarm in the 30 quiet days below 1 %.
    win = replace(vocabulary.windows(), false_alarms_per_year=0.1)
    rng = np.random.default_rng(4)
    days = pd.date_range("2025-01-01", periods=200)
    values = 60 + rng.normal(0, 1, 200) + np.where(np.arange(200) >= 150, 4.0, 0.0)
    daily = pd.DataFrame({"participant_id": "p", "day": days, "metric": "resting_hr_bpm", "value": values})
    drift = compute_drift(daily, days[120], days[-1], win).set_index("day")
    assert not drift.loc[: days[149], "flagged"].any()
    first_alarm = drift.index[drift["flagged"]].min()
    assert days[150] <= first_alarm <= days[156]
    row = drift.loc[first_alarm]
    assert row["direction"] == "up" and row["cusum"] > row["cusum_threshold"]
    assert abs((row["change_day"] - days[150]).days) <= 2
    alone = compute_drift(daily, first_alarm, first_alarm, win).iloc[0]
    for column in ("cusum", "cusum_threshold", "change_day", "direction", "flagged"):
        assert alone[column] == row[column]


def test_the_false_alarm_budget_is_shared_by_the_metrics_tested_that_day():
    # Bonferroni across a participant's metrics: with m metrics tested on a day, each gets budget / m, so its
    # threshold is the one-metric threshold at that lower rate
    daily = random_daily(seed=5, metrics=("resting_hr_bpm", "steps", "sleep_minutes"), days=120)
    drift = compute_drift(daily, "2025-04-01", "2025-04-30", WIN).dropna(subset=["cusum"])
    alone = compute_drift(daily[daily.metric == "steps"], "2025-04-01", "2025-04-30", WIN).dropna(subset=["cusum"])
    m = drift.groupby(["participant_id", "day"], observed=True)["cusum"].transform("size")
    steps = drift[(drift.metric == "steps") & (m == 3)].set_index(["participant_id", "day"])
    alone = alone.set_index(["participant_id", "day"]).loc[steps.index]
    np.testing.assert_allclose(steps["cusum"], alone["cusum"])
    assert (steps["cusum_threshold"] > alone["cusum_threshold"]).all()


def test_q_values_are_bh_across_a_participants_metrics_per_day():
    daily = random_daily(seed=6, metrics=("resting_hr_bpm", "steps", "sleep_minutes", "hrv_rmssd_ms"))
    drift = compute_drift(daily, "2025-03-01", "2025-03-20", WIN)
    for _, group in drift.dropna(subset=["shift_p"]).groupby(["participant_id", "day"], observed=True):
        np.testing.assert_allclose(group["q_value"], stats.false_discovery_control(group["shift_p"]), rtol=1e-12)


def test_a_real_shift_is_flagged_with_direction_and_noise_is_not():
    rng = np.random.default_rng(9)
    days = pd.date_range("2025-01-01", periods=100)
    shifted = 60 + rng.normal(0, 2, 100) + np.where(np.arange(100) >= 93, 8.0, 0.0)  # the last 7 days (recent window)
    flat = 60 + rng.normal(0, 2, 100)
    daily = pd.concat(
        [
            pd.DataFrame({"participant_id": "shift", "day": days, "metric": "resting_hr_bpm", "value": shifted}),
            pd.DataFrame({"participant_id": "flat", "day": days, "metric": "resting_hr_bpm", "value": flat}),
        ]
    )
    drift = compute_drift(daily, days[-1], days[-1], WIN).set_index("participant_id")
    assert drift.loc["shift", "flagged"] and drift.loc["shift", "direction"] == "up"
    assert drift.loc["shift", "shift_p"] < 1e-3
    assert not drift.loc["flat", "flagged"] and pd.isna(drift.loc["flat", "direction"])


def test_insufficient_baseline_gives_nulls_and_no_flag():
    days = pd.date_range("2025-01-01", periods=45)
    values = np.r_[np.full(38, 50.0) + np.arange(38) % 3, np.full(7, 500.0)]  # 38 days then a huge jump
    daily = pd.DataFrame({"participant_id": "p", "day": days, "metric": "steps", "value": values})
    win = Windows(
        baseline_days=56,
        recent_days=7,
        min_coverage=0.5,
        min_baseline_days=40,
        min_recent_days=4,
        trend_days=28,
    )
    row = compute_drift(daily, days[-1], days[-1], win).iloc[0]
    assert np.isnan(row.ks_p) and np.isnan(row.shift_p) and np.isnan(row.q_value) and not row.flagged
    assert np.isnan(row.cusum) and np.isnan(row.cusum_threshold) and pd.isna(row.change_day)


def test_zero_mad_gives_null_z_not_infinity():
    days = pd.date_range("2025-01-01", periods=40)
    daily = pd.DataFrame(
        {
            "participant_id": "p",
            "day": days,
            "metric": "sedentary_minutes",
            "value": np.r_[np.full(33, 1440.0), np.full(7, 600.0)],
        }
    )
    row = compute_drift(daily, days[-1], days[-1], WIN).iloc[0]
    assert np.isnan(row.robust_z) and np.isnan(row.recent_z) and np.isnan(row.shift_p) and not row.flagged


def test_empty_input_gives_empty_typed_frames():
    daily = pd.DataFrame(
        {
            "participant_id": pd.Series(dtype="string"),
            "day": pd.Series(dtype="datetime64[s]"),
            "metric": pd.Series(dtype="string"),
            "value": pd.Series(dtype="float64"),
        }
    )
    assert compute_baselines(daily, "2025-03-01", "2025-03-05", WIN).empty
    drift = compute_drift(daily, "2025-03-01", "2025-03-05", WIN)
    assert drift.empty and list(drift.columns) == DRIFT_COLUMNS


def test_rows_exist_within_each_series_span_whatever_the_range():
    """METHODS.md "Which rows exist": a participant·metric has baseline and drift rows only on days within
    its data span, so a range far wider than the data gives exactly the rows of the data's own range."""
    daily = random_daily(seed=4, days=150)
    daily = daily[~((daily.participant_id == "b") & (daily.day > "2025-04-10"))]  # b's data ends early
    spans = daily.groupby(["participant_id", "metric"], as_index=False)["day"].agg(first_day="min", last_day="max")
    first, last = daily["day"].min(), daily["day"].max()
    for compute in (compute_baselines, compute_drift):
        tight = compute(daily, first, last, WIN, spans)
        wide = compute(daily, first - pd.Timedelta(days=200), last + pd.Timedelta(days=200), WIN, spans)
        pd.testing.assert_frame_equal(tight.reset_index(drop=True), wide.reset_index(drop=True))
        ends = tight.merge(spans, on=["participant_id", "metric"])
        assert (ends["day"] <= ends["last_day"]).all() and (ends["day"] >= ends["first_day"]).all()
        unlimited = compute(daily, first, last + pd.Timedelta(days=80), WIN)
        tail = unlimited[(unlimited["participant_id"] == "b") & (unlimited["day"] > "2025-04-10")]
        assert len(tail) > 0  # without spans: b's rows run on after its data, the tail the rule removes

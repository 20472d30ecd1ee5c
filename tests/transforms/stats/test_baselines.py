"""Baselines equal a straightforward pandas/numpy/scipy computation on random data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from transforms.stats.baselines import compute_baselines
from transforms.stats.drift import compute_drift
from transforms.vocabulary import Windows

# short windows keep the references fast; the detector's thresholds for them: a small calibration made by
# `bench/cusum_calibration.py --windows <these windows> --series 100 --days 400 --out <this file>`
CALIBRATION_B28_R7 = Path(__file__).parent / "fixtures" / "calibration_b28_r7.csv"
WIN = Windows(
    baseline_days=28,
    recent_days=7,
    min_coverage=0.5,
    min_baseline_days=10,
    min_recent_days=4,
    calibration_file=str(CALIBRATION_B28_R7),
)


def random_daily(seed=1, participants=("a", "b", "c"), metrics=("resting_hr_bpm", "steps"), days=120, missing=0.3):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=days)
    frames = []
    for p in participants:
        for m in metrics:
            keep = rng.random(days) > missing
            frames.append(
                pd.DataFrame(
                    {
                        "participant_id": p,
                        "day": dates[keep],
                        "metric": m,
                        "value": np.round(rng.normal(60, 8, keep.sum()), 1),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def reference(daily, participant, metric, day, win):
    s = daily[(daily.participant_id == participant) & (daily.metric == metric)].set_index("day")["value"]
    day = pd.Timestamp(day)
    lo = day - pd.Timedelta(days=win.recent_days + win.baseline_days - 1)
    hi = day - pd.Timedelta(days=win.recent_days)
    return s[(s.index >= lo) & (s.index <= hi)].to_numpy()


def test_matches_reference_computation():
    daily = random_daily()
    out = compute_baselines(daily, "2025-02-10", "2025-04-30", WIN)
    assert not out.duplicated(["participant_id", "day", "metric"]).any()
    for row in out.itertuples():
        w = reference(daily, row.participant_id, row.metric, row.day, WIN)
        assert row.n_days == len(w) > 0
        assert row.median == pytest.approx(np.median(w))
        assert row.p10 == pytest.approx(np.quantile(w, 0.1))
        assert row.p90 == pytest.approx(np.quantile(w, 0.9))
        # scaled MAD: 1.4826 vs scipy's 1/Φ⁻¹(3/4) = 1.482602…
        assert row.mad == pytest.approx(stats.median_abs_deviation(w, scale="normal"), rel=1e-5)
        assert row.sufficient == (len(w) >= WIN.min_baseline_days)
        assert row.window_days == WIN.baseline_days
        assert row.mean == pytest.approx(w.mean()) and row.sd == pytest.approx(w.std(ddof=1))
        assert row.cv == pytest.approx(w.std(ddof=1) / abs(w.mean()))
        assert row.mad_ratio == pytest.approx(row.mad / abs(np.median(w)))
        assert row.lag1_autocorr == pytest.approx(lag1_reference(daily, row, WIN), nan_ok=True)
        short = short_reference(daily, row, WIN)
        assert row.short_n_days == len(short) and (
            len(short) == 0 or row.short_median == pytest.approx(np.median(short))
        )


def lag1_reference(daily, row, win):
    s = daily[(daily.participant_id == row.participant_id) & (daily.metric == row.metric)].set_index("day")["value"]
    day = pd.Timestamp(row.day)
    w = s[
        (s.index >= day - pd.Timedelta(days=win.recent_days + win.baseline_days - 1))
        & (s.index <= day - pd.Timedelta(days=win.recent_days))
    ]
    mean = w.mean()
    pairs = [(w[d], w[d + pd.Timedelta(days=1)]) for d in w.index if d + pd.Timedelta(days=1) in w.index]
    if len(pairs) < 3 or ((w - mean) ** 2).sum() == 0:
        return np.nan
    num = sum((a - mean) * (b - mean) for a, b in pairs) / len(pairs)
    return float(np.clip(num / (((w - mean) ** 2).sum() / len(w)), -1, 1))


def short_reference(daily, row, win):
    s = daily[(daily.participant_id == row.participant_id) & (daily.metric == row.metric)].set_index("day")["value"]
    day = pd.Timestamp(row.day)
    return s[(s.index >= day - pd.Timedelta(days=win.short_baseline_days)) & (s.index < day)].to_numpy()


def test_recent_window_never_enters_the_baseline():
    days = pd.date_range("2025-01-01", periods=60)
    values = np.where(np.arange(60) >= 53, 1000.0, 50.0)  # last 7 days (the recent window) are extreme
    daily = pd.DataFrame({"participant_id": "p", "day": days, "metric": "steps", "value": values})
    row = compute_baselines(daily, days[-1], days[-1], WIN).iloc[0]
    assert row["median"] == 50 and row["p90"] == 50 and row["n_days"] == 28


def test_rows_only_where_the_window_has_data():
    days = pd.date_range("2025-01-01", periods=5)
    daily = pd.DataFrame({"participant_id": "p", "day": days, "metric": "steps", "value": 1.0})
    out = compute_baselines(daily, "2025-01-01", "2025-03-31", WIN)
    # data on Jan 1–5 is baseline for days Jan 8 … Feb 9 (recent 7, baseline 28)
    assert out["day"].min() == pd.Timestamp("2025-01-08") and out["day"].max() == pd.Timestamp("2025-02-08")
    assert (~out["sufficient"]).all()


def test_participants_are_independent_so_cohorts_can_be_split():
    daily = random_daily(seed=4, participants=tuple("abcdefgh"))
    first_half = daily["participant_id"].isin(list("abcd"))
    for compute in (compute_baselines, compute_drift):
        whole = compute(daily, "2025-02-10", "2025-04-30", WIN)
        parts = pd.concat(
            [
                compute(daily[first_half], "2025-02-10", "2025-04-30", WIN),
                compute(daily[~first_half], "2025-02-10", "2025-04-30", WIN),
            ],
            ignore_index=True,
        )
        key = ["participant_id", "metric", "day"]
        whole = whole.astype({"participant_id": str, "metric": str}).sort_values(key).reset_index(drop=True)
        parts = parts.astype({"participant_id": str, "metric": str}).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(whole, parts)

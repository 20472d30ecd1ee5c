"""Intraday samples → daily values: hour-level source de-duplication, minute coverage, sleep sessions."""

import numpy as np
import pandas as pd
import pytest

from transforms.ingest.samples import DailyFromSamples

T = pd.Timestamp


def sample(metric, kind, start, value, end=None, rank=0, offset=np.nan, end_offset=np.nan):
    return dict(
        participant_id="p",
        metric=metric,
        kind=kind,
        start=T(start),
        end=T(end) if end else T(start),
        utc_offset_min=offset,
        end_utc_offset_min=end_offset,
        value=value,
        source_rank=rank,
        source="x",
        source_file="f",
        locator="l",
    )


def daily(rows, chunks=2, per_hour=60):
    acc = DailyFromSamples("x", "f", per_hour)
    frame = pd.DataFrame(rows)
    for part in np.array_split(np.arange(len(frame)), chunks):
        acc.add(frame.iloc[part])
    return acc.finish().set_index("metric")


def test_steps_from_two_devices_count_once_per_hour():
    out = daily(
        [
            sample("steps", "amount", "2025-03-02 09:10", 100),
            sample("steps", "amount", "2025-03-02 09:12", 120, rank=1),
            sample("steps", "amount", "2025-03-02 09:40", 50),
            sample("steps", "amount", "2025-03-02 12:10", 30, rank=1),
        ]
    )
    assert out.loc["steps", "value"] == 180  # hour 9: watch 150 (phone 120 dropped); hour 12: only the phone


def test_heart_rate_mean_and_valid_hours_across_chunks():
    rows = [
        sample("heart_rate_mean_bpm", "level", T("2025-03-02 10:00") + pd.Timedelta(minutes=m), 60 + m % 2)
        for m in range(45)
    ]
    rows += [
        sample("heart_rate_mean_bpm", "level", T("2025-03-02 11:00") + pd.Timedelta(minutes=m), 70) for m in range(20)
    ]
    rows += [sample("heart_rate_mean_bpm", "level", "2025-03-02 10:00:30", 61)]  # same minute again
    out = daily(rows, chunks=3)
    values = [60 + m % 2 for m in range(45)] + [70] * 20 + [61]
    assert out.loc["heart_rate_mean_bpm", "value"] == pytest.approx(np.mean(values))
    assert out.loc["heart_rate_mean_bpm", "coverage"] == pytest.approx(1 / 24)  # hour 10 valid, hour 11 not


def test_sparse_sampling_rate_sets_what_a_valid_hour_is():
    rows = [
        sample("heart_rate_mean_bpm", "level", T("2025-03-02 10:00") + pd.Timedelta(minutes=m), 60)
        for m in range(0, 60, 6)
    ]
    assert daily(rows, chunks=1, per_hour=60).loc["heart_rate_mean_bpm", "coverage"] == 0
    assert daily(rows, chunks=1, per_hour=6).loc["heart_rate_mean_bpm", "coverage"] == pytest.approx(1 / 24)


def test_sleep_union_efficiency_midpoint_nap_and_device_rank():
    rows = [
        sample("sleep", "sleep", "2025-03-01 22:30", 0, "2025-03-02 06:30", rank=1),  # phone in bed
        sample("sleep", "sleep", "2025-03-01 23:00", 1, "2025-03-02 03:00"),
        sample("sleep", "sleep", "2025-03-02 02:00", 1, "2025-03-02 04:00"),  # overlaps
        sample("sleep", "sleep", "2025-03-02 03:20", 1, "2025-03-02 06:15"),
        sample("sleep", "sleep", "2025-03-01 23:30", 1, "2025-03-02 07:00", rank=1),  # phone asleep: lower rank
        sample("sleep", "sleep", "2025-03-02 15:00", 1, "2025-03-02 15:40"),
    ]  # nap
    out = daily(rows)
    assert out.loc["sleep_minutes", "value"] == 435  # 23:00–06:15 union
    assert out.loc["sleep_efficiency_pct", "value"] == pytest.approx(100 * 435 / 480)  # span widened to in-bed
    assert out.loc["sleep_midpoint_min", "value"] == 150  # 02:30
    assert out.loc["nap_minutes", "value"] == 40
    assert set(out["day"]) == {T("2025-03-02")}


def test_a_night_across_the_dst_change_is_not_an_hour_off():
    # New York, 2024-03-10: clocks jump 02:00 → 03:00. In bed 23:00 (−05:00) to 07:00 (−04:00) = 7 h elapsed.
    rows = [sample("sleep", "sleep", "2024-03-09 23:00", 1, "2024-03-10 07:00", offset=-300, end_offset=-240)]
    out = daily(rows, chunks=1)
    assert out.loc["sleep_minutes", "value"] == 420
    assert out.loc["sleep_midpoint_min", "value"] == pytest.approx(210)  # 03:30 local (EDT)


@pytest.mark.parametrize("shuffled", [False, True])
def test_level_means_and_coverage_equal_a_groupby_reference(shuffled):
    """Several participants, days and metrics, in export order or shuffled, split over chunks: daily means and
    heart-rate coverage equal a direct pandas computation on the whole frame."""
    rng = np.random.default_rng(7)
    n = 6000
    # most spread over three days (sparse hours), some within four hours of each day (near the 30-minute threshold)
    dense = 2000
    seconds = np.r_[
        rng.integers(0, 3 * 86400, n - dense),
        rng.integers(0, 3, dense) * 86400 + 8 * 3600 + rng.integers(0, 4 * 3600, dense),
    ]
    frame = pd.DataFrame(
        {
            "participant_id": pd.Series(rng.choice(["p1", "p2", "p3"], n), dtype="string"),
            "metric": pd.Series(rng.choice(["heart_rate_mean_bpm", "hrv_sdnn_ms"], n, p=[0.8, 0.2]), dtype="string"),
            "kind": "level",
            "start": (pd.Timestamp("2025-03-01") + pd.to_timedelta(seconds, unit="s")).astype("datetime64[s]"),
            "value": rng.normal(65, 8, n),
            "source_rank": 0,
        }
    )
    frame["end"] = frame["start"]
    frame = frame.sort_values(["participant_id", "metric", "start"]) if not shuffled else frame
    acc = DailyFromSamples("x", "f")
    for part in np.array_split(np.arange(n), 4):
        acc.add(frame.iloc[part])
    out = acc.finish().set_index(["participant_id", "day", "metric"]).sort_index()
    day = frame["start"].dt.normalize()
    means = frame.groupby([frame["participant_id"], day.rename("day"), frame["metric"]])["value"].mean()
    np.testing.assert_allclose(out["value"].to_numpy(), means.sort_index().to_numpy())
    hr = frame[frame["metric"] == "heart_rate_mean_bpm"]
    minutes = (
        hr.assign(hour=hr["start"].dt.floor("h"), minute=hr["start"].dt.minute)
        .drop_duplicates(["participant_id", "hour", "minute"])
        .groupby(["participant_id", "hour"])
        .size()
    )
    valid = (minutes >= 30).groupby(
        [minutes.index.get_level_values(0), minutes.index.get_level_values(1).normalize()]
    ).sum() / 24
    got = out.xs("heart_rate_mean_bpm", level="metric")["coverage"]
    expected = valid.reindex(got.index, fill_value=0.0)
    assert expected.min() < expected.max() <= 4 / 24  # days with more and fewer valid dense hours
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy())

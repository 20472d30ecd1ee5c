"""Episodes: runs of at least min_flag_days alarm days per participant·metric·direction, starting on the
detector's estimated change day, the peak, the baseline band at the start and recovery (the first of 3
consecutive measured in-band days after the last alarm)."""

import numpy as np
import pandas as pd

from transforms.stats.episodes import find_episodes

DAYS = pd.date_range("2025-03-01", periods=40)


def _flags(pid, metric, first, n, direction="up", z=None, change=None):
    """n alarm days from DAYS[first]; ``change``: the change day each reports (default: its own day)."""
    z = z if z is not None else [2.0] * n
    days = DAYS[first : first + n]
    return pd.DataFrame(
        {
            "participant_id": pid,
            "metric": metric,
            "day": days,
            "direction": direction,
            "recent_z": z,
            "change_day": days if change is None else DAYS[change],
        }
    )


def _band(pid, metric, low=55.0, high=65.0):
    return pd.DataFrame({"participant_id": pid, "metric": metric, "day": DAYS, "p10": low, "p90": high})


def _values(pid, metric, values):
    return pd.DataFrame({"participant_id": pid, "metric": metric, "day": DAYS[: len(values)], "value": values})


def test_a_run_of_flags_is_one_episode_with_its_peak_and_recovery():
    flags = _flags("p1", "resting_hr_bpm", 10, 5, z=[1.5, 2.5, 3.1, 2.0, 1.2], change=7)
    values = [60.0] * 7 + [70.0] * 11 + [66, 60, 61, 70, 60, 62, 63] + [60.0] * 15
    ep = find_episodes(flags, _band("p1", "resting_hr_bpm"), _values("p1", "resting_hr_bpm", values))
    assert len(ep) == 1
    e = ep.iloc[0]
    # the episode starts on the detector's change day (7), before its first alarm (10)
    assert (e.start_day, e.first_flag_day, e.end_day, e.n_days) == (DAYS[7], DAYS[10], DAYS[14], 5)
    assert e.peak_day == DAYS[12] and e.peak_z == 3.1
    assert (e.band_low, e.band_high) == (55.0, 65.0)
    # days 18: 66 (out), 19–20 in, 21 out, 22–24 in → recovery opens on day 22
    assert e.recovered_day == DAYS[22] and e.recovery_days == 15
    assert e.recovery_confirmed_day == DAYS[24]  # the run's third in-band day


def test_gaps_direction_changes_and_participants_split_episodes():
    flags = pd.concat(
        [
            _flags("p1", "hrv_rmssd_ms", 5, 3, "down"),
            _flags("p1", "hrv_rmssd_ms", 9, 2, "down"),
            _flags("p1", "hrv_rmssd_ms", 11, 2, "up"),
            _flags("p2", "hrv_rmssd_ms", 5, 3, "down"),
            _flags("p1", "sleep_minutes", 5, 3, "down"),
        ]
    )
    bands = pd.concat([_band(p, m) for p in ("p1", "p2") for m in ("hrv_rmssd_ms", "sleep_minutes")])
    values = pd.concat([_values(p, m, [60.0] * 40) for p in ("p1", "p2") for m in ("hrv_rmssd_ms", "sleep_minutes")])
    ep = find_episodes(flags, bands, values, min_flag_days=2)
    got = ep[["participant_id", "metric", "direction", "start_day", "n_days"]].itertuples(index=False, name=None)
    assert sorted(got) == sorted(
        [
            ("p1", "hrv_rmssd_ms", "down", DAYS[5], 3),
            ("p1", "hrv_rmssd_ms", "down", DAYS[9], 2),
            ("p1", "hrv_rmssd_ms", "up", DAYS[11], 2),
            ("p2", "hrv_rmssd_ms", "down", DAYS[5], 3),
            ("p1", "sleep_minutes", "down", DAYS[5], 3),
        ]
    )


def test_short_runs_are_not_episodes_and_a_run_that_restarts_the_shift_continues_one():
    flags = pd.concat(
        [
            _flags("p1", "resting_hr_bpm", 2, 2),  # 2 alarm days: under min_flag_days = 3
            _flags("p1", "resting_hr_bpm", 10, 4, change=8),
            _flags("p1", "resting_hr_bpm", 15, 3, change=12),  # dips under h for a day, same shift: continues
            _flags("p1", "resting_hr_bpm", 25, 3, change=20),  # starts after the last alarm (17): a new episode
        ]
    )
    values = _values("p1", "resting_hr_bpm", [60.0] * 40)
    ep = find_episodes(flags, _band("p1", "resting_hr_bpm"), values, min_flag_days=3)
    assert ep[["start_day", "first_flag_day", "end_day", "n_days"]].values.tolist() == [
        [DAYS[8], DAYS[10], DAYS[17], 7],
        [DAYS[20], DAYS[25], DAYS[27], 3],
    ]
    # recovery is looked for after the last alarm, never before it (the values were in band all along)
    assert ep["recovered_day"].tolist() == [DAYS[18], DAYS[28]]


def test_an_episode_starts_after_the_series_previous_one_ends():
    flags = pd.concat([_flags("p1", "steps", 5, 4, "up", change=3), _flags("p1", "steps", 10, 3, "down", change=6)])
    ep = find_episodes(flags, _band("p1", "steps"), _values("p1", "steps", [60.0] * 40), min_flag_days=3)
    assert ep["start_day"].tolist() == [DAYS[3], DAYS[9]] and ep["direction"].tolist() == ["up", "down"]


def test_no_recovery_when_the_metric_never_returns_or_data_ends():
    flags = _flags("p1", "resting_hr_bpm", 10, 3)
    never = [60.0] * 10 + [70.0] * 30
    ep = find_episodes(flags, _band("p1", "resting_hr_bpm"), _values("p1", "resting_hr_bpm", never))
    assert pd.isna(ep.iloc[0].recovered_day) and np.isnan(ep.iloc[0].recovery_days)
    short = [60.0] * 10 + [70.0] * 5 + [60.0, 60.0]  # only two in-band days before the data stops
    ep = find_episodes(flags, _band("p1", "resting_hr_bpm"), _values("p1", "resting_hr_bpm", short))
    assert pd.isna(ep.iloc[0].recovered_day)


def test_recovery_counts_measured_days_across_missing_ones():
    flags = _flags("p1", "resting_hr_bpm", 10, 2)
    values = _values("p1", "resting_hr_bpm", [60.0] * 10 + [70.0] * 6 + [60.0] * 24)
    values = values[~values["day"].isin(DAYS[17:19])]  # not worn on two days inside the recovery run
    ep = find_episodes(flags, _band("p1", "resting_hr_bpm"), values)
    assert ep.iloc[0].recovered_day == DAYS[16]


def test_no_flags_no_episodes():
    ep = find_episodes(_flags("p1", "steps", 0, 0), _band("p1", "steps"), _values("p1", "steps", [1.0]))
    assert ep.empty and "recovery_days" in ep.columns


def test_recovery_matches_a_plain_scan_on_random_series():
    """The compiled recovery scan against the definition written as a loop: random values with gaps, bands
    that are NaN, last alarm days before, inside and after the measured span."""
    import numpy as np

    from transforms.stats.episodes import _recovery

    rng = np.random.default_rng(3)
    days = pd.date_range("2025-01-01", periods=60, freq="D")
    rows = []
    for p in ("A", "B"):
        for m in ("steps", "resting_hr_bpm"):
            for d in days[rng.random(60) < 0.8]:
                rows.append((p, m, d, float(rng.integers(0, 10))))
    values = pd.DataFrame(rows, columns=["participant_id", "metric", "day", "value"])
    ep = pd.DataFrame(
        {
            "episode": range(40),
            "participant_id": rng.choice(["A", "B", "C"], 40),
            "metric": rng.choice(["steps", "resting_hr_bpm"], 40),
            "end_day": pd.to_datetime("2024-12-25") + pd.to_timedelta(rng.integers(0, 75, 40), unit="D"),
            "band_low": rng.choice([2.0, 4.0, np.nan], 40),
            "band_high": 7.0,
        }
    )
    recovery = _recovery(ep, values, 3).set_index("episode")
    got, got_confirmed = recovery["recovered_day"], recovery["recovery_confirmed_day"]
    for e in ep.itertuples():
        series = values[
            (values.participant_id == e.participant_id) & (values.metric == e.metric) & (values.day > e.end_day)
        ].sort_values("day")
        expected, confirmed, run = pd.NaT, pd.NaT, []
        for row in series.itertuples():
            run = run + [row.day] if e.band_low <= row.value <= e.band_high else []
            if len(run) == 3:
                expected, confirmed = run[0], run[2]
                break
        assert (pd.isna(got[e.episode]) and pd.isna(expected)) or got[e.episode] == expected, e
        assert (pd.isna(got_confirmed[e.episode]) and pd.isna(confirmed)) or got_confirmed[e.episode] == confirmed, e

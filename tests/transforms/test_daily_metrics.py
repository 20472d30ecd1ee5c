"""Daily aggregation: sum vs mean per metric, one source per participant·day·metric."""

import numpy as np
import pandas as pd

from transforms.daily_metrics import aggregate_daily


def obs(rows):
    frame = pd.DataFrame(rows, columns=["participant_id", "day", "metric", "value", "source", "coverage"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame.assign(unit="x", observed_at=pd.NaT, source_file="f", locator="l")


def test_amounts_are_summed_and_levels_averaged():
    out = aggregate_daily(
        obs(
            [
                ("p", "2025-01-01", "sleep_minutes", 400, "fitbit_takeout_sleep", np.nan),  # main sleep
                ("p", "2025-01-01", "sleep_minutes", 40, "fitbit_takeout_sleep", np.nan),  # nap
                ("p", "2025-01-01", "resting_hr_bpm", 60, "fitbit_takeout_resting_hr", np.nan),
                ("p", "2025-01-01", "resting_hr_bpm", 62, "fitbit_takeout_resting_hr", np.nan),
            ]
        )
    ).set_index("metric")
    assert out.loc["sleep_minutes", "value"] == 440 and out.loc["sleep_minutes", "n_obs"] == 2
    assert out.loc["resting_hr_bpm", "value"] == 61 and out.loc["resting_hr_bpm", "unit"] == "bpm"


def test_one_source_wins_by_priority_values_are_not_mixed():
    out = aggregate_daily(
        obs(
            [
                ("p", "2025-01-01", "sleep_minutes", 420, "fitabase_sleep_day", np.nan),
                ("p", "2025-01-01", "sleep_minutes", 400, "fitbit_takeout_sleep", np.nan),
                ("p", "2025-01-02", "sleep_minutes", 380, "fitabase_sleep_day", np.nan),
            ]
        )
    )
    assert out["value"].tolist() == [400, 380]
    assert out["source"].tolist() == ["fitbit_takeout_sleep", "fitabase_sleep_day"]


def test_coverage_is_carried():
    out = aggregate_daily(obs([("p", "2025-01-01", "steps", 0, "fitabase_daily_activity", 0.0)]))
    assert out.iloc[0]["coverage"] == 0.0


def test_empty_input_gives_typed_empty_frame():
    out = aggregate_daily(obs([]))
    assert len(out) == 0 and list(out.columns)[:4] == ["participant_id", "day", "metric", "value"]

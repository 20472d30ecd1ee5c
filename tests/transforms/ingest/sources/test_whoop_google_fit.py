"""WHOOP CSV export and Google Fit daily metrics."""

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest.sources import google_fit_daily, whoop_csv

SLEEPS = (
    "Cycle start time,Cycle end time,Cycle timezone,Sleep onset,Wake onset,Sleep performance %,"
    "Respiratory rate (rpm),Asleep duration (min),In bed duration (min),Light sleep duration (min),"
    "Deep (SWS) duration (min),REM duration (min),Awake duration (min),Sleep need (min),Sleep debt (min),"
    "Sleep efficiency %,Sleep consistency %,Nap\n"
)


def test_whoop_sleeps_main_nap_open_cycle_and_day_of_waking(tmp_path):
    path = tmp_path / "sleeps.csv"
    path.write_text(
        SLEEPS
        + "2024-06-23 22:00:00,,UTC-04:00,2024-06-23 22:00:00,2024-06-24 06:00:00,100,15.9,430,480,0,0,0,50,457,0,90,,false\n"
        + "2024-06-23 22:00:00,,UTC-04:00,2024-06-24 14:00:00,2024-06-24 14:30:00,,,25,30,0,0,0,5,,,83,,true\n"
        + "2024-06-22 23:00:22,2024-06-23 20:24:26,UTC-04:00,2024-06-22 23:00:22,2024-06-23 07:00:22,,,,,,,,,,,,,false\n"
    )
    result = parse(whoop_csv, path, "p/sleeps.csv")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value").loc["2024-06-24"]
    assert daily["sleep_minutes"] == 430 and daily["nap_minutes"] == 25 and daily["sleep_efficiency_pct"] == 90
    assert daily["sleep_midpoint_min"] == 120  # 22:00 → 06:00, midpoint 02:00
    assert result.n_empty == 1  # the night without durations


@pytest.mark.realdata
def test_real_whoop_export():
    folder = realdata("whoop_export_theonerichy")
    cycles = parse(whoop_csv, folder / "physiological_cycles.csv", "p/physiological_cycles.csv")
    raw = pd.read_csv(folder / "physiological_cycles.csv")
    with_rhr = raw["Resting heart rate (bpm)"].notna()
    assert cycles.n_records == 173 and cycles.rejects.empty and cycles.n_empty == (~with_rhr).sum() == 2
    rhr = cycles.observations[cycles.observations.metric == "resting_hr_bpm"]
    assert len(rhr) == with_rhr.sum() and rhr["value"].sum() == raw["Resting heart rate (bpm)"].sum()
    assert rhr["day"].is_unique  # one recovery per morning
    # the open current cycle (no end time) is used, dated by its wake onset
    assert rhr.set_index("day").loc[pd.Timestamp("2024-06-24"), "value"] == 77
    sleeps = parse(whoop_csv, folder / "sleeps.csv", "p/sleeps.csv")
    raw = pd.read_csv(folder / "sleeps.csv")
    naps = raw[raw.Nap & raw["Asleep duration (min)"].notna()]
    assert sleeps.n_records == 183
    nap_obs = sleeps.observations[sleeps.observations.metric == "nap_minutes"]
    assert nap_obs["value"].sum() == naps["Asleep duration (min)"].sum()


def test_google_fit_ms_to_minutes_and_sparse_columns(tmp_path):
    path = tmp_path / "Daily activity metrics.csv"
    path.write_text(
        "Date,Move Minutes count,Calories (kcal),Heart Minutes,Step count,Inactive duration (ms)\n"
        "2021-10-19,9,152.3,4,,\n2021-10-20,15,206.9,,5012,43200000\n2021-10-21,,150.1,,,\n"
    )
    result = parse(google_fit_daily, path, "p/g.csv")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value")
    assert daily.loc["2021-10-20", "sedentary_minutes"] == 720 and daily.loc["2021-10-20", "steps"] == 5012
    assert daily.loc["2021-10-19", "active_minutes"] == 4
    assert result.n_empty == 1 and result.n_records == 3


@pytest.mark.realdata
def test_real_google_fit_takeout():
    path = realdata("google_fit_takeout_khaingsuthway") / "Daily activity metrics.csv"
    raw = pd.read_csv(path)
    result = parse(google_fit_daily, path, "p/g.csv")
    obs = result.observations
    assert result.n_records == len(raw) == 401 and result.rejects.empty
    assert (obs.metric == "steps").sum() == raw["Step count"].notna().sum() == 382
    assert obs.loc[obs.metric == "steps", "value"].sum() == raw["Step count"].sum()
    assert result.n_empty == (raw[["Step count", "Heart Minutes", "Inactive duration (ms)"]].isna().all(axis=1)).sum()

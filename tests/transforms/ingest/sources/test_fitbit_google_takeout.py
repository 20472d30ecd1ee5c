"""Fitbit's Google Takeout export (Fitbit/…: Global Export Data, the Fitbit folders' CSVs, *_GoogleData tables):
every file is read or ignored with its reason, and the values are the files' own."""

import json

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import (
    export_readme,
    fitbit_google_daily_csv,
    fitbit_google_heart_rate,
    fitbit_google_sleep,
    fitbit_takeout_daily_csv,
    fitbit_takeout_heart_rate,
    fitbit_takeout_hrv,
    fitbit_takeout_vo2max,
)

TAKEOUT = "fitbit_google_takeout_aduyng"
ZONE = "America/Chicago"  # the account's zone (its sleep stages carry -05:00 / -06:00)


def _file(relative: str):
    return realdata(TAKEOUT) / "Fitbit" / relative


def _daily(module, relative: str, **kwargs) -> pd.Series:
    result = parse(module, _file(relative), f"p/{relative}", **kwargs)
    return result, result.observations.set_index("day")["value"]


@pytest.mark.realdata
def test_every_file_of_the_takeout_is_read_or_ignored_by_content():
    unsupported = [
        p.relative_to(realdata(TAKEOUT)).as_posix()
        for p in sorted(realdata(TAKEOUT).rglob("*"))
        if p.is_file() and p.name != "SOURCE.txt" and sources.detect(plain_file(p, f"p/{p.name}")) is None
    ]
    assert unsupported == []


@pytest.mark.realdata
def test_fitbit_folder_daily_csvs():
    _, breathing = _daily(
        fitbit_takeout_daily_csv, "Heart Rate Variability/Daily Respiratory Rate Summary - 2024-10-01.csv"
    )
    assert breathing.to_dict() == {pd.Timestamp("2024-10-01"): 14.2}
    _, spo2 = _daily(fitbit_takeout_daily_csv, "Oxygen Saturation (SpO2)/Daily SpO2 - 2024-06-11-2024-09-19.csv")
    assert spo2[pd.Timestamp("2024-09-12")] == 94.1  # 2024-09-12T00:00:00Z: the date is the day
    stress_path = "Stress Score/Stress Score.csv"
    frame = pd.read_csv(_file(stress_path))
    result, stress = _daily(fitbit_takeout_daily_csv, stress_path)
    not_ready = ((frame["STATUS"] != "READY") | frame["CALCULATION_FAILED"]).sum()
    assert result.n_empty == not_ready == 66 and len(stress) == len(frame) - not_ready
    assert stress[pd.Timestamp("2024-09-13")] == 67
    result, temperature = _daily(fitbit_takeout_daily_csv, "Temperature/Computed Temperature - 2024-10-01.csv")
    assert temperature[pd.Timestamp("2024-10-01")] == pytest.approx(22.393972223955643 / 402)


@pytest.mark.realdata
def test_google_format_daily_tables_agree_with_the_fitbit_folders():
    _, derived = _daily(fitbit_google_daily_csv, "Physical Activity_GoogleData/daily_sleep_temperature_derivations.csv")
    _, computed = _daily(fitbit_takeout_daily_csv, "Temperature/Computed Temperature - 2024-10-01.csv")
    day = pd.Timestamp("2024-10-01")  # nightly − baseline equals the mean of the night's baseline-relative samples
    assert derived[day] == pytest.approx(33.58554726368159 - 33.52984086511454) == pytest.approx(computed[day])
    _, readiness = _daily(fitbit_google_daily_csv, "Physical Activity_GoogleData/daily_readiness.csv")
    assert readiness[pd.Timestamp("2024-09-19")] == 100
    _, resting = _daily(fitbit_google_daily_csv, "Physical Activity_GoogleData/daily_resting_heart_rate.csv")
    assert resting[pd.Timestamp("2022-10-21")] == 73.557
    result, hrv = _daily(fitbit_google_daily_csv, "Physical Activity_GoogleData/daily_heart_rate_variability.csv")
    assert hrv[pd.Timestamp("2023-03-05")] == 27.519
    zeros = pd.read_csv(_file("Physical Activity_GoogleData/daily_heart_rate_variability.csv"))
    assert result.n_empty == (zeros["average heart rate variability milliseconds"] == 0).sum() >= 1
    ignored = parse(fitbit_google_daily_csv, _file("Physical Activity_GoogleData/run_vo2max.csv"), "p/run_vo2max.csv")
    assert ignored.n_ignored == ignored.n_records > 0 and ignored.observations.empty


@pytest.mark.realdata
def test_heart_rate_json_and_csv_are_utc_placed_on_the_local_day():
    relative = "Global Export Data/heart_rate-2024-10-08.json"
    records = json.loads(_file(relative).read_text())
    result = parse(fitbit_takeout_heart_rate, _file(relative), "p/hr.json", timezone=ZONE)
    assert len(result.samples) + result.n_empty == len(records) == result.n_records
    first = result.samples.iloc[0]  # 10/08/24 05:00:01 UTC is local midnight (CDT, UTC−5)
    assert str(first["start"]) == "2024-10-08 00:00:01" and first["utc_offset_min"] == -300
    assert (result.samples["start"].dt.normalize() == pd.Timestamp("2024-10-08")).all()  # the file is one local day
    csv = parse(
        fitbit_google_heart_rate,
        _file("Physical Activity_GoogleData/heart_rate_2024-10-08.csv"),
        "p/hr.csv",
        timezone=ZONE,
    )
    assert str(csv.samples["start"].iloc[0]) == "2024-10-07 19:00:01"  # 00:00:01Z
    both = result.samples.merge(csv.samples, on="start", suffixes=("_json", "_csv"))
    assert len(both) > 10_000 and (both["value_json"] == both["value_csv"]).all()  # the same readings


@pytest.mark.realdata
def test_google_format_sleeps_and_scores():
    frame = pd.read_csv(_file("Health Fitness Data_GoogleData/UserSleeps_2024-10-19.csv"))
    result = parse(
        fitbit_google_sleep, _file("Health Fitness Data_GoogleData/UserSleeps_2024-10-19.csv"), "p/s.csv", timezone=ZONE
    )
    daily = result.observations.pivot_table(index="day", columns="metric", values="value", aggfunc="sum")
    night = frame.set_index("sleep_id").loc[1029180372187603096]  # 00:13 … 07:06:30 UTC, "+00:00" written
    day = pd.Timestamp("2025-01-05")  # in Chicago (CST, UTC−6): 18:13 on the 4th … 01:06:30 on the 5th
    assert daily.loc[day, "sleep_minutes"] == night["minutes_asleep"] == 379
    assert daily.loc[day, "sleep_efficiency_pct"] == pytest.approx(100 * 379 / 413)
    assert daily.loc[day, "sleep_midpoint_min"] == -(2 * 60 + 20.25)  # 21:39:45 on the 4th
    scores = parse(
        fitbit_google_sleep,
        _file("Health Fitness Data_GoogleData/UserSleepScores_2024-10-19.csv"),
        "p/sc.csv",
        timezone=ZONE,
    )
    by_day = scores.observations.set_index("day")["value"]
    assert 72.925 in by_day[[pd.Timestamp("2025-01-05")]].tolist()  # score_time 07:06:30 UTC → 01:06:30 local
    stages = parse(
        fitbit_google_sleep, _file("Health Fitness Data_GoogleData/UserSleepStages_2024-10-19.csv"), "p/st.csv"
    )
    assert stages.n_ignored == stages.n_records > 7000 and stages.observations.empty


@pytest.mark.realdata
def test_readmes_vo2_max_and_hrv_zeros():
    readme = _file("Health Fitness Data_GoogleData/UserSleeps README.txt")
    assert sources.detect(plain_file(readme, "p/UserSleeps README.txt")) is export_readme
    assert not export_readme.detect("README.csv", "date,steps,minutes\n2024-01-01,1,2\n")
    vo2 = _file("Global Export Data/run_vo2_max-2024-10-18.json")
    assert sources.detect(plain_file(vo2, "p/run_vo2_max-2024-10-18.json")) is fitbit_takeout_vo2max
    result = parse(fitbit_takeout_vo2max, vo2, "p/v.json")
    assert result.n_ignored == result.n_records == len(json.loads(vo2.read_text()))
    path = next(_file("Heart Rate Variability").glob("Daily Heart Rate Variability Summary - 2025-07-(18).csv"))
    result = parse(fitbit_takeout_hrv, path, "p/hrv.csv")
    assert result.n_empty == (pd.read_csv(path)["rmssd"] == 0).sum() == 1 and result.rejects.empty

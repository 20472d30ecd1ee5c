"""Oura API v2 JSON and the flattened sleep-period CSV."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import oura_api_json, oura_sleep_csv


def period(pid, start, end, kind="long_sleep", total=25200, lowest=52, hrv=48.0, efficiency=90):
    return {
        "id": pid,
        "bedtime_start": start,
        "bedtime_end": end,
        "type": kind,
        "total_sleep_duration": total,
        "lowest_heart_rate": lowest,
        "average_hrv": hrv,
        "efficiency": efficiency,
        "time_in_bed": 28000,
    }


def test_raw_sleep_response_dst_night_naps_and_no_data_heart_rate(tmp_path):
    doc = {
        "data": [
            period("a", "2024-03-09T23:30:00-05:00", "2024-03-10T07:30:00-04:00"),  # DST night
            period("b", "2024-03-10T15:00:00-04:00", "2024-03-10T15:30:00-04:00", "late_nap", 1500, 255, None),
            period("c", "2024-03-11T00:10:00-04:00", "2024-03-11T07:10:00-04:00", lowest=255),
            period("a", "2024-03-09T23:30:00-05:00", "2024-03-10T07:30:00-04:00"),  # repeated id
        ],
        "next_token": None,
    }
    path = tmp_path / "sleep.json"
    path.write_text(json.dumps(doc))
    assert sources.detect(plain_file(path, "p/sleep.json")) is oura_api_json
    result = parse(oura_api_json, path, "p/sleep.json")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value")
    day1, day2 = daily.loc["2024-03-10"], daily.loc["2024-03-11"]
    assert day1["sleep_minutes"] == 420 and day1["nap_minutes"] == 25 and day1["resting_hr_bpm"] == 52
    # bedtime 23:30 EST → 07:30 EDT is 7 h elapsed; the midpoint (08:00 UTC) reads 04:00 EDT
    assert day1["sleep_midpoint_min"] == pytest.approx(240)
    assert np.isnan(day2.get("resting_hr_bpm", np.nan))  # 255 = no data
    assert result.rejects["reason"].tolist() == ["duplicate of $.data[0]"]


@pytest.mark.realdata
def test_real_collector_dump():
    path = realdata("oura_api_v2_kola") / "oura_data.json"
    doc = json.loads(path.read_text())
    result = parse(oura_api_json, path, "p/oura_data.json")
    n = sum(len(v["data"]) for v in doc.values())
    unique = sum(len({r["id"] for r in v["data"]}) for v in doc.values())
    assert result.n_records == n == 102 and len(result.rejects) == n - unique == 82
    assert result.rejects["reason"].str.match(r"duplicate of \$\.daily_\w+\.data\[\d+\]$").all()
    obs = result.observations
    steps = obs[obs.metric == "steps"].set_index("day")["value"]
    first = next(r for r in doc["daily_activity"]["data"] if r["day"] == "2024-07-18")
    assert steps[pd.Timestamp("2024-07-18")] == first["steps"] == 10633
    active = obs[(obs.metric == "active_minutes") & (obs.day == "2024-07-18")]["value"].iloc[0]
    assert active == (first["high_activity_time"] + first["medium_activity_time"]) / 60
    assert set(obs.metric) == {
        "steps",
        "active_minutes",
        "sedentary_minutes",
        "readiness_score",
        "temperature_deviation_c",
        "sleep_score",
    }
    assert obs.groupby(["day", "metric"]).size().max() == 1


@pytest.mark.realdata
def test_real_sleep_period_csv():
    path = realdata("oura_sleep_periods_bioinsights") / "oura.csv"
    raw = pd.read_csv(path)
    result = parse(oura_sleep_csv, path, "p/oura.csv")
    assert result.n_records == len(raw) == 71 and result.rejects.empty
    obs = result.observations
    main = raw[raw.type == "long_sleep"]
    assert (obs.metric == "sleep_minutes").sum() == len(main) == 68
    assert obs.loc[obs.metric == "sleep_minutes", "value"].sum() == pytest.approx(main.total_sleep_duration.sum() / 60)
    assert (obs.metric == "nap_minutes").sum() == 3
    assert (obs.metric == "resting_hr_bpm").sum() == (main.lowest_heart_rate != 255).sum()
    assert obs.loc[obs.metric == "resting_hr_bpm", "value"].between(40, 80).all()
    first = obs[obs.day == "2024-01-14"].set_index("metric")["value"]  # 03:26–11:19 −05:00, woke Jan 14
    assert first["sleep_minutes"] == 14850 / 60 and first["hrv_rmssd_ms"] == 61

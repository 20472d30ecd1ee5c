"""Oura API v2 JSON and the flattened sleep-period CSV."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import oura_api_json, oura_app_csv, oura_sleep_csv, oura_v1_json


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


APP_EXPORT = "oura_app_export_cmclab"


def _app_file(pattern: str):
    return next(realdata(APP_EXPORT).rglob(pattern))


@pytest.mark.realdata
@pytest.mark.parametrize("kind", ["daily-activity", "daily-readiness", "daily-sleep", "daily-spo2", "sleep"])
def test_the_app_export_s_json_and_csv_of_a_kind_give_the_same_values(kind):
    """Each kind of the app's export as JSON and as CSV: detected, and the same metrics on the same days, equal
    to the raw file's own fields."""
    json_path, csv_path = _app_file(f"oura_{kind}_*.json"), _app_file(f"oura_{kind}_*.csv")
    assert sources.detect(plain_file(json_path, "p/x.json")) is oura_api_json
    csv_module = sources.detect(plain_file(csv_path, "p/x.csv"))
    assert csv_module is (oura_sleep_csv if kind == "sleep" else oura_app_csv)
    from_json = parse(oura_api_json, json_path, "p/x.json").observations
    from_csv = parse(csv_module, csv_path, "p/x.csv").observations
    key = ["day", "metric"]
    assert len(from_json) == len(from_csv) > 0
    from_json, from_csv = (f.groupby(key)["value"].sum().reset_index() for f in (from_json, from_csv))  # naps
    both = from_json.merge(from_csv, on=key, suffixes=("_json", "_csv"))
    assert len(both) == len(from_json) == len(from_csv)
    np.testing.assert_allclose(both["value_json"], both["value_csv"])


@pytest.mark.realdata
def test_app_export_values_days_empties_and_sentinels():
    records = {
        k: json.loads(_app_file(f"oura_{k.replace('_', '-')}_*.json").read_text())[k]
        for k in ("daily_activity", "daily_readiness", "daily_spo2")
    }
    activity = parse(oura_api_json, _app_file("oura_daily-activity_*.json"), "p/a.json").observations
    first = records["daily_activity"][0]
    steps = activity[(activity["metric"] == "steps") & (activity["day"] == first["day"])]
    assert steps["value"].item() == first["steps"] == 980
    active = activity[(activity["metric"] == "active_minutes") & (activity["day"] == first["day"])]
    assert active["value"].item() == (first["high_activity_time"] + first["medium_activity_time"]) / 60
    assert steps["coverage"].item() == pytest.approx(1 - first["non_wear_time"] / 86400)
    # temperature_trend_deviation carries Oura's -49096.12; the deviation we read is the plain one
    readiness = parse(oura_api_json, _app_file("oura_daily-readiness_*.json"), "p/r.json").observations
    sentinel = next(r for r in records["daily_readiness"] if r["temperature_trend_deviation"] == -49096.12)
    deviation = readiness[(readiness["metric"] == "temperature_deviation_c") & (readiness["day"] == sentinel["day"])]
    assert deviation["value"].item() == sentinel["temperature_deviation"] == -0.26
    spo2 = parse(oura_app_csv, _app_file("oura_daily-spo2_*.csv"), "p/s.csv")
    missing = sum(r.get("spo2_percentage") is None for r in records["daily_spo2"])
    assert spo2.n_empty == missing == 40 and len(spo2.observations) == len(records["daily_spo2"]) - missing
    assert spo2.observations["metric"].eq("spo2_pct").all() and spo2.observations["value"].between(97, 100).all()


@pytest.mark.realdata
def test_app_export_heart_rate_is_utc_placed_on_the_participant_s_day_and_bedtime_is_ignored():
    path = _app_file("oura_heart-rate_*.csv")
    frame = pd.read_csv(path)
    result = parse(oura_app_csv, path, "p/hr.csv", timezone="Europe/Amsterdam")
    assert len(result.samples) == len(frame) == result.n_records and result.rejects.empty
    first = result.samples.iloc[0]  # 2023-09-12T19:38:50Z is 21:38:50 in Amsterdam (CEST)
    assert str(first["start"]) == "2023-09-12 21:38:50" and first["utc_offset_min"] == 120
    assert first["value"] == frame["bpm"].iloc[0]
    bedtime = parse(oura_app_csv, _app_file("oura_bedtime_*.csv"), "p/b.csv")
    assert bedtime.n_ignored == bedtime.n_records == 70 and bedtime.observations.empty


V1_DOC_SLEEP = {  # the example of Oura's v1 documentation (cloud.ouraring.com/docs/sleep), trimmed
    "summary_date": "2017-11-05",
    "period_id": 0,
    "is_longest": 1,
    "timezone": 120,
    "bedtime_start": "2017-11-06T02:13:19+02:00",
    "bedtime_end": "2017-11-06T08:12:19+02:00",
    "score": 70,
    "total": 20310,
    "duration": 21540,
    "awake": 1230,
    "light": 10260,
    "rem": 7140,
    "deep": 2910,
    "onset_latency": 480,
    "efficiency": 94,
    "midpoint_time": 11010,
    "hr_lowest": 49,
    "hr_average": 56.375,
    "rmssd": 54,
    "breath_average": 13,
    "temperature_delta": -0.06,
}


def test_oura_v1_sleep_activity_and_readiness(tmp_path):
    nap = {**V1_DOC_SLEEP, "period_id": 1, "is_longest": 0, "total": 1800}
    nap |= {"bedtime_start": "2017-11-06T14:00:00+02:00", "bedtime_end": "2017-11-06T14:40:00+02:00"}
    doc = {
        "sleep": [V1_DOC_SLEEP, nap, dict(V1_DOC_SLEEP)],  # the third repeats the first
        "activity": [
            {"summary_date": "2017-11-06", "steps": 9123, "low": 220, "medium": 35, "high": 12, "inactive": 610,
             "rest": 480, "non_wear": 144, "score": 80},
        ],
        "readiness": [
            {"summary_date": "2017-11-05", "period_id": 0, "score": 62},
            {"summary_date": "2017-11-09", "period_id": 0, "score": 71},  # no sleep period of its own in the file
        ],
    }  # fmt: skip
    path = tmp_path / "oura_v1.json"
    path.write_text(json.dumps(doc))
    assert sources.detect(plain_file(path, "p/oura_v1.json")) is oura_v1_json
    result = parse(oura_v1_json, path, "p/oura_v1.json")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value")
    night = daily.loc["2017-11-06"]  # summary_date 2017-11-05 is "one day prior" to the morning the night ends
    assert night["sleep_minutes"] == 20310 / 60 and night["nap_minutes"] == 30
    assert (night["resting_hr_bpm"], night["hrv_rmssd_ms"], night["respiratory_rate_brpm"]) == (49, 54, 13)
    assert (night["sleep_efficiency_pct"], night["sleep_score"], night["temperature_deviation_c"]) == (94, 70, -0.06)
    assert night["sleep_midpoint_min"] == pytest.approx(5 * 60 + 12 + 49 / 60)  # 02:13:19 … 08:12:19 → 05:12:49
    assert (night["steps"], night["active_minutes"], night["sedentary_minutes"]) == (9123, 47, 610)
    assert night["readiness_score"] == 62  # the day of the sleep period it scores
    assert daily.loc["2017-11-10", "readiness_score"] == 71  # no period in the file: summary_date + 1
    coverage = result.observations.loc[result.observations["metric"] == "steps", "coverage"].item()
    assert coverage == pytest.approx(1 - 144 / 1440)
    assert result.rejects["reason"].tolist() == ["duplicate of $.sleep[0]"]
    assert result.n_records == 6


def test_v2_app_json_keys_are_detected_and_v1_is_not_taken_for_v2():
    assert oura_api_json.detect("x.json", '{\n  "daily_sleep": [\n    {"day": "2023-09-13"')
    assert oura_api_json.detect("x.json", '{"heartrate": [{"bpm": 60, "timestamp": "2023-09-12T19:38:50Z"}]}')
    assert not oura_api_json.detect("x.json", '{"sleep": [{"summary_date": "2017-11-05", "rmssd": 54}]}')
    assert oura_v1_json.detect("x.json", '{"sleep": [{"summary_date": "2017-11-05", "rmssd": 54}]}')

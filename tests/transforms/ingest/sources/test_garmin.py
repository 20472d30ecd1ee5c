"""Garmin Connect "export your data" files (DI_CONNECT/…): sleep, daily summaries, health status, the rest."""

import json

import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import garmin_daily_summary, garmin_health_status, garmin_other, garmin_sleep

GARMIN = "garmin_connect_ryanyng"


def _real(pattern: str):
    return next(realdata(GARMIN).rglob(pattern))


def _write(tmp_path, name: str, doc) -> object:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.realdata
def test_real_sleep_nights_without_stages_are_quarantined_with_the_reason_a_measured_night_kept():
    path = _real("2024-07-21_2024-10-29_*_sleepData.json")
    nights = json.loads(path.read_text())
    assert sources.detect(plain_file(path, "p/x.json")) is garmin_sleep
    result = parse(garmin_sleep, path, "p/sleep.json", timezone="Etc/GMT-7")  # the wearer's UTC+7
    measured = [n for n in nights if n.get("deepSleepSeconds", 0) + n.get("lightSleepSeconds", 0) > 0]
    assert len(measured) == 1 and result.n_records == len(nights) == 23
    night = result.observations.pivot_table(index="day", columns="metric", values="value").loc["2024-10-25"]
    asleep = (21180 + 180) / 60  # deep + light seconds; the window 21:59:40 … 03:56:00 UTC
    assert night["sleep_minutes"] == asleep == 356
    assert night["sleep_efficiency_pct"] == pytest.approx(100 * asleep * 60 / (5 * 3600 + 56 * 60 + 19.57))
    assert night["sleep_midpoint_min"] == pytest.approx(7 * 60 + 57 + 50.2 / 60, abs=0.01)  # 07:57:50 UTC+7
    reasons = result.rejects["reason"].value_counts()
    off_wrist = sum(n["sleepWindowConfirmationType"] == "OFF_WRIST" for n in nights)
    assert (
        reasons[
            "Garmin measured no sleep in this window (OFF_WRIST): no stage seconds; the watch was not worn or not measuring"
        ]
        == off_wrist
    )
    assert len(result.rejects) == len(nights) - 1


def test_sleep_with_rem_local_times_score_and_unmeasured_minutes(tmp_path):
    night = {  # the fields of a full night as public parsers of the export read them (REM, scores, SpO2)
        "sleepStartTimestampGMT": "2025-03-01T22:00:00.0",
        "sleepEndTimestampGMT": "2025-03-02T06:00:00.0",
        "sleepStartTimestampLocal": "2025-03-01T23:00:00.0",
        "sleepEndTimestampLocal": "2025-03-02T07:00:00.0",
        "calendarDate": "2025-03-02",
        "sleepWindowConfirmationType": "ENHANCED_CONFIRMED_FINAL",
        "deepSleepSeconds": 3600,
        "lightSleepSeconds": 14400,
        "remSleepSeconds": 7200,
        "awakeSleepSeconds": 1800,
        "unmeasurableSeconds": 1800,
        "averageRespiration": 14.5,
        "sleepScores": {"overallScore": 81},
        "spo2SleepSummary": {"averageSPO2": 95.0},
    }
    repeat = dict(night)
    result = parse(garmin_sleep, _write(tmp_path, "x_sleepData.json", [night, repeat]), "p/s.json")
    values = result.observations.set_index("metric")["value"]
    assert values["sleep_minutes"] == 420 and values["sleep_efficiency_pct"] == pytest.approx(87.5)
    assert values["sleep_midpoint_min"] == 180  # 23:00 … 07:00 on the watch's clock: 03:00
    assert (values["sleep_score"], values["respiratory_rate_brpm"], values["spo2_pct"]) == (81, 14.5, 95)
    assert result.observations["coverage"].iloc[0] == pytest.approx((25200 + 1800) / 28800)
    assert result.rejects["reason"].tolist() == ["duplicate of $[0]"]


@pytest.mark.realdata
def test_real_daily_summaries():
    path = _real("UDSFile_2024-10-29_2025-02-06.json")
    days = json.loads(path.read_text())
    assert sources.detect(plain_file(path, "p/x.json")) is garmin_daily_summary
    result = parse(garmin_daily_summary, path, "p/uds.json")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value")
    first = daily.loc["2024-10-29"]
    assert (first["resting_hr_bpm"], first["steps"], first["active_minutes"]) == (58, 19080, 11 + 20)
    without_steps = sum("totalSteps" not in d and "restingHeartRate" not in d for d in days)
    assert result.n_empty == without_steps == 6 and result.rejects.empty
    assert "2024-10-31" not in daily.index  # no steps, no heart rate: its zero intensity minutes are not data


def test_daily_summary_stress_and_body_battery(tmp_path):
    day = {  # allDayStress and bodyBattery as Garmin writes them (public parsers of the export)
        "calendarDate": "2025-05-12",
        "wellnessStartTimeGmt": "2025-05-11T22:00:00.0",
        "wellnessStartTimeLocal": "2025-05-12T00:00:00.0",
        "includesWellnessData": True,
        "totalSteps": 9533,
        "restingHeartRate": 57,
        "sedentarySeconds": 36000,
        "allDayStress": {
            "aggregatorList": [
                {"type": "TOTAL", "averageStressLevel": 31, "maxStressLevel": 91},
                {"type": "AWAKE", "averageStressLevel": 35},
                {"type": "ASLEEP", "averageStressLevel": -2},
            ]
        },
        "bodyBattery": {
            "chargedValue": 45,
            "drainedValue": 22,
            "bodyBatteryStatList": [
                {"bodyBatteryStatType": "HIGHEST", "statsValue": 80},
                {"bodyBatteryStatType": "LOWEST", "statsValue": 20},
            ],
        },
    }
    too_little = {
        **day,
        "calendarDate": "2025-05-13",
        "allDayStress": {"aggregatorList": [{"type": "TOTAL", "averageStressLevel": -1}]},
    }
    result = parse(garmin_daily_summary, _write(tmp_path, "UDSFile_x.json", [day, too_little]), "p/u.json")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value")
    assert (daily.loc["2025-05-12", "stress_level"], daily.loc["2025-05-12", "body_battery_max"]) == (31, 80)
    assert daily.loc["2025-05-12", "sedentary_minutes"] == 600
    assert "stress_level" not in daily.loc["2025-05-13"].dropna()  # -1: too little data


def test_health_status_hrv_respiration_and_spo2(tmp_path):
    records = [  # the shape of *_healthStatusData.json as public parsers of the export read it
        {
            "calendarDate": "2024-05-03",
            "metrics": [
                {
                    "type": "HRV",
                    "value": 62.0,
                    "status": "IN_RANGE",
                    "baselineLowerLimit": 50,
                    "baselineUpperLimit": 70,
                },
                {"type": "HR", "value": 57.0, "status": "IN_RANGE"},
                {"type": "SPO2", "value": 97.0, "status": "IN_RANGE"},
                {"type": "RESPIRATION", "value": 14.0, "status": "IN_RANGE"},
                {"type": "SKIN_TEMP_C", "value": 34.1, "status": "IN_RANGE"},
            ],
        },
        {"calendarDate": "2024-05-04", "metrics": [{"type": "HRV", "value": 0.0, "status": "UNKNOWN"}]},
    ]
    path = _write(tmp_path, "2024-05-01_2024-08-01_1_healthStatusData.json", records)
    assert sources.detect(plain_file(path, "p/x.json")) is garmin_health_status
    result = parse(garmin_health_status, path, "p/h.json")
    values = result.observations.set_index("metric")["value"]
    assert dict(values) == {"hrv_rmssd_ms": 62.0, "respiratory_rate_brpm": 14.0, "spo2_pct": 97.0}
    assert result.n_empty == 1


@pytest.mark.realdata
def test_other_garmin_files_are_ignored_by_kind():
    path = _real("ActivityVo2Max_*.json")
    assert sources.detect(plain_file(path, "p/x.json")) is garmin_other
    result = parse(garmin_other, path, f"p/{path.name}")
    assert result.n_ignored == result.n_records == len(json.loads(path.read_text())) == 43
    assert result.notes == ["records ignored: ActivityVo2Max: no daily metric of ours"]

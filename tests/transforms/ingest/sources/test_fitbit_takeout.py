"""Fitbit takeout (PMData layout): resting HR JSON, sleep logs, HRV summary CSV."""

import json

import pandas as pd
import pytest

from tests.transforms.ingest.sources.helpers import parse
from transforms.daily_metrics import aggregate_daily
from transforms.ingest import sources
from transforms.ingest.errors import MalformedFile
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import fitbit_takeout_hrv, fitbit_takeout_resting_hr, fitbit_takeout_sleep


def write_json(tmp_path, name, records):
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return path


def test_resting_hr_zero_is_no_data_and_duplicates_are_quarantined(tmp_path):
    path = write_json(
        tmp_path,
        "resting_heart_rate.json",
        [
            {"dateTime": "11/01/19 00:00:00", "value": {"date": "11/01/19", "value": 57.6, "error": 6.9}},
            {"dateTime": "11/02/19 00:00:00", "value": {"date": "11/02/19", "value": 0.0, "error": 0.0}},
            {"dateTime": "11/03/19 00:00:00", "value": {"date": "11/03/19", "value": 58.1, "error": 6.0}},
            {"dateTime": "11/03/19 00:00:00", "value": {"date": "11/03/19", "value": 58.1, "error": 6.0}},
            {"dateTime": "yesterday", "value": {"date": "?", "value": 58.1, "error": 6.0}},
        ],
    )
    assert sources.detect(plain_file(path, path.name)) is fitbit_takeout_resting_hr
    result = parse(fitbit_takeout_resting_hr, path, "p1/fitbit/resting_heart_rate.json")
    assert result.observations["value"].tolist() == [57.6, 58.1]
    assert result.observations["day"].dt.strftime("%Y-%m-%d").tolist() == ["2019-11-01", "2019-11-03"]
    assert result.n_empty == 1
    assert dict(zip(result.rejects["locator"], result.rejects["reason"])) == {
        "$[4]": "unparseable dateTime (9 characters)",
        "$[3]": "duplicate of $[2]",
    }
    assert json.loads(result.rejects.set_index("locator").loc["$[4]", "raw"])["dateTime"] == "yesterday"


def sleep_log(log_id, day, start, end, asleep, in_bed, main, kind="stages", efficiency=93):
    return {
        "logId": log_id,
        "dateOfSleep": day,
        "startTime": start,
        "endTime": end,
        "minutesAsleep": asleep,
        "timeInBed": in_bed,
        "efficiency": efficiency,
        "type": kind,
        "mainSleep": main,
        "levels": {"summary": {}},
    }


def test_sleep_main_and_nap_midpoint_and_efficiency(tmp_path):
    path = write_json(
        tmp_path,
        "sleep.json",
        [
            sleep_log(1, "2019-11-02", "2019-11-01T23:00:00.000", "2019-11-02T07:00:00.000", 420, 480, True),
            sleep_log(2, "2019-11-02", "2019-11-02T14:00:00.000", "2019-11-02T14:40:00.000", 35, 40, False, "classic"),
            sleep_log(2, "2019-11-02", "2019-11-02T14:00:00.000", "2019-11-02T14:40:00.000", 35, 40, False, "classic"),
            sleep_log(3, "2019-11-03", "2019-11-03T07:00:00.000", "2019-11-03T06:00:00.000", 10, 10, True),
        ],
    )
    assert sources.detect(plain_file(path, path.name)) is fitbit_takeout_sleep
    result = parse(fitbit_takeout_sleep, path, "p1/fitbit/sleep.json")
    daily = aggregate_daily(result.observations.assign(participant_id="p1")).set_index("metric")["value"]
    assert daily["sleep_minutes"] == 420 and daily["nap_minutes"] == 35  # naps kept apart
    assert daily["sleep_efficiency_pct"] == 93  # main sleep only
    assert daily["sleep_midpoint_min"] == 180  # 03:00 on the day of waking
    assert dict(zip(result.rejects["locator"], result.rejects["reason"])) == {
        "$[3]": "endTime not after startTime",
        "$[2]": "duplicate of $[1]",
    }


def test_mixed_timestamp_spellings_and_unflagged_logs(tmp_path):
    path = write_json(
        tmp_path,
        "sleep.json",
        [
            {**sleep_log(1, "2019-11-02", "11/01/19 23:00:00", "11/02/19 07:00:00", 400, 480, True), "mainSleep": None},
            sleep_log(2, "11/03/19", "2019-11-02T23:30:00", "2019-11-03T06:30:00", 380, 420, True),
        ],
    )
    result = parse(fitbit_takeout_sleep, path, "p/sleep.json")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value")
    assert result.rejects.empty
    assert daily.loc["2019-11-02", "sleep_minutes"] == 400  # no flag: the day's longest log is main
    assert daily.loc["2019-11-03", "sleep_minutes"] == 380


def test_midpoint_before_midnight_is_negative(tmp_path):
    path = write_json(
        tmp_path,
        "sleep.json",
        [sleep_log(1, "2019-11-02", "2019-11-01T20:00:00", "2019-11-02T02:00:00", 300, 360, True)],
    )
    obs = parse(fitbit_takeout_sleep, path, "s.json").observations.set_index("metric")["value"]
    assert obs["sleep_midpoint_min"] == -60


def test_truncated_json_is_a_malformed_file(tmp_path):
    path = tmp_path / "sleep.json"
    path.write_text('[{"logId": 1, "dateOfSleep": "2019-11-02"')
    with pytest.raises(MalformedFile, match=r"s\.json"):
        parse(fitbit_takeout_sleep, path, "s.json")


def test_hrv_summary_csv(tmp_path):
    path = tmp_path / "Daily Heart Rate Variability Summary - 2024-07-(21).csv"
    path.write_text(
        "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.232,49.623,2.472\n2024-07-22T00:00:00,,50.1,2.4\n"
    )
    assert sources.detect(plain_file(path, path.name)) is fitbit_takeout_hrv
    result = parse(fitbit_takeout_hrv, path, "p/hrv.csv")
    assert result.observations["value"].tolist() == [29.232]
    assert result.rejects["reason"].tolist() == ["missing rmssd"]
    assert (result.observations["day"] == pd.Timestamp("2024-07-21")).all()


def test_sleep_score_timestamp_is_the_local_wake_time_in_any_column_order(tmp_path):
    from transforms.ingest.sources import fitbit_takeout_sleep_score

    path = tmp_path / "sleep_score.csv"
    path.write_text(
        "timestamp,sleep_log_entry_id,overall_score,composition_score,revitalization_score,"
        "duration_score,deep_sleep_in_minutes,resting_heart_rate,restlessness\n"
        "2020-03-11T03:13:00Z,26185834,81,20,21,40,90,58,0.07\n"
        "2020-03-12T06:00:00Z,26185834,70,20,21,40,90,58,0.07\n"
    )
    assert sources.detect(plain_file(path, path.name)) is fitbit_takeout_sleep_score
    for zone in ("Europe/Oslo", "America/New_York"):  # the 'Z' is not UTC: the date as written, in any zone
        result = parse(fitbit_takeout_sleep_score, path, "p/sleep_score.csv", timezone=zone)
        assert result.observations["day"].tolist() == [pd.Timestamp("2020-03-11")]
        assert result.observations["value"].tolist() == [81]
        assert result.rejects["reason"].tolist() == ["conflicting duplicate of line 2"]


def test_steps_json_string_values(tmp_path):
    from transforms.ingest.samples import DailyFromSamples
    from transforms.ingest.sources import fitbit_takeout_series

    records = [{"dateTime": f"2019-11-01 {h:02d}:{m:02d}:00", "value": str(h)} for h in range(24) for m in range(60)]
    records.append({"dateTime": "2019-11-02 00:00:00", "value": "many"})
    path = tmp_path / "steps.json"
    path.write_text(json.dumps(records))
    assert sources.detect(plain_file(path, path.name)) is fitbit_takeout_series
    result = parse(fitbit_takeout_series, path, "p/steps.json")
    assert result.rejects["reason"].tolist() == ["value is not a number (4 characters)"]
    acc = DailyFromSamples("x", "p/steps.json")
    acc.add(result.samples.assign(participant_id="p"))
    assert acc.finish().set_index("metric").loc["steps", "value"] == sum(h * 60 for h in range(24))


@pytest.mark.parametrize(
    "name, metric",
    [
        ("very_active_minutes.json", "active_minutes"),
        ("moderately_active_minutes-2022-10-19.json", "active_minutes"),
        ("sedentary_minutes.json", "sedentary_minutes"),
        ("lightly_active_minutes.json", None),
        ("calories.json", None),
    ],
)
def test_daily_series_are_told_apart_by_file_name(tmp_path, name, metric):
    from transforms.ingest.sources import fitbit_takeout_series

    path = write_json(
        tmp_path,
        name,
        [
            {"dateTime": "11/01/19 00:00:00", "value": "1440"},
            {"dateTime": "2019-11-02 00:00:00", "value": 30},
            {"dateTime": "2019-11-02T00:00:00.000", "value": "31"},
        ],
    )
    assert sources.detect(plain_file(path, path.name)) is fitbit_takeout_series
    result = parse(fitbit_takeout_series, path, f"p/{name}")
    assert result.n_records == 3
    if metric is None:
        assert result.n_ignored == 3 and result.observations.empty and result.notes
        return
    assert result.observations["metric"].unique().tolist() == [metric]
    assert result.observations["value"].tolist() == [1440, 30]
    assert result.rejects["reason"].tolist() == ["conflicting duplicate of $[1]"]
    if metric == "sedentary_minutes":  # a whole day sedentary is a day without the tracker
        assert result.observations["coverage"].tolist()[0] == 0


def test_a_series_of_unknown_kind_is_unsupported(tmp_path):
    path = write_json(tmp_path, "swimming_lengths.json", [{"dateTime": "11/01/19 00:00:00", "value": "12"}])
    assert sources.detect(plain_file(path, path.name)) is None

"""Fitabase intraday and weight files: heart rate with coverage, hourly steps, minute sleep, weight."""

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.sources.helpers import parse
from transforms.samples import DailyFromSamples
from transforms.sources import fitabase_intraday, fitabase_weight


def to_daily(result):
    acc = DailyFromSamples("fitabase_intraday", "f")
    acc.add(result.samples.rename(columns={"account_id": "participant_id"}))
    return acc.finish().pivot_table(index=["participant_id", "day"], columns="metric", values="value")


def test_heartrate_seconds_mean_and_coverage(tmp_path):
    lines = ["Id,Time,Value"]
    for minute in range(40):  # 09:00–09:39, two samples a minute
        for sec in (5, 35):
            lines.append(f"1503960366,4/12/2016 9:{minute:02d}:{sec:02d} AM,{70 + minute % 3}")
    lines.append("1503960366,4/12/2016 10:00:05 AM,abc")
    path = tmp_path / "heartrate_seconds_merged.csv"
    path.write_text("\n".join(lines) + "\n")
    result = parse(fitabase_intraday, path, "f/heartrate_seconds_merged.csv")
    assert result.n_records == 81 and result.rejects["reason"].tolist() == ["Value='abc' is not a number"]
    acc = DailyFromSamples("fitabase_intraday", "f")
    acc.add(result.samples.rename(columns={"account_id": "participant_id"}))
    out = acc.finish().set_index("metric")
    assert out.loc["heart_rate_mean_bpm", "value"] == pytest.approx((70 * 14 + 71 * 13 + 72 * 13) / 40)
    assert out.loc["heart_rate_mean_bpm", "coverage"] == pytest.approx(1 / 24)


def test_hourly_steps_and_minute_sleep(tmp_path):
    steps = tmp_path / "hourlySteps_merged.csv"
    steps.write_text("Id,ActivityHour,StepTotal\n1,4/12/2016 12:00:00 AM,0\n1,4/12/2016 8:00:00 AM,1200\n"
                     "1,4/12/16 9:00,800\n")
    assert to_daily(parse(fitabase_intraday, steps, "f/h.csv")).loc[("1", "2016-04-12"), "steps"] == 2000
    minutes = ["Id,date,value,logId"]
    start = pd.Timestamp("2016-04-12 23:00")
    for m in range(420):
        value = 3 if m < 10 else (2 if m % 50 == 0 else 1)
        minutes.append(f"1,{(start + pd.Timedelta(minutes=m)):%-m/%-d/%Y %-I:%M:%S %p},{value},11")
    sleep = tmp_path / "minuteSleep_merged.csv"
    sleep.write_text("\n".join(minutes) + "\n")
    daily = to_daily(parse(fitabase_intraday, sleep, "f/s.csv")).loc[("1", "2016-04-13")]
    asleep = sum(1 for m in range(420) if m >= 10 and m % 50 != 0)
    assert daily["sleep_minutes"] == asleep
    assert daily["sleep_efficiency_pct"] == pytest.approx(100 * asleep / 420)


@pytest.mark.realdata
def test_real_weight_log_pounds_and_kilograms():
    path = realdata("fitabase_fitbit_2016") / "weightLogInfo_merged.csv"
    raw = pd.read_csv(path)
    result = parse(fitabase_weight, path, "f/w.csv")
    assert result.n_records == len(raw) == 67 and result.rejects.empty
    assert result.observations["value"].to_numpy() == pytest.approx(raw["WeightKg"].to_numpy())


@pytest.mark.realdata
def test_real_hourly_calories_are_recognised_and_ignored():
    result = parse(fitabase_intraday, realdata("fitabase_fitbit_2016") / "hourlyCalories_merged.csv", "f/c.csv")
    assert result.n_records == result.n_ignored == 22099 and result.samples.empty

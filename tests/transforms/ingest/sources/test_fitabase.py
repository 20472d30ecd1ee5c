"""Fitabase daily activity and sleep-day CSVs: fixtures for each quirk, and the real 2016 export."""

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.errors import SchemaDrift
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import fitabase_daily_activity, fitabase_sleep_day

ACTIVITY_HEADER = (
    "Id,ActivityDate,TotalSteps,TotalDistance,TrackerDistance,LoggedActivitiesDistance,"
    "VeryActiveDistance,ModeratelyActiveDistance,LightActiveDistance,SedentaryActiveDistance,"
    "VeryActiveMinutes,FairlyActiveMinutes,LightlyActiveMinutes,SedentaryMinutes,Calories\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_daily_activity_metrics_dates_and_rejects(tmp_path):
    path = write(
        tmp_path,
        "dailyActivity_merged.csv",
        ACTIVITY_HEADER
        + "111,4/12/2016,1000,0.7,0.7,0,0,0,0.7,0,10,5,100,800,1800\n"  # line 2 pristine date
        + "111,4/13/16,2000,1.4,1.4,0,0,0,1.4,0,20,10,200,700,1900\n"  # line 3 Excel short date
        + "111,13/40/2016,5,0,0,0,0,0,0,0,0,0,0,1440,1500\n"  # line 4 bad date
        + "111,4/14/2016,lots,0,0,0,0,0,0,0,0,0,0,1440,1500\n"  # line 5 not a number
        + "111,4/13/16,2000,1.4,1.4,0,0,0,1.4,0,20,10,200,700,1900\n"  # line 6 exact duplicate
        + "111,4/12/2016,999,0.7,0.7,0,0,0,0.7,0,10,5,100,800,1800\n"  # line 7 conflicting
        + "222,4/12/2016,0,0,0,0,0,0,0,0,0,0,0,1440,1500\n",
    )  # line 8 non-wear
    result = parse(fitabase_daily_activity, path, "fit/dailyActivity_merged.csv")
    obs = result.observations.set_index(["account_id", "day", "metric"])["value"]
    assert obs[("111", pd.Timestamp("2016-04-12"), "steps")] == 1000
    assert obs[("111", pd.Timestamp("2016-04-13"), "steps")] == 2000
    assert obs[("111", pd.Timestamp("2016-04-12"), "active_minutes")] == 15
    assert obs[("111", pd.Timestamp("2016-04-12"), "sedentary_minutes")] == 800
    rejects = result.rejects.set_index("locator")["reason"].to_dict()
    assert rejects == {
        "line 4": "unparseable ActivityDate (10 characters)",
        "line 5": "TotalSteps is not a number (4 characters)",
        "line 6": "duplicate of line 3",
        "line 7": "conflicting duplicate of line 2",
    }
    assert result.rejects.set_index("locator").loc["line 5", "raw"].startswith("111,4/14/2016,lots,")
    steps = result.observations.query("metric == 'steps'").set_index("account_id")["coverage"]
    assert steps["222"] == 0.0 and steps["111"].isna().all()


def test_sleep_day_efficiency_and_impossible_record(tmp_path):
    path = write(
        tmp_path,
        "sleepDay_merged.csv",
        "Id,SleepDay,TotalSleepRecords,TotalMinutesAsleep,TotalTimeInBed\n"
        "1,4/12/2016 12:00:00 AM,1,327,346\n"
        "1,4/13/2016 12:00:00 AM,2,500,400\n",
    )
    result = parse(fitabase_sleep_day, path, "s.csv")
    eff = result.observations.query("metric == 'sleep_efficiency_pct'")["value"].iloc[0]
    assert eff == pytest.approx(100 * 327 / 346)
    assert result.rejects["reason"].tolist() == ["TotalMinutesAsleep exceeds TotalTimeInBed"]


def test_missing_column_is_reported_as_schema_drift(tmp_path):
    path = write(
        tmp_path,
        "sleepDay_merged.csv",
        "Id,SleepDay,TotalSleepRecords,MinutesAsleep,TotalTimeInBed\n1,4/12/2016 12:00:00 AM,1,327,346\n",
    )
    with pytest.raises(SchemaDrift, match="TotalMinutesAsleep"):
        parse(fitabase_sleep_day, path, "s.csv")


def count_data_lines(path):
    with open(path) as fh:
        return sum(1 for line in fh if line.strip()) - 1


@pytest.mark.realdata
def test_real_daily_activity_every_row_lands_or_is_rejected():
    path = realdata("fitabase_fitbit_2016") / "dailyActivity_merged.csv"
    assert sources.detect(plain_file(path, path.name)) is fitabase_daily_activity
    result = parse(fitabase_daily_activity, path, "dailyActivity_merged.csv")
    steps = result.observations.query("metric == 'steps'")
    assert len(steps) + len(result.rejects) == count_data_lines(path) == 940
    assert not steps.duplicated(["account_id", "day"]).any()
    raw = pd.read_csv(path)
    assert steps["value"].sum() == raw["TotalSteps"].sum()


@pytest.mark.realdata
def test_real_sleep_day_duplicates_do_not_double_count():
    path = realdata("fitabase_fitbit_2016") / "sleepDay_merged.csv"
    assert sources.detect(plain_file(path, path.name)) is fitabase_sleep_day
    result = parse(fitabase_sleep_day, path, "sleepDay_merged.csv")
    asleep = result.observations.query("metric == 'sleep_minutes'")
    assert len(asleep) + len(result.rejects) == count_data_lines(path) == 413
    assert sorted(result.rejects["reason"].str.extract(r"^(duplicate) of line \d+$")[0]) == ["duplicate"] * 3
    raw = pd.read_csv(path).drop_duplicates()
    assert len(raw) == len(asleep) == 410
    assert asleep["value"].sum() == raw["TotalMinutesAsleep"].sum()


def test_new_and_renamed_columns_are_reported_as_schema_drift(tmp_path):
    added = write(
        tmp_path,
        "sleepDay_merged.csv",
        "Id,SleepDay,TotalSleepRecords,TotalMinutesAsleep,TotalTimeInBed,"
        "SleepScore\n1,4/12/2016 12:00:00 AM,1,327,346,80\n",
    )
    result = parse(fitabase_sleep_day, added, "s.csv")
    assert result.notes == ["schema drift: unexpected column(s) ['SleepScore'] (not read)"]
    assert len(result.observations) == 2
    renamed = write(
        tmp_path,
        "sleepDay_merged.csv",
        "Id,SleepDay,TotalSleepRecords,MinutesAsleep,TotalTimeInBed\n1,4/12/2016 12:00:00 AM,1,327,346\n",
    )
    with pytest.raises(SchemaDrift) as err:
        parse(fitabase_sleep_day, renamed, "s.csv")
    assert err.value.missing == ["TotalMinutesAsleep"] and err.value.unexpected == ["MinutesAsleep"]
    assert "s.csv" in str(err.value) and "MinutesAsleep" in str(err.value)

"""The real Fitabase 2016 export through the whole pipeline: every row lands or is quarantined with a
reason, the three repeated sleepDay rows count once, and no raw Fitbit Id reaches a table."""

import pandas as pd
import pytest

from pipelines.settings import Paths
from tests.conftest import realdata
from tests.pipelines.helpers import TABLES, query, run

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def test_fitabase_2016_end_to_end(tmp_path, landing_copy):
    source = realdata("fitabase_fitbit_2016")
    landing_copy("fitabase_fitbit_2016", "fitabase_2016_04")
    paths = Paths(tmp_path)
    assert run(paths).ok

    files = query(paths, "SELECT * FROM ops.ingested_files").assign(name=lambda f: f["path"].str.split("/").str[-1])
    files = files.set_index("name")
    assert (files["status"] == "ingested").all() and len(files) == 4
    assert (
        files["rows_read"]
        == files["rows_accepted"] + files["rows_quarantined"] + files["rows_empty"] + files["rows_ignored"]
    ).all()
    assert files.loc["hourlyCalories_merged.csv", ["rows_read", "rows_ignored"]].tolist() == [22099, 22099]
    assert files.loc["weightLogInfo_merged.csv", ["rows_read", "rows_accepted"]].tolist() == [67, 67]
    assert files.loc["sleepDay_merged.csv", ["rows_read", "rows_accepted", "rows_quarantined"]].tolist() == [
        413,
        410,
        3,
    ]

    activity = pd.read_csv(source / "dailyActivity_merged.csv")
    steps = query(paths, "SELECT * FROM analytics.daily_metrics WHERE metric = 'steps'")
    quarantined = query(paths, "SELECT * FROM quality.quarantine WHERE source_format = 'fitabase_daily_activity'")
    assert len(steps) + len(quarantined) == len(activity) == 940
    assert steps["value"].sum() == activity["TotalSteps"].sum()

    sleep = pd.read_csv(source / "sleepDay_merged.csv")
    asleep = query(paths, "SELECT * FROM analytics.daily_metrics WHERE metric = 'sleep_minutes'")
    dupes = query(paths, "SELECT reason FROM quality.quarantine WHERE source_format = 'fitabase_sleep_day'")
    assert len(sleep) == 413 and len(asleep) == 410 and len(dupes) == 3
    assert dupes["reason"].str.fullmatch(r"duplicate of line \d+").all()
    assert asleep["value"].sum() == sleep.drop_duplicates()["TotalMinutesAsleep"].sum()

    assert steps["participant_id"].nunique() == activity["Id"].nunique() == 33
    assert steps["participant_id"].str.fullmatch(r"anon-[0-9a-f]{16}").all()
    raw_ids = set(activity["Id"].astype(str))
    for table in TABLES:
        frame = query(paths, f"SELECT * FROM {table}")
        for column in frame.select_dtypes(exclude="number").columns:
            if column != "raw":
                assert not frame[column].astype(str).isin(raw_ids).any(), (table, column)

    nonwear = query(paths, "SELECT count(*) AS n FROM analytics.daily_metrics WHERE metric = 'steps' AND coverage = 0")[
        "n"
    ][0]
    assert nonwear == ((activity["TotalSteps"] == 0) | (activity["SedentaryMinutes"] >= 1440)).sum() > 0


def test_fitabase_non_wear_days_are_low_coverage_not_inactivity(tmp_path, landing_copy):
    source = realdata("fitabase_fitbit_2016")
    landing_copy("fitabase_fitbit_2016", "fitabase_2016_04")
    paths = Paths(tmp_path)
    assert run(paths).ok
    activity = pd.read_csv(source / "dailyActivity_merged.csv")
    zero_steps, all_sedentary = activity["TotalSteps"] == 0, activity["SedentaryMinutes"] == 1440
    assert (zero_steps.sum(), all_sedentary.sum()) == (77, 79)
    steps = query(
        paths, "SELECT participant_id, day, value, coverage FROM analytics.daily_metrics WHERE metric = 'steps'"
    )
    assert (steps["coverage"] == 0).sum() == (zero_steps | all_sedentary).sum() == 84
    low = steps[steps["coverage"] == 0]
    assert (low["value"] == 0).sum() == 77 and set(low["value"].unique()) - {0} != set()
    # non-wear days never enter a baseline: a participant's steps baseline uses only covered days
    baselines = query(paths, "SELECT b.n_days, b.median FROM analytics.baselines b WHERE metric = 'steps'")
    assert (baselines["median"] > 0).all()
    coverage = query(paths, "SELECT * FROM quality.participant_coverage WHERE source = 'fitabase_daily_activity'")
    assert coverage["low_coverage_days"].sum() == 84 and len(coverage) == 33
    assert coverage["data_yield"].between(0, 1).all()
    report = (paths.reports / "quality_report.html").read_text()
    assert "5 Participants" in report and "anon-" in report

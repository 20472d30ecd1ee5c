"""Daily EMA: PMSys wellness CSV and StudentLife EMA JSON."""

import json

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.daily_metrics import aggregate_daily
from transforms.ingest.sources import ema_pmsys, studentlife_ema

HEADER = "effective_time_frame,fatigue,mood,readiness,sleep_duration_h,sleep_quality,soreness,soreness_area,stress\n"


def test_pmsys_local_day_and_latest_entry_wins(tmp_path):
    path = tmp_path / "wellness.csv"
    path.write_text(
        HEADER + "2019-11-01T07:00:00.000Z,3,3,6,7.5,3,2,[],2\n"
        "2019-11-01T19:30:00.000Z,2,4,8,7.5,3,2,[],1\n"  # later the same local day
        "2019-11-01T23:30:00.000Z,1,1,1,5,1,1,[],5\n"
    )  # 00:30 Oslo: next day
    result = parse(ema_pmsys, path, "p/wellness.csv", timezone="Europe/Oslo")
    daily = aggregate_daily(result.observations.assign(participant_id="p")).pivot_table(
        index="day", columns="metric", values="value"
    )
    assert daily.loc["2019-11-01", "ema_mood"] == 4 and daily.loc["2019-11-01", "ema_stress"] == 1
    assert daily.loc["2019-11-02", "ema_stress"] == 5
    assert len(result.observations[result.observations.metric == "ema_mood"]) == 3  # all entries kept


def test_studentlife_stress_recoded_and_empty_responses_quarantined(tmp_path):
    path = tmp_path / "Stress_u09.json"
    path.write_text(
        json.dumps(
            [
                {"level": "3", "resp_time": 1364237696},
                {"level": "5", "resp_time": 1364300000},
                {"null": "43.7,-72.2", "resp_time": 1364114401},
            ]
        )
    )
    result = parse(studentlife_ema, path, "u09/Stress_u09.json", timezone="America/New_York")
    assert result.observations["value"].tolist() == [4.0, 0.0]  # stressed out, feeling great
    assert result.rejects["reason"].tolist() == ["response holds no answer"]


@pytest.mark.realdata
def test_real_studentlife_ema_files():
    folder = realdata("studentlife_surveys") / "EMA"
    totals = {"read": 0, "accepted": 0, "quarantined": 0, "ignored": 0}
    for path in sorted(folder.glob("*_u0*.json")):
        records = json.loads(path.read_text())
        result = parse(studentlife_ema, path, f"u/{path.name}", timezone="America/New_York")
        accepted = result.observations["locator"].nunique()
        assert result.n_records == len(records)
        assert accepted + result.rejects["locator"].nunique() + result.n_ignored == len(records)
        if path.name.startswith(("Mood", "PAM")):
            assert result.n_ignored == len(records)
        totals["read"] += len(records)
        totals["accepted"] += accepted
    assert totals["accepted"] > 200
    obs = pd.concat(
        [
            parse(studentlife_ema, p, f"u/{p.name}", timezone="America/New_York").observations
            for p in folder.glob("Sleep_u0*.json")
        ]
    )
    assert obs.loc[obs.metric == "ema_sleep_duration_h", "value"].between(3, 12).all()
    assert obs["day"].min() >= pd.Timestamp("2013-03-20") and obs["day"].max() <= pd.Timestamp("2013-06-10")

"""Withings Sleep Analyzer: nightly summary (German headers) and raw monitor files."""

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import withings_sleep


def test_english_headers_and_a_nap(tmp_path):
    path = tmp_path / "sleep.csv"
    path.write_text(
        "from,to,light (s),deep (s),rem (s),awake (s),wake up,Heart rate (min)\n"
        "2020-10-11T23:00:00+02:00,2020-10-12T07:00:00+02:00,14400,5400,4800,4200,1,52\n"
        "2020-10-12T14:00:00+02:00,2020-10-12T14:40:00+02:00,1800,0,0,600,0,60\n"
    )
    daily = (
        parse(withings_sleep, path, "w/sleep.csv")
        .observations.pivot_table(index="day", columns="metric", values="value")
        .loc["2020-10-12"]
    )
    assert daily["sleep_minutes"] == 410 and daily["nap_minutes"] == 30 and daily["resting_hr_bpm"] == 52
    assert daily["sleep_efficiency_pct"] == pytest.approx(100 * 410 / 480)
    assert daily["sleep_midpoint_min"] == 180


@pytest.mark.realdata
def test_real_withings_export():
    folder = realdata("withings_sleep_biopsykit")
    raw = pd.read_csv(folder / "sleep.csv")
    result = parse(withings_sleep, folder / "sleep.csv", "w/sleep.csv")
    obs = result.observations
    assert result.n_records == len(raw) == 8 and result.rejects.empty
    asleep = (raw["leicht (s)"] + raw["tief (s)"] + raw["rem (s)"]) / 60
    got = obs[obs.metric.isin(["sleep_minutes", "nap_minutes"])]["value"].sort_values().to_numpy()
    assert got == pytest.approx(asleep.sort_values().to_numpy())
    assert obs.loc[obs.metric == "resting_hr_bpm", "value"].tolist() == raw["Heart rate (min)"].tolist()
    for name in ("raw_sleep-monitor_hr.csv", "raw_sleep-monitor_sleep-state.csv"):
        path = folder / name
        assert sources.detect(plain_file(path, name)) is withings_sleep
        raw_result = parse(withings_sleep, path, name)
        assert raw_result.n_ignored == raw_result.n_records > 0

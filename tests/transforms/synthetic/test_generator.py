"""The synthetic cohort: deterministic for a seed, real vendor formats, episodes after a full baseline."""

import hashlib
import re

import pandas as pd
import pytest

from tests.conftest import realdata
from transforms import vocabulary
from transforms.ingest.identity import ParticipantMap
from transforms.ingest.landing import inputs_of, landing_paths
from transforms.ingest.parse import detect, parse_input
from transforms.synthetic.cohort import CohortSpec, simulate
from transforms.synthetic.vendor_files import write_cohort

GENERATED_FORMATS = {
    "fitabase_daily_activity",
    "fitabase_sleep_day",
    "fitbit_takeout_resting_hr",
    "fitbit_takeout_sleep",
    "fitbit_takeout_hrv",
    "questionnaire_csv",
    "apple_health",
}


def digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def generate(tmp_path, name, **spec):
    landing = tmp_path / name / "landing"
    write_cohort(simulate(CohortSpec(**spec)), landing, tmp_path / name / "truth.csv")
    return landing


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = digest(generate(tmp_path, "a", participants=12, days=90, seed=3))
    b = digest(generate(tmp_path, "b", participants=12, days=90, seed=3))
    c = digest(generate(tmp_path, "c", participants=12, days=90, seed=4))
    assert a == b
    assert a != c


def test_every_generated_file_is_detected_and_parses_cleanly(tmp_path):
    landing = generate(tmp_path, "x", participants=15, days=80, seed=1)
    pmap = ParticipantMap.load(landing / "participants.csv", b"k")
    formats, rejected = set(), []
    for path in landing_paths(landing):
        for source in inputs_of(path, landing):
            module = detect(source)
            formats.add(module.FORMAT)
            for result in parse_input(source, module, pmap):
                rejected += result.rejects["reason"].tolist()
                ids = pd.concat([result.observations["participant_id"], result.responses["participant_id"]])
                assert ids.str.fullmatch(r"P\d{4}").all()  # every account mapped through participants.csv
    assert formats == GENERATED_FORMATS
    assert all(r.startswith("duplicate of line") for r in rejected)  # only the deliberate Fitabase repeats


def test_episodes_follow_a_full_baseline_and_list_observable_metrics(tmp_path):
    cohort = simulate(CohortSpec(participants=60, days=120, seed=2, episode_fraction=0.5))
    eps = cohort.episodes
    win = vocabulary.windows()
    assert eps["participant_id"].nunique() >= 20
    first_possible = cohort.dates[0] + pd.Timedelta(days=win.baseline_days + win.recent_days // 2)
    assert (pd.to_datetime(eps["start_day"]) >= first_possible).all()
    devices = cohort.people.set_index("participant_id")["device"]
    fitabase_eps = eps[eps["participant_id"].map(devices) == "fitabase"]
    assert not fitabase_eps["metric"].isin(["resting_hr_bpm", "hrv_rmssd_ms"]).any()


def test_injected_shift_is_in_the_simulated_values():
    cohort = simulate(CohortSpec(participants=200, days=120, seed=5, episode_fraction=0.5))
    rhr = cohort.daily["resting_hr_bpm"]
    ep = cohort.episodes.query("metric == 'resting_hr_bpm'")
    ids = cohort.people["participant_id"].tolist()
    during, before = [], []
    for row in ep.itertuples():
        p = ids.index(row.participant_id)
        s = cohort.dates.get_loc(pd.Timestamp(row.start_day))
        e = cohort.dates.get_loc(pd.Timestamp(row.end_day))
        during.append(rhr[p, s : e + 1].mean())
        before.append(rhr[p, s - 30 : s].mean())
    assert pd.Series(during).sub(pd.Series(before)).mean() == pytest.approx(5.0, abs=0.6)


@pytest.mark.realdata
def test_fitabase_headers_match_the_real_export(tmp_path):
    real = realdata("fitabase_fitbit_2016")
    landing = generate(tmp_path, "h", participants=10, days=30, seed=8)
    for name in ("dailyActivity_merged.csv", "sleepDay_merged.csv"):
        generated = (landing / "fitabase_export" / name).read_text().splitlines()
        assert generated[0] == (real / name).read_text().splitlines()[0]
    sleep_line = (landing / "fitabase_export" / "sleepDay_merged.csv").read_text().splitlines()[1]
    activity_line = (landing / "fitabase_export" / "dailyActivity_merged.csv").read_text().splitlines()[1]
    assert re.match(r"^\d{10},\d{1,2}/\d{1,2}/\d{4} 12:00:00 AM,", sleep_line)
    assert re.match(r"^\d{10},\d{1,2}/\d{1,2}/\d{4},\d+,", activity_line)

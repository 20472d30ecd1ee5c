"""Every file kind of the real PMData layout (``../shared/realdata/pmdata_fitbit_pmsys``, participants p01 and
p02): detection, day assignment and values against the files read independently here with json/csv,
empties, ignored records and quarantine reasons."""

import csv
import json

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.daily_metrics import aggregate_daily
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file

pytestmark = pytest.mark.realdata
PARTICIPANTS = ("p01", "p02")


def sample(participant: str, name: str):
    return realdata("pmdata_fitbit_pmsys") / participant / name


def parsed(participant: str, name: str, timezone: str = "UTC"):
    path = sample(participant, name)
    module = sources.detect(plain_file(path, path.name))
    assert module is not None, f"{name} not recognised"
    return module, parse(module, path, f"{participant}/{name}", timezone=timezone)


def daily(result, participant):
    return aggregate_daily(result.observations.assign(participant_id=participant))


def records(participant, name):
    return json.loads(sample(participant, name).read_text())


def csv_rows(participant, name):
    with open(sample(participant, name), newline="") as fh:
        return list(csv.DictReader(fh))


def test_resting_heart_rate_with_iso_spaced_datetimes_and_zero_as_no_data():
    module, result = parsed("p01", "fitbit/resting_heart_rate.json")
    assert module.FORMAT == "fitbit_takeout_resting_hr"
    by_day = result.observations.set_index("day")["value"]
    assert by_day[pd.Timestamp("2019-11-01")] == pytest.approx(53.74107360839844)
    for participant in PARTICIPANTS:
        raw = records(participant, "fitbit/resting_heart_rate.json")
        _, result = parsed(participant, "fitbit/resting_heart_rate.json")
        expected = {pd.Timestamp(r["dateTime"][:10]): r["value"]["value"] for r in raw if r["value"]["value"] != 0}
        got = result.observations.set_index("day")["value"].to_dict()
        assert got == pytest.approx(expected)
        assert result.n_records == len(raw) and result.n_empty == sum(r["value"]["value"] == 0 for r in raw)
        assert result.rejects.empty


def test_sleep_logs_with_mixed_spellings_in_one_record_on_the_day_of_waking():
    for participant in PARTICIPANTS:
        raw = records(participant, "fitbit/sleep.json")
        assert any(" " in r["startTime"] and "T" in r["endTime"] for r in raw)  # the quirk is in the sample
        module, result = parsed(participant, "fitbit/sleep.json")
        assert module.FORMAT == "fitbit_takeout_sleep" and result.n_records == len(raw)
        first_of, duplicates = {}, {}
        for i, r in enumerate(raw):  # the sample's repeated logs are exact copies
            if r["logId"] in first_of:
                duplicates[f"$[{i}]"] = f"duplicate of {first_of[r['logId']]}"
            else:
                first_of[r["logId"]] = f"$[{i}]"
        assert dict(zip(result.rejects["locator"], result.rejects["reason"])) == duplicates
        unique = {r["logId"]: r for r in raw}.values()
        main = pd.DataFrame([r for r in unique if r["mainSleep"]])
        expected = main.groupby("dateOfSleep")["minutesAsleep"].sum()
        got = daily(result, participant).query("metric == 'sleep_minutes'").set_index("day")["value"]
        assert got.rename(lambda d: d.strftime("%Y-%m-%d")).to_dict() == expected.to_dict()
        naps = [r for r in unique if not r["mainSleep"]]
        assert len(result.observations.query("metric == 'nap_minutes'")) == len(naps)


def test_sleep_score_day_is_the_day_its_sleep_log_ends():
    for participant in PARTICIPANTS:
        module, result = parsed(participant, "fitbit/sleep_score.csv", timezone="America/Los_Angeles")
        assert module.FORMAT == "fitbit_takeout_sleep_score"
        woke = {r["logId"]: r["dateOfSleep"] for r in records(participant, "fitbit/sleep.json")}
        rows = csv_rows(participant, "fitbit/sleep_score.csv")
        matched = [r for r in rows if int(r["sleep_log_entry_id"]) in woke]
        assert len(matched) >= len(rows) - 2  # the score file starts a night before sleep.json
        expected = {
            woke.get(int(r["sleep_log_entry_id"]), r["timestamp"][:10]): float(r["overall_score"]) for r in rows
        }
        got = result.observations.set_index("day")["value"].rename(lambda d: d.strftime("%Y-%m-%d")).to_dict()
        assert got == expected and result.n_records == len(rows) and result.rejects.empty


def test_active_minutes_are_moderately_plus_very_and_lightly_is_ignored():
    for participant in PARTICIPANTS:
        parts = []
        for name in ("moderately", "very"):
            _, result = parsed(participant, f"fitbit/{name}_active_minutes.json")
            parts.append(result.observations)
        got = aggregate_daily(pd.concat(parts).assign(participant_id=participant)).set_index("day")["value"]
        minutes = {}
        for name in ("moderately", "very"):
            for r in records(participant, f"fitbit/{name}_active_minutes.json"):
                minutes[r["dateTime"][:10]] = minutes.get(r["dateTime"][:10], 0) + int(r["value"])
        assert got.rename(lambda d: d.strftime("%Y-%m-%d")).to_dict() == minutes
        _, sedentary = parsed(participant, "fitbit/sedentary_minutes.json")
        raw = records(participant, "fitbit/sedentary_minutes.json")
        assert sedentary.observations["value"].tolist() == [float(r["value"]) for r in raw]
        assert (sedentary.observations["metric"] == "sedentary_minutes").all()
        _, lightly = parsed(participant, "fitbit/lightly_active_minutes.json")
        assert lightly.n_ignored == lightly.n_records == len(records(participant, "fitbit/lightly_active_minutes.json"))


@pytest.mark.parametrize(
    "name, format_name",
    [
        ("fitbit/exercise.json", "fitbit_takeout_exercise"),
        ("fitbit/time_in_heart_rate_zones.json", "fitbit_takeout_hr_zones"),
        ("pmsys/injury.csv", "pmsys_injury"),
    ],
)
def test_files_without_a_metric_are_read_and_every_record_ignored(name, format_name):
    for participant in PARTICIPANTS:
        module, result = parsed(participant, name)
        expected = len(csv_rows(participant, name)) if name.endswith(".csv") else len(records(participant, name))
        assert format_name == module.FORMAT
        assert result.n_records == result.n_ignored == expected and result.rejects.empty
        assert result.notes and "no daily metric" in result.notes[0]


def test_wellness_self_reports_on_their_local_day():
    _, result = parsed("p01", "pmsys/wellness.csv", timezone="Europe/Oslo")
    values = daily(result, "p01").query("day == @pd.Timestamp('2019-11-01')").set_index("metric")["value"]
    assert values[["ema_fatigue", "ema_mood", "ema_readiness", "ema_sleep_quality", "ema_stress"]].tolist() == [
        2,
        3,
        5,
        3,
        3,
    ]
    assert result.n_records == len(csv_rows("p01", "pmsys/wellness.csv")) and result.rejects.empty


def test_training_load_is_rpe_times_minutes_summed_per_local_day():
    for participant in PARTICIPANTS:
        module, result = parsed(participant, "pmsys/srpe.csv", timezone="Europe/Oslo")
        assert module.FORMAT == "pmsys_srpe"
        rows = pd.DataFrame(csv_rows(participant, "pmsys/srpe.csv"))
        local = pd.to_datetime(rows["end_date_time"], utc=True).dt.tz_convert("Europe/Oslo").dt.date
        load = rows["perceived_exertion"].astype(float) * rows["duration_min"].astype(float)
        expected = load.groupby(local).sum()
        got = daily(result, participant).set_index("day")["value"]
        assert got.rename(lambda d: d.date()).to_dict() == pytest.approx(expected.to_dict())
        assert result.n_records == len(rows)


def test_daily_report_weight_day_first_last_report_counts_and_empty_weights():
    for participant in PARTICIPANTS:
        module, result = parsed(participant, "googledocs/reporting.csv")
        assert module.FORMAT == "pmdata_daily_report"
        rows = csv_rows(participant, "googledocs/reporting.csv")
        last = {}
        for r in rows:  # the form's order: a later report of a date replaces an earlier one
            if r["weight"].strip():
                d, m, y = r["date"].split("/")
                last[f"{y}-{m}-{d}"] = float(r["weight"])
        got = daily(result, participant).set_index("day")["value"]
        assert got.rename(lambda d: d.strftime("%Y-%m-%d")).to_dict() == last
        assert result.n_empty == sum(not r["weight"].strip() for r in rows)
        assert result.n_records == len(rows) and result.rejects.empty
    _, p02 = parsed("p02", "googledocs/reporting.csv")
    assert (
        len(p02.observations.query("day == @pd.Timestamp('2019-11-17')")) == 3
    )  # every report of the day stays in staging

"""Write a simulated cohort as the files participants' devices and surveys really export.

Layout under the landing folder (README, "Landing folder"; docs/ingestion.md):

    participants.csv                                   participant_id,source,source_account_id
    fitabase_export/dailyActivity_merged.csv           Fitabase, all "fitabase" participants
    fitabase_export/sleepDay_merged.csv
    <participant_id>/fitbit/resting_heart_rate.json    Fitbit takeout (PMData layout)
    <participant_id>/fitbit/sleep.json
    <participant_id>/fitbit/Heart Rate Variability/Daily Heart Rate Variability Summary - YYYY-MM-(DD).csv
    <participant_id>/apple_health/export.zip           Apple Health (apple_health_export/export.xml inside)
    questionnaires/surveys.csv                         respondent_id, completed_at, phq9_1 … who5_5

Vendor quirks reproduced: Fitabase dates ``4/12/2016`` and ``4/12/2016 12:00:00 AM``; Fitabase rows for
days the tracker was not worn (0 steps, 1440 sedentary minutes); occasional exact duplicate sleepDay
rows; Fitbit resting HR entries of 0 meaning "no data"; naps and classic-type sleep logs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from transforms.synthetic.apple_health import write_apple_health
from transforms.synthetic.cohort import Cohort

FITABASE_FOLDER = "fitabase_export"


def write_cohort(cohort: Cohort, landing: Path, truth_path: Path) -> dict[str, int]:
    """Write every file; returns counts of files written by kind."""
    rng = np.random.default_rng(cohort.spec.seed + 1)
    landing.mkdir(parents=True, exist_ok=True)
    counts = {"participants": len(cohort.people)}
    _participant_map(cohort, landing)
    fitabase = cohort.people["device"].to_numpy() == "fitabase"
    if fitabase.any():
        _fitabase(cohort, fitabase, landing / FITABASE_FOLDER, rng)
        counts["fitabase_files"] = 2
    devices = cohort.people["device"].to_numpy()
    counts["takeout_files"] = _takeout(cohort, devices == "fitbit_takeout", landing, rng)
    apple = np.flatnonzero(devices == "apple_health")
    for p in apple:  # one export per participant
        write_apple_health(cohort, int(p), landing / cohort.people["participant_id"].iloc[p] / "apple_health")
    counts["apple_health_files"] = len(apple)
    _questionnaires(cohort, landing / "questionnaires" / "surveys.csv")
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    cohort.episodes.to_csv(truth_path, index=False)
    return counts


def _us_date(dates: pd.DatetimeIndex) -> np.ndarray:
    return np.array([f"{d.month}/{d.day}/{d.year}" for d in dates])


def _participant_map(cohort: Cohort, landing: Path) -> None:
    people = cohort.people
    fitabase = people[people["device"] == "fitabase"]
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "participant_id": fitabase["participant_id"],
                    "source": "fitabase",
                    "source_account_id": fitabase["fitabase_id"],
                }
            ),
            pd.DataFrame(
                {
                    "participant_id": people["participant_id"],
                    "source": "questionnaire",
                    "source_account_id": people["respondent_id"],
                }
            ),
        ]
    )
    rows.to_csv(landing / "participants.csv", index=False)


def _fitabase(cohort: Cohort, rows: np.ndarray, folder: Path, rng: np.random.Generator) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    people = cohort.people[rows]
    p_idx = np.flatnonzero(rows)
    worn = cohort.worn[p_idx]
    nonwear_row = ~worn & (rng.random(worn.shape) < 0.5)
    present = worn | nonwear_row
    pp, tt = np.nonzero(present)
    d = cohort.daily
    g = lambda name: d[name][p_idx][pp, tt]  # noqa: E731
    w = worn[pp, tt]
    steps = np.where(w, g("steps"), 0).astype(np.int64)
    distance = np.round(steps * 0.00065, 2)
    very, fairly = np.where(w, g("very_active_minutes"), 0), np.where(w, g("fairly_active_minutes"), 0)
    light = np.where(w, g("lightly_active_minutes"), 0)
    sedentary = np.where(w, g("sedentary_minutes"), 1440)
    calories = np.round(1500 + 0.04 * steps + 3 * (very + fairly)).astype(np.int64)
    activity = pd.DataFrame(
        {
            "Id": people["fitabase_id"].to_numpy()[pp],
            "ActivityDate": _us_date(cohort.dates)[tt],
            "TotalSteps": steps,
            "TotalDistance": distance,
            "TrackerDistance": distance,
            "LoggedActivitiesDistance": 0,
            "VeryActiveDistance": np.round(very * 0.1, 2),
            "ModeratelyActiveDistance": np.round(fairly * 0.07, 2),
            "LightActiveDistance": np.round(np.maximum(distance - very * 0.1 - fairly * 0.07, 0), 2),
            "SedentaryActiveDistance": 0,
            "VeryActiveMinutes": very.astype(np.int64),
            "FairlyActiveMinutes": fairly.astype(np.int64),
            "LightlyActiveMinutes": light.astype(np.int64),
            "SedentaryMinutes": sedentary.astype(np.int64),
            "Calories": calories,
        }
    )
    activity.to_csv(folder / "dailyActivity_merged.csv", index=False)

    slept = worn & (rng.random(worn.shape) < 0.85)
    sp, st = np.nonzero(slept)
    sleep = pd.DataFrame(
        {
            "Id": people["fitabase_id"].to_numpy()[sp],
            "SleepDay": np.char.add(_us_date(cohort.dates)[st], " 12:00:00 AM"),
            "TotalSleepRecords": np.where(rng.random(len(sp)) < 0.1, 2, 1),
            "TotalMinutesAsleep": d["sleep_minutes"][p_idx][sp, st].astype(np.int64),
            "TotalTimeInBed": d["time_in_bed"][p_idx][sp, st].astype(np.int64),
        }
    )
    repeat = rng.random(len(sleep)) < 0.005  # Fitabase exports occasionally repeat a row verbatim
    sleep = pd.concat([sleep, sleep[repeat]]).sort_index(kind="stable")
    sleep.to_csv(folder / "sleepDay_merged.csv", index=False)


def _takeout(cohort: Cohort, rows: np.ndarray, landing: Path, rng: np.random.Generator) -> int:
    """Per-participant Fitbit takeout JSON/CSV; returns the number of files written."""
    n_files = 0
    d = cohort.daily
    dates = cohort.dates
    date_text = np.array([x.strftime("%m/%d/%y") for x in dates])
    iso_day = np.array([x.strftime("%Y-%m-%d") for x in dates])
    T = len(dates)
    for p in np.flatnonzero(rows):  # one folder per participant: a file-writing loop, not a data loop
        folder = landing / cohort.people["participant_id"].iloc[p] / "fitbit"
        folder.mkdir(parents=True, exist_ok=True)
        worn = cohort.worn[p]
        zero_marker = ~worn & (rng.random(T) < 0.5)
        rhr = [
            {
                "dateTime": f"{date_text[t]} 00:00:00",
                "value": {
                    "date": date_text[t],
                    "value": float(d["resting_hr_bpm"][p, t]) if worn[t] else 0.0,
                    "error": round(float(rng.uniform(5, 9)), 2) if worn[t] else 0.0,
                },
            }
            for t in np.flatnonzero(worn | zero_marker)
        ]
        _write_json(folder / "resting_heart_rate.json", rhr)

        nights = np.flatnonzero(worn & (rng.random(T) < 0.92))
        naps = set(np.flatnonzero(worn & (rng.random(T) < 0.05)).tolist())
        classic = rng.random(T) < 0.1
        logs = []
        log_id = 20_000_000_000 + p * 100_000
        for t in nights:
            asleep, in_bed = int(d["sleep_minutes"][p, t]), int(d["time_in_bed"][p, t])
            mid = pd.Timestamp(dates[t]) + pd.Timedelta(minutes=float(d["sleep_midpoint_min"][p, t]))
            start = (mid - pd.Timedelta(minutes=in_bed / 2)).floor("min")
            logs.append(_sleep_log(log_id + t * 2, iso_day[t], start, in_bed, asleep, True, bool(classic[t])))
            if t in naps:
                nap_start = pd.Timestamp(dates[t]) + pd.Timedelta(hours=14)
                nap_bed = int(rng.integers(25, 70))
                logs.append(
                    _sleep_log(log_id + t * 2 + 1, iso_day[t], nap_start, nap_bed, int(nap_bed * 0.85), False, True)
                )
        _write_json(folder / "sleep.json", logs)

        hrv_folder = folder / "Heart Rate Variability"
        hrv_folder.mkdir(exist_ok=True)
        hrv_days = worn & (rng.random(T) < 0.95)
        months = pd.Series(dates.to_period("M"))
        for month in months.unique():
            in_month = (months == month).to_numpy() & hrv_days
            if not in_month.any():
                continue
            first = dates[np.flatnonzero(in_month)[0]]
            pd.DataFrame(
                {
                    "timestamp": np.char.add(iso_day[in_month], "T00:00:00"),
                    "rmssd": np.round(d["hrv_rmssd_ms"][p, in_month], 3),
                    "nremhr": np.round(d["resting_hr_bpm"][p, in_month] + 2.0, 3),
                    "entropy": np.round(rng.uniform(2.0, 2.9, in_month.sum()), 3),
                }
            ).to_csv(
                hrv_folder / f"Daily Heart Rate Variability Summary - {first:%Y-%m}-({first.day}).csv", index=False
            )
            n_files += 1
        n_files += 2
    return n_files


def _sleep_log(log_id: int, day: str, start: pd.Timestamp, in_bed: int, asleep: int, main: bool, classic: bool) -> dict:
    end = start + pd.Timedelta(minutes=in_bed)
    awake = in_bed - asleep
    if classic:
        levels = {
            "summary": {
                "asleep": {"count": 0, "minutes": asleep},
                "restless": {"count": 3, "minutes": max(awake - 5, 0)},
                "awake": {"count": 1, "minutes": min(awake, 5)},
            }
        }
    else:
        deep, rem = round(asleep * 0.17), round(asleep * 0.22)
        levels = {
            "summary": {
                "deep": {"count": 4, "minutes": deep, "thirtyDayAvgMinutes": 0},
                "wake": {"count": 20, "minutes": awake, "thirtyDayAvgMinutes": 0},
                "light": {"count": 25, "minutes": asleep - deep - rem, "thirtyDayAvgMinutes": 0},
                "rem": {"count": 6, "minutes": rem, "thirtyDayAvgMinutes": 0},
            }
        }
    return {
        "logId": int(log_id),
        "dateOfSleep": day,
        "startTime": start.strftime("%Y-%m-%dT%H:%M:%S.000"),
        "endTime": end.strftime("%Y-%m-%dT%H:%M:%S.000"),
        "duration": in_bed * 60_000,
        "minutesToFallAsleep": 0,
        "minutesAsleep": asleep,
        "minutesAwake": awake,
        "minutesAfterWakeup": 0,
        "timeInBed": in_bed,
        "efficiency": round(100 * asleep / in_bed) if in_bed else 0,
        "type": "classic" if classic else "stages",
        "infoCode": 0,
        "levels": levels,
        "mainSleep": main,
    }


def _write_json(path: Path, records: list) -> None:
    with open(path, "w") as fh:
        json.dump(records, fh, separators=(",", ":"))


def _questionnaires(cohort: Cohort, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    answers = cohort.answers
    respondent = cohort.people.set_index("participant_id")["respondent_id"]
    out = pd.DataFrame(
        {
            "respondent_id": answers["participant_id"].map(respondent),
            "completed_at": answers["completed_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
    items = answers.drop(columns=["participant_id", "completed_at"]).astype("Int64")
    pd.concat([out, items], axis=1).to_csv(path, index=False)

"""Stage the real third-party samples (``../shared/realdata``) as a landing folder, the way a study would
drop them: one folder per person for single-person exports, cohort files in their own folder, and the
landing configuration the samples need (StudentLife's survey dates and time zone). Used by the
all-formats test and ``bench/realdata_ingest.py``."""

from __future__ import annotations

import shutil
from pathlib import Path

PERSON_FOLDERS = {  # realdata folder → participant id for single-person exports (their layout kept below it)
    "oura_api_v2_kola": "oura1",
    "oura_sleep_periods_bioinsights": "oura2",
    "whoop_export_theonerichy": "whoop1",
    "google_fit_takeout_khaingsuthway": "gfit1",
    "withings_sleep_biopsykit": "withings1",
    "oura_app_export_cmclab": "oura3",
    "garmin_connect_ryanyng": "garmin1",
    "samsung_health_vnegi10": "samsung1",
    "google_fit_takeout_all_data": "gfit2",
    "fitbit_google_takeout_aduyng": "fitbit1",
}
# The zones of the exports that stamp in UTC only (each SOURCE.txt: the offsets their other files show)
PERSON_TIMEZONES = {
    "oura3": "Europe/Amsterdam",
    "garmin1": "Asia/Bangkok",
    "gfit2": "Asia/Kolkata",
    "fitbit1": "America/Chicago",
}
COHORT_FOLDERS = ("fitabase_fitbit_2016", "redcap_data_dictionaries")
PARTICIPANT_SUBFOLDERS = ("pmdata_fitbit_pmsys",)  # one subfolder per participant (p01/, p02/), layout kept
# StudentLife spring 2013: the pre surveys opened at term start, the post surveys at its end (Wang et al. 2014)
EVENTS = "event,date\npre,2013-03-27\npost,2013-05-29\n"
STUDENTLIFE_TIMEZONE = "America/New_York"


def stage_realdata(realdata: Path, landing: Path, every_folder: bool = False) -> dict[str, list[str]]:
    """Copy the samples into ``landing``; returns landing paths (relative) by realdata folder. With
    ``every_folder``, a folder not listed here is staged too, as one participant named after it (its layout
    kept), so a new sample shows how today's parsers take it."""
    staged: dict[str, list[str]] = {}
    landing.mkdir(parents=True, exist_ok=True)

    def put(folder: str, src: Path, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest)
        staged.setdefault(folder, []).append(dest.relative_to(landing).as_posix())

    for folder, person in PERSON_FOLDERS.items():
        for src in sorted((realdata / folder).rglob("*")):
            if src.is_file() and src.name != "SOURCE.txt":
                put(folder, src, landing / person / folder / src.relative_to(realdata / folder))
    for folder in COHORT_FOLDERS:
        for src in sorted((realdata / folder).glob("*")):
            if src.is_file() and src.name != "SOURCE.txt":
                put(folder, src, landing / folder / src.name)
    studentlife = realdata / "studentlife_surveys"
    for src in sorted((studentlife / "survey").glob("*.csv")):
        put("studentlife_surveys", src, landing / "studentlife" / "survey" / src.name)
    participants = ["participant_id,source,source_account_id,timezone"]
    participants += [f"{person},device,{person},{zone}" for person, zone in PERSON_TIMEZONES.items()]
    for src in sorted((studentlife / "EMA").glob("*.json")):
        uid = src.stem.split("_")[-1] if "_u" in src.stem else None
        dest = landing / (uid or "studentlife") / "ema" / src.name
        put("studentlife_surveys", src, dest)
        if uid and f"{uid},questionnaire,{uid},{STUDENTLIFE_TIMEZONE}" not in participants:
            participants.append(f"{uid},questionnaire,{uid},{STUDENTLIFE_TIMEZONE}")
    for folder in PARTICIPANT_SUBFOLDERS:
        for person in sorted(p for p in (realdata / folder).glob("*") if p.is_dir()):
            for src in sorted(f for f in person.rglob("*") if f.is_file()):
                put(folder, src, landing / person.name / folder / src.relative_to(person))
    known = {*PERSON_FOLDERS, *COHORT_FOLDERS, *PARTICIPANT_SUBFOLDERS, "studentlife_surveys"}
    for folder in (
        sorted(p.name for p in realdata.iterdir() if p.is_dir() and p.name not in known) if every_folder else ()
    ):
        for src in sorted(f for f in (realdata / folder).rglob("*") if f.is_file() and f.name != "SOURCE.txt"):
            put(folder, src, landing / folder / "export" / src.relative_to(realdata / folder))
    (landing / "participants.csv").write_text("\n".join(participants) + "\n")
    (landing / "questionnaire_events.csv").write_text(EVENTS)
    return staged

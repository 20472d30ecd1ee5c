"""Property-based fuzzing of every parser, through the per-file ingestion path (detect → parse → identify → row
rules → constraints → daily values), starting from each format's real sample in ../shared/realdata (the
generator's output, or a fixture from the vendor's documentation, where there is none) and damaging it
(``mutations``). For every example:

* no unexpected exception: the file is never ``failed`` by a fault of ours (a bad file is quarantined whole or
  record by record, with reasons);
* counts add up: read = accepted + quarantined + empty + ignored, none negative;
* every record is read: for a CSV, lines after the header as Python's csv module counts them; for a JSON
  list, its length (unless the file as a whole was refused);
* no accepted row lacks a key and the table-constraint defence never had to act (no ``internal:`` reason);
* every rejected record has a locator and a reason.

``make test`` runs the bounded profile (``HYPOTHESIS_PROFILE`` unset: 25 examples per format). The large one:

    HYPOTHESIS_PROFILE=large .venv/bin/python -m pytest tests/transforms/ingest/sources/test_parser_fuzz.py -p no:cacheprovider

(2,000 examples per format, or ``FUZZ_EXAMPLES``; with ``-s`` it prints how many damaged files each format
was given).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.landing_ingestion import ingest_file
from tests.conftest import REALDATA
from tests.transforms.ingest.sources.mutations import mutated
from transforms.ingest.identity import ParticipantMap
from transforms.ingest.inputs import plain_file
from transforms.ingest.parse import detect
from transforms.ingest.records import OBSERVATION_REQUIRED, RESPONSE_REQUIRED
from transforms.ingest.sources import FORMATS

settings.register_profile(
    "bounded",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "large",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 2000)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "bounded")
TODAY = dt.date(2026, 12, 1)

# format → (realdata file, records kept from its start); a seed keeps every quirk of the file's first records
REAL_SEEDS = {
    "fitabase_daily_activity": ("fitabase_fitbit_2016/dailyActivity_merged.csv", 30),
    "fitabase_sleep_day": ("fitabase_fitbit_2016/sleepDay_merged.csv", 30),
    "fitabase_weight": ("fitabase_fitbit_2016/weightLogInfo_merged.csv", 30),
    "fitbit_takeout_resting_hr": ("pmdata_fitbit_pmsys/p01/fitbit/resting_heart_rate.json", 20),
    "fitbit_takeout_sleep": ("pmdata_fitbit_pmsys/p01/fitbit/sleep.json", 6),
    "fitbit_takeout_hrv": (
        "fitbit_google_takeout_aduyng/Fitbit/Heart Rate Variability/"
        "Daily Heart Rate Variability Summary - 2024-09-(25).csv",
        30,
    ),
    "fitbit_takeout_sleep_score": ("pmdata_fitbit_pmsys/p01/fitbit/sleep_score.csv", 30),
    "fitbit_takeout_series": ("pmdata_fitbit_pmsys/p01/fitbit/very_active_minutes.json", 20),
    "fitbit_takeout_exercise": ("pmdata_fitbit_pmsys/p01/fitbit/exercise.json", 5),
    "fitbit_takeout_hr_zones": ("pmdata_fitbit_pmsys/p01/fitbit/time_in_heart_rate_zones.json", 20),
    "psqi_csv": ("studentlife_surveys/survey/psqi.csv", 20),
    "questionnaire_text_csv": ("studentlife_surveys/survey/PHQ-9.csv", 20),
    "oura_api_json": ("oura_api_v2_kola/oura_data.json", None),
    "oura_sleep_csv": ("oura_sleep_periods_bioinsights/oura.csv", 20),
    "whoop_csv": ("whoop_export_theonerichy/sleeps.csv", 20),
    "withings_sleep": ("withings_sleep_biopsykit/sleep.csv", 20),
    "google_fit_daily": ("google_fit_takeout_khaingsuthway/Daily activity metrics.csv", 20),
    "ema_pmsys": ("pmdata_fitbit_pmsys/p01/pmsys/wellness.csv", 30),
    "pmsys_srpe": ("pmdata_fitbit_pmsys/p01/pmsys/srpe.csv", 30),
    "pmsys_injury": ("pmdata_fitbit_pmsys/p02/pmsys/injury.csv", 30),
    "pmdata_daily_report": ("pmdata_fitbit_pmsys/p02/googledocs/reporting.csv", 30),
    "studentlife_ema": ("studentlife_surveys/EMA/Mood_u01.json", None),
    "redcap_dictionary": ("redcap_data_dictionaries/redcap_dict_apsi_camsr.csv", 20),
    "oura_app_csv": ("oura_app_export_cmclab/data/oura_daily-readiness_2023-12-02T18-26-18.csv", 30),
    "garmin_sleep": (
        "garmin_connect_ryanyng/data/DI_CONNECT/DI-Connect-Wellness/2024-07-21_2024-10-29_126331660_sleepData.json",
        20,
    ),
    "garmin_daily_summary": (
        "garmin_connect_ryanyng/data/DI_CONNECT/DI-Connect-Aggregator/UDSFile_2024-07-21_2024-10-29.json",
        10,
    ),
    "garmin_other": (
        "garmin_connect_ryanyng/data/DI_CONNECT/DI-Connect-Metrics/ActivityVo2Max_20241013_20250204_126331660.json",
        10,
    ),
    "samsung_heart_rate": ("samsung_health_vnegi10/data/com.samsung.shealth.tracker.heart_rate.202207021430.csv", 30),
    "samsung_steps": (
        "samsung_health_vnegi10/data/com.samsung.shealth.tracker.pedometer_day_summary.202207021430.csv",
        30,
    ),
    "samsung_other": ("samsung_health_vnegi10/data/com.samsung.health.floors_climbed.202207021430.csv", 20),
    "fitbit_takeout_daily_csv": ("fitbit_google_takeout_aduyng/Fitbit/Stress Score/Stress Score.csv", 30),
    "fitbit_google_daily_csv": (
        "fitbit_google_takeout_aduyng/Fitbit/Physical Activity_GoogleData/daily_readiness.csv",
        30,
    ),
    "fitbit_google_heart_rate": (
        "fitbit_google_takeout_aduyng/Fitbit/Physical Activity_GoogleData/heart_rate_2024-10-08.csv",
        30,
    ),
    "fitbit_google_sleep": (
        "fitbit_google_takeout_aduyng/Fitbit/Health Fitness Data_GoogleData/UserSleeps_2024-10-19.csv",
        30,
    ),
    "fitbit_takeout_heart_rate": (
        "fitbit_google_takeout_aduyng/Fitbit/Global Export Data/heart_rate-2024-10-08.json",
        30,
    ),
    "fitbit_takeout_vo2max": ("fitbit_google_takeout_aduyng/Fitbit/Global Export Data/run_vo2_max-2024-10-18.json", 10),
    "export_readme": ("fitbit_google_takeout_aduyng/Fitbit/Health Fitness Data_GoogleData/UserSleeps README.txt", None),
    "google_fit_streams": (
        "google_fit_takeout_all_data/Takeout/Fit/All Data/derived_com.google.step_count.delta_com.google(1).json",
        30,
    ),
    "google_fit_other": ("google_fit_takeout_all_data/Takeout/Fit/Daily activity metrics/2025-01-29.csv", 30),
}
# No real sample: Fitabase's intraday files as its data dictionary lays them out, and the generator's Apple
# Health export and questionnaire CSV.
FITABASE_INTRADAY = "Id,Time,Value\n" + "".join(
    f"2022484408,4/12/2016 7:{m:02d}:{s:02d} AM,{97 + m % 9}\n" for m in range(20, 24) for s in (0, 5, 10, 25, 40)
)
FITABASE_MINUTE_SLEEP = "Id,date,value,logId\n" + "".join(
    f"1503960366,4/12/2016 2:{m:02d}:00 AM,{1 + m % 3},11380564589\n" for m in range(47, 60)
)
FITABASE_MINUTE_STEPS = "Id,ActivityMinute,Steps\n" + "".join(  # Fitabase's data dictionary: minuteStepsNarrow
    f"1503960366,4/12/2016 {h}:{m:02d}:00 AM,{(m * 7) % 31}\n" for h in (7, 11) for m in range(0, 60, 6)
)


def _documented() -> dict[str, tuple[str, bytes]]:
    """Seeds of formats without a real sample here: the fixtures their tests write from the vendors' documentation
    and public examples."""
    from tests.transforms.ingest.sources import test_apple_health, test_oura, test_samsung

    health_status = [
        {"calendarDate": "2024-05-03", "metrics": [{"type": "HRV", "value": 62.0, "status": "IN_RANGE"}]},
        {
            "calendarDate": "2024-05-04",
            "metrics": [{"type": "RESPIRATION", "value": 14.0}, {"type": "SPO2", "value": 97}],
        },
    ]
    return {
        "oura_v1_json": (
            "oura_v1.json",
            json.dumps(
                {
                    "sleep": [test_oura.V1_DOC_SLEEP],
                    "readiness": [{"summary_date": "2017-11-05", "period_id": 0, "score": 62}],
                }
            ).encode(),
        ),
        "garmin_health_status": ("1_healthStatusData.json", json.dumps(health_status).encode()),
        "samsung_sleep": ("com.samsung.shealth.sleep.20241225.csv", test_samsung.SLEEP.encode()),
        "samsung_stress": ("com.samsung.shealth.stress.20250702.csv", test_samsung.STRESS.encode()),
        "apple_health_cda": ("export_cda.xml", test_apple_health.CDA.encode()),
    }


@cache
def seeds() -> dict[str, tuple[str, bytes]]:
    """format → (file name, seed bytes)."""
    out = {}
    for name, (path, keep) in REAL_SEEDS.items():
        source = REALDATA / path
        if source.exists():
            out[name] = (source.name, _head(source.read_bytes(), source.name, keep))
    out.update(_documented())
    out["fitabase_intraday"] = ("heartrate_seconds_merged.csv", FITABASE_INTRADAY.encode())
    out["fitabase_intraday/minuteSleep"] = ("minuteSleep_merged.csv", FITABASE_MINUTE_SLEEP.encode())
    out["fitabase_minute_steps"] = ("minuteStepsNarrow_merged.csv", FITABASE_MINUTE_STEPS.encode())
    out.update(_generated())
    return out


def _head(data: bytes, name: str, keep: int | None) -> bytes:
    if keep is None:
        return data
    if name.endswith(".json"):
        document = json.loads(data)
        if isinstance(document, dict):  # a stream of records under a key: keep that many of each list
            return json.dumps({k: v[:keep] if isinstance(v, list) else v for k, v in document.items()}).encode()
        return json.dumps(document[:keep]).encode()
    return b"\n".join(data.split(b"\n")[: keep + 1]) + b"\n"


def _generated() -> dict[str, tuple[str, bytes]]:
    from transforms.synthetic.cohort import CohortSpec, simulate
    from transforms.synthetic.vendor_files import write_cohort

    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        write_cohort(simulate(CohortSpec(participants=6, days=8, seed=5)), landing, Path(tmp) / "truth.csv")
        archive = next(landing.rglob("export.zip"))
        with zipfile.ZipFile(archive) as z:
            xml = z.read(next(n for n in z.namelist() if n.endswith("export.xml")))
        survey = (landing / "questionnaires" / "surveys.csv").read_bytes()
    return {
        "apple_health": ("export.xml", xml[:20_000].rsplit(b"</Record>", 1)[0] + b"</Record>\n</HealthData>\n"),
        "questionnaire_csv": ("surveys.csv", _head(survey, "surveys.csv", 12)),
    }


LINE_RECORDS = (
    "fitabase_intraday",
    "fitabase_minute_steps",
)  # formats whose every line is one record (never quoted, as Fitabase writes)


def independent_count(data: bytes, name: str, line_records: bool = False, metadata_line: bool = False) -> int | None:
    """Records in the file counted without our parsers; None when the file cannot be decoded as its kind.
    ``line_records``: non-blank lines after the header (a format that never quotes a field)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if metadata_line:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if name.endswith(".json"):
        try:
            document = json.loads(text)
        except ValueError:
            return None
        return len(document) if isinstance(document, list) else None
    if name.endswith(".csv") and line_records:
        filled = [line for line in io.StringIO(text, newline="").readlines() if line.strip()]
        return len(filled) - 1 if filled else None
    if name.endswith(".csv"):
        lines = io.StringIO(text, newline="").readlines()
        reader = csv.reader(lines)
        records, last = 0, 0
        try:
            for _ in reader:  # a record spans lines last+1 … line_num; it is blank when they hold only whitespace
                if "".join(lines[last : reader.line_num]).strip():
                    records += 1
                last = reader.line_num
        except csv.Error:
            return None
        return records - 1 if records else None
    return None


class Damaged:
    """A damaged file, shown by size and where a copy was saved (Hypothesis prints every draw; the file itself
    can be megabytes)."""

    def __init__(self, data: bytes):
        self.data = data

    def __repr__(self) -> str:
        return f"<{len(self.data)} bytes, saved as {save(self.data)}>"


FAILURES = Path(tempfile.gettempdir()) / "wellness-fuzz"


def save(data: bytes) -> Path:
    import hashlib

    FAILURES.mkdir(exist_ok=True)
    path = FAILURES / hashlib.sha256(data).hexdigest()[:12]
    path.write_bytes(data)
    return path


def check_file(data: bytes, name: str, line_records: bool = False) -> None:
    try:
        _check_file(data, name, line_records)
    except AssertionError as exc:
        raise AssertionError(f"{name} ({save(data)}): {str(exc)[:600]}") from None


def _check_file(data: bytes, name: str, line_records: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        path = landing / "P1" / name
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        out = ingest_file(path, landing, ParticipantMap.load(None, b"fuzz"), None, TODAY, logging.getLogger("fuzz"))
    assert not out.crashed, out.failures
    accepted = out.accepted()
    assert min(accepted, out.quarantined, out.empty, out.ignored) >= 0, vars(out)
    assert out.read == accepted + out.quarantined + out.empty + out.ignored
    rows = out.file_rows(pd.Timestamp("2026-12-01"))
    for frame, required in ((rows.observations, OBSERVATION_REQUIRED), (rows.responses, RESPONSE_REQUIRED)):
        assert not frame[list(required)].isna().any().any()
    rejects = rows.rejects
    assert not rejects[["locator", "reason"]].isna().any().any()
    assert (rejects["locator"].str.strip() != "").all() and (rejects["reason"].str.strip() != "").all()
    internal = rejects[rejects["reason"].str.startswith("internal:")]
    assert internal.empty, internal[["locator", "reason"]].to_dict("records")
    expected = independent_count(data, name, line_records, metadata_line=name.startswith("com.samsung."))
    file_refused = (rejects["locator"] == "file").any()
    if out.formats and expected is not None and not file_refused:
        assert out.read == expected, (out.read, expected)


FORMAT_NAMES = sorted({m.FORMAT for m in FORMATS} | {"fitabase_intraday/minuteSleep"})


@pytest.mark.parametrize("format_name", FORMAT_NAMES)
def test_a_damaged_export_never_crashes_and_every_record_is_accounted_for(format_name):
    if format_name not in seeds():
        pytest.skip(f"no sample of {format_name}: {REALDATA} is absent")
    name, seed = seeds()[format_name]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / name).write_bytes(seed)
        assert format_name.split("/")[0] == detect(plain_file(Path(tmp) / name, f"P1/{name}")).FORMAT
    line_records = format_name.startswith(LINE_RECORDS)
    check_file(seed, name, line_records)  # the undamaged seed first

    examples = [0]

    @settings(settings.get_profile(PROFILE))
    @given(st.data())
    def damaged(data):
        examples[0] += 1
        check_file(data.draw(mutated(seed, name).map(Damaged)).data, name, line_records)

    damaged()
    if PROFILE != "bounded":  # the figure quoted for a large run (pytest -s shows it)
        print(f"\nfuzz {format_name}: {examples[0]} damaged files checked")


def test_every_format_has_a_seed():
    documented = {"oura_v1_json", "garmin_health_status", "samsung_sleep", "samsung_stress", "apple_health_cda"}
    assert (
        set(FORMAT_NAMES)
        - set(REAL_SEEDS)
        - documented
        - {
            "fitabase_intraday",
            "fitabase_intraday/minuteSleep",
            "fitabase_minute_steps",
            "apple_health",
            "questionnaire_csv",
        }
        == set()
    )

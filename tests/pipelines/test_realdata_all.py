"""Every real sample folder through ingestion and the daily assets: counts add up per file, nothing
fails, every folder yields what its format should."""

import pytest

from pipelines.settings import Paths
from tests.conftest import REALDATA, realdata
from tests.pipelines.helpers import query, run
from tests.realdata import stage_realdata

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

EXPECTED = {  # folder: (records read, accepted, quarantined, empty, ignored)
    "fitabase_fitbit_2016": (23519, 1417, 3, 0, 22099),
    "google_fit_takeout_khaingsuthway": (401, 396, 0, 5, 0),
    "oura_api_v2_kola": (102, 20, 82, 0, 0),
    "oura_sleep_periods_bioinsights": (71, 71, 0, 0, 0),
    "pmdata_fitbit_pmsys": (3533, 2319, 10, 57, 1147),
    "redcap_data_dictionaries": (504, 0, 0, 0, 504),
    "studentlife_surveys": (1294, 486, 43, 0, 765),
    "whoop_export_theonerichy": (2424, 353, 0, 3, 2068),
    "withings_sleep_biopsykit": (252, 8, 0, 0, 244),
    "oura_app_export_cmclab": (29872, 29652, 0, 80, 140),
    "garmin_connect_ryanyng": (289, 115, 122, 9, 43),
    "samsung_health_vnegi10": (16924, 11402, 0, 0, 5522),
    "google_fit_takeout_all_data": (23333, 2586, 0, 0, 20747),
    "fitbit_google_takeout_aduyng": (77280, 63486, 47, 685, 13062),
}


def test_all_real_samples(tmp_path):
    realdata("fitabase_fitbit_2016")
    paths = Paths(tmp_path)
    staged = stage_realdata(REALDATA, paths.landing)
    assert run(paths).ok
    files = query(paths, "SELECT * FROM ops.ingested_files")
    folder_of = {p: f for f, ps in staged.items() for p in ps}
    files["folder"] = files["path"].map(folder_of)
    assert files["folder"].notna().all() and set(files["folder"]) == set(EXPECTED)
    assert (files["status"] != "failed").all()
    cols = ["rows_read", "rows_accepted", "rows_quarantined", "rows_empty", "rows_ignored"]
    got = {folder: tuple(int(x) for x in row) for folder, row in files.groupby("folder")[cols].sum().iterrows()}
    assert got == EXPECTED
    unsupported = set(files.loc[files["status"] == "unsupported", "path"].str.split("/").str[-1])
    assert unsupported == {
        "BigFive.csv",
        "FlourishingScale.csv",
        "LonelinessScale.csv",
        "panas.csv",
        "vr_12.csv",
        "EMA_definition.json",
    }  # instruments and files this project does not score

    daily = query(paths, "SELECT metric, source, count(*) AS n FROM analytics.daily_metrics GROUP BY ALL")
    by_source = daily.groupby("source")["metric"].apply(set).to_dict()
    assert {"resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes"} <= by_source["oura_sleep_csv"]
    assert {"resting_hr_bpm", "hrv_rmssd_ms", "readiness_score"} <= by_source["whoop_csv"]
    assert {"steps", "active_minutes"} <= by_source["google_fit_daily"]
    assert {"sleep_minutes", "resting_hr_bpm"} <= by_source["withings_sleep"]
    assert {"ema_stress", "ema_sleep_quality"} <= by_source["studentlife_ema"]
    assert {"training_load_au"} <= by_source["pmsys_srpe"] and {"weight_kg"} <= by_source["pmdata_daily_report"]
    assert {"active_minutes", "sedentary_minutes"} <= by_source["fitbit_takeout_series"]
    assert {"resting_hr_bpm"} <= by_source["fitbit_takeout_resting_hr"]
    assert {"steps", "spo2_pct", "readiness_score", "heart_rate_mean_bpm"} <= by_source["oura_api_json"] | by_source[
        "oura_app_csv"
    ]
    assert {"resting_hr_bpm", "steps", "active_minutes", "sleep_minutes"} <= by_source[
        "garmin_daily_summary"
    ] | by_source["garmin_sleep"]
    assert {"heart_rate_mean_bpm"} <= by_source["samsung_heart_rate"] and {"steps"} <= by_source["samsung_steps"]
    assert {"steps", "active_minutes", "weight_kg"} <= by_source["google_fit_streams"] | by_source["google_fit_daily"]
    assert {"respiratory_rate_brpm", "spo2_pct", "stress_management_score", "temperature_deviation_c"} <= by_source[
        "fitbit_takeout_daily_csv"
    ]
    assert {"readiness_score"} <= by_source["fitbit_google_daily_csv"]
    # the Fitbit account's Global Export sleep logs and its Google-format sleeps hold the same nights: the daily
    # table takes one source per day (sources.toml), the Global Export's where both have the night
    both = query(
        paths,
        "SELECT d.source, d.value, o.value AS export_value FROM analytics.daily_metrics d "
        "JOIN (SELECT participant_id, day, sum(value) AS value FROM (SELECT DISTINCT participant_id, day, observed_at, "
        "      value FROM staging.observations WHERE metric = 'sleep_minutes' AND source = 'fitbit_takeout_sleep') "
        "      GROUP BY ALL) o USING (participant_id, day) "
        "WHERE d.metric = 'sleep_minutes' AND d.participant_id = 'fitbit1' AND d.day IN "
        "(SELECT day FROM staging.observations WHERE source = 'fitbit_google_sleep' AND metric = 'sleep_minutes')",
    )
    assert len(both) > 50 and (both["source"] == "fitbit_takeout_sleep").all()
    assert (both["value"] == both["export_value"]).all()  # each log once (monthly files overlap), never both sources
    scores = query(paths, "SELECT instrument, count(*) AS n FROM analytics.questionnaire_scores GROUP BY ALL")
    assert dict(zip(scores["instrument"], scores["n"])) == {"phq9": 84, "pss10": 85, "psqi": 73}
    checks = query(paths, "SELECT passed FROM quality.check_results WHERE severity = 'ERROR'")
    assert checks["passed"].all() and len(checks) > 0


def test_the_same_fitbit_logs_in_pmdata_and_google_takeout_layouts_count_once(tmp_path):
    """One participant's sleep logs both as PMData lays them out (fitbit/sleep.json) and in the Google Takeout
    (Fitbit/Global Export Data/sleep-….json): each night's minutes once in the daily table, the second copy of
    every log listed as a duplicate record."""
    source = realdata("fitbit_google_takeout_aduyng") / "Fitbit" / "Global Export Data" / "sleep-2024-10-08.json"
    paths = Paths(tmp_path)
    for relative in ("P7/fitbit/sleep.json", "P7/Takeout/Fitbit/Global Export Data/sleep-2024-10-08.json"):
        (paths.landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (paths.landing / relative).write_bytes(source.read_bytes())
    assert run(paths).ok
    import json

    logs = json.loads(source.read_text())
    main = {}
    for log in logs:
        if log.get("mainSleep"):
            main[log["dateOfSleep"]] = main.get(log["dateOfSleep"], 0) + log["minutesAsleep"]
    daily = query(
        paths,
        "SELECT strftime(day, '%Y-%m-%d') AS day, value FROM analytics.daily_metrics WHERE metric = 'sleep_minutes'",
    )
    assert dict(zip(daily["day"], daily["value"])) == main
    duplicates = query(paths, "SELECT count(*) AS n FROM quality.quarantine WHERE reason LIKE 'duplicate of file%'")
    assert duplicates["n"].item() > 0

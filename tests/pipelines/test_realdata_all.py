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
    scores = query(paths, "SELECT instrument, count(*) AS n FROM analytics.questionnaire_scores GROUP BY ALL")
    assert dict(zip(scores["instrument"], scores["n"])) == {"phq9": 84, "pss10": 85, "psqi": 73}
    checks = query(paths, "SELECT passed FROM quality.check_results WHERE severity = 'ERROR'")
    assert checks["passed"].all() and len(checks) > 0

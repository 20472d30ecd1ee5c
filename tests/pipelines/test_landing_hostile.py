"""A careless or hostile landing folder: bounded work per file, only regular files opened, symlinks kept
inside the folder, unreadable entries recorded, no raw identifier or huge value published, value rules and
schema drift as documented, changed days that survive a kill, configuration refused before anything runs."""

import os
import time

import duckdb
import pandas as pd
import pytest

from pipelines import cli, landing_ingestion
from pipelines.landing_ingestion import ingest_landing
from tests.pipelines.helpers import generate_home, query, run
from warehouse import writes
from warehouse.connection import connect
from warehouse.embedded import DuckDBFileWarehouse

DAILY = (
    "Id,ActivityDate,TotalSteps,TotalDistance,TrackerDistance,LoggedActivitiesDistance,VeryActiveDistance,"
    "ModeratelyActiveDistance,LightActiveDistance,SedentaryActiveDistance,VeryActiveMinutes,"
    "FairlyActiveMinutes,LightlyActiveMinutes,SedentaryMinutes,Calories\n"
)


def ingest(tmp_path, landing=None):
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        report = ingest_landing(DuckDBFileWarehouse(conn), landing or tmp_path / "landing", b"k" * 32)
        files = conn.execute("SELECT * FROM ops.ingested_files WHERE status <> 'superseded'").df().set_index("path")
        quarantine = conn.execute("SELECT * FROM quality.quarantine").df()
    finally:
        conn.close()
    return report, files, quarantine


def test_a_wide_header_fails_alone_and_fast(tmp_path):
    landing = tmp_path / "landing"
    (landing / "cohort").mkdir(parents=True)
    (landing / "cohort" / "wide.csv").write_text(
        "Id,ActivityDate," + ",".join(f"c{i}" for i in range(131_072)) + "\n1,4/12/2016\n"
    )
    (landing / "cohort" / "dailyActivity_merged.csv").write_text(
        DAILY + "1503960366,4/12/2016,100,0,0,0,0,0,0,0,10,5,100,700,1800\n"
    )
    started = time.monotonic()
    _, files, _ = ingest(tmp_path)
    assert time.monotonic() - started < 30
    assert files.loc["cohort/wide.csv", "status"] == "failed"
    assert "over max_columns (10,000)" in files.loc["cohort/wide.csv", "message"]
    assert files.loc["cohort/dailyActivity_merged.csv", "status"] == "ingested"


def test_only_regular_files_are_opened_and_links_stay_inside(tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    (landing / "P1" / "fitbit").mkdir(parents=True)
    outside.mkdir()
    hrv = "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.2,49.6,2.4\n"
    (outside / "Daily Heart Rate Variability Summary - a.csv").write_text(hrv)
    (outside / "shadow").write_text("root:secret")
    fitbit = landing / "P1" / "fitbit"
    (fitbit / "Daily Heart Rate Variability Summary - b.csv").write_text(hrv.replace("07-21", "07-22"))
    os.symlink(outside / "Daily Heart Rate Variability Summary - a.csv", fitbit / "out.csv")
    os.symlink(outside / "shadow", fitbit / "shadow")
    os.symlink(fitbit / "Daily Heart Rate Variability Summary - b.csv", fitbit / "inside.csv")
    os.symlink(tmp_path / "nowhere", fitbit / "dangling.csv")
    os.symlink(landing / "P1", fitbit / "loop")
    os.mkfifo(fitbit / "pipe.csv")
    _, files, _ = ingest(tmp_path)
    status = files["status"].to_dict()
    message = files["message"].to_dict()
    for name in ("out.csv", "shadow"):
        assert status[f"P1/fitbit/{name}"] == "unsupported"
        assert "outside the landing folder" in message[f"P1/fitbit/{name}"]
        assert files.loc[f"P1/fitbit/{name}", "sha256"] == ""  # never opened
    assert status["P1/fitbit/inside.csv"] == "ingested"
    assert "dangling" in message["P1/fitbit/dangling.csv"] and "loop" in message["P1/fitbit/loop"]
    assert "FIFO" in message["P1/fitbit/pipe.csv"] and status["P1/fitbit/pipe.csv"] == "unsupported"
    # the same entries again: recorded once, not one new row per run
    before = query_count(tmp_path)
    ingest(tmp_path)
    assert query_count(tmp_path) == before


def query_count(tmp_path) -> int:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        return conn.execute("SELECT count(*) FROM ops.ingested_files").fetchone()[0]
    finally:
        conn.close()


def test_unreadable_files_and_folders_are_failed_with_the_os_error(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    for folder in ("P1", "P2/locked"):
        (landing / folder).mkdir(parents=True)
        (landing / folder / "Daily Heart Rate Variability Summary - x.csv").write_text(
            "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.2,49.6,2.4\n"
        )
    scandir = os.scandir

    def unreadable(path):  # what a chmod 000 folder does to a user that is not root
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", unreadable)
    _, files, _ = ingest(tmp_path)
    assert files.loc["P2/locked", "status"] == "failed"
    assert files.loc["P2/locked", "message"] == "P2/locked: read: folder not readable: Permission denied"
    assert files.loc["P1/Daily Heart Rate Variability Summary - x.csv", "status"] == "ingested"


def test_no_raw_account_id_or_huge_value_reaches_analysts(tmp_path):
    paths, _ = generate_home(tmp_path, participants=6, days=30)
    activity = paths.landing / "fitabase_export" / "dailyActivity_merged.csv"
    lines = activity.read_text().splitlines()
    accounts = sorted({line.split(",")[0] for line in lines[1:]})
    broken = lines[1].split(",")
    broken[1] = broken[0]  # an account id shifted into the date column
    lines.append(",".join(broken))
    lines.append(",".join([broken[0], "4/12/2016", "x" * 500_000] + broken[3:]))  # a 500 kB value
    activity.write_text("\n".join(lines) + "\n")
    (paths.landing / "fitabase_long").mkdir()
    (paths.landing / "fitabase_long" / "dailyActivity_merged.csv").write_text(  # a 5 MB line: over the bound
        lines[0] + "\n" + ",".join([broken[0], "4/12/2016", "1" * 5_000_000] + broken[3:]) + "\n"
    )
    surveys = pd.read_csv(paths.landing / "questionnaires" / "surveys.csv", dtype=str)
    respondents = sorted(surveys["respondent_id"].unique())
    surveys.loc[len(surveys)] = surveys.iloc[0].copy()
    surveys.loc[len(surveys) - 1, "completed_at"] = respondents[0]  # a respondent id where a time belongs
    surveys.to_csv(paths.landing / "questionnaires" / "surveys.csv", index=False)
    assert run(paths).ok
    conn = duckdb.connect(str(paths.analytics), read_only=True)
    try:
        tables = conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall()
        found, longest = [], 0
        for schema, table, column in tables:
            values = [
                r[0]
                for r in conn.execute(f'SELECT DISTINCT "{column}" FROM {schema}.{table}').fetchall()
                if r[0] is not None
            ]
            longest = max([longest] + [len(v) for v in values])
            found += [(table, column) for v in values for raw in accounts + respondents if raw in v]
    finally:
        conn.close()
    assert found == []
    assert longest <= 1000
    reasons = query(paths, "SELECT reason FROM quality.quarantine")["reason"]
    assert {
        "unparseable ActivityDate (10 characters)",
        "TotalSteps is not a number (500000 characters)",
        "line 2 is longer than max_line_bytes (1,048,576) in ingest.toml",
    } <= set(reasons)
    assert reasons.str.len().max() <= 300


def test_negative_minutes_missing_columns_and_bad_folder_names(tmp_path):
    landing = tmp_path / "landing"
    (landing / "cohort").mkdir(parents=True)
    (landing / "cohort" / "dailyActivity_merged.csv").write_text(
        DAILY + "1503960366,4/12/2016,100,0,0,0,0,0,0,0,-50,5,100,700,1800\n"
        "1503960366,4/13/2016,100,0,0,0,0,0,0,0,10,5,-3,700,1800\n"
        "1503960366,4/14/2016,100,0,0,0,0,0,0,0,10,5,30,700,1800\n"
    )
    header = DAILY.replace("TotalSteps,", "")
    (landing / "drift").mkdir()
    (landing / "drift" / "dailyActivity_merged.csv").write_text(header + "1503960366,4/12/2016," + "0," * 12 + "0\n")
    bad = landing / "P01\n17" / "fitbit"
    bad.mkdir(parents=True)
    (bad / "Daily Heart Rate Variability Summary - x.csv").write_text(
        "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.2,49.6,2.4\n"
    )
    _, files, quarantine = ingest(tmp_path)
    reasons = dict(zip(quarantine["locator"], quarantine["reason"]))
    assert reasons["line 2"] == "VeryActiveMinutes=-50 outside [0, 1440]"
    assert reasons["line 3"] == "LightlyActiveMinutes=-3 outside [0, 1440]"
    assert files.loc["cohort/dailyActivity_merged.csv", "rows_accepted"] == 1
    assert files.loc["drift/dailyActivity_merged.csv", "status"] == "failed"
    assert "schema drift: missing column(s) ['TotalSteps']" in files.loc["drift/dailyActivity_merged.csv", "message"]
    path = "P01\n17/fitbit/Daily Heart Rate Variability Summary - x.csv"
    assert files.loc[path, "status"] == "failed"
    assert "is not a valid participant id: it holds a control character" in files.loc[path, "message"]


def test_changed_days_survive_a_kill_after_the_commit(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "P1").mkdir(parents=True)
    (landing / "P1" / "Daily Heart Rate Variability Summary - x.csv").write_text(
        "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.2,49.6,2.4\n"
    )

    def killed(conn):
        raise KeyboardInterrupt("killed just after the commit")

    monkeypatch.setattr(writes, "take_pending_changed_days", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(tmp_path)
    monkeypatch.undo()
    report, _files, _ = ingest(tmp_path)  # the file is unchanged now, but its days are still handed over
    assert report.files_unchanged == 1
    assert [[str(a), str(b)] for a, b in landing_ingestion.day_runs(report.changed_days)] == [
        ["2024-07-21", "2024-07-21"]
    ]


@pytest.mark.parametrize(
    "variable, value, says",
    [
        ("WELLNESS_PROFILE", "foo", "WELLNESS_PROFILE must be one of embedded, distributed, not 'foo'"),
        ("WELLNESS_CHUNK_PARTICIPANT_DAYS", "abc", "WELLNESS_CHUNK_PARTICIPANT_DAYS must be a whole number, not 'abc'"),
        ("WELLNESS_DUCKDB_MEMORY_LIMIT", "foo", "WELLNESS_DUCKDB_MEMORY_LIMIT must be a size such as 4GB"),
        ("WELLNESS_LOOKBACK_DAYS", "-1", "WELLNESS_LOOKBACK_DAYS must be at least 0, not -1"),
        ("WELLNESS_NIGHTLY_CRON", "every night", "WELLNESS_NIGHTLY_CRON must be a cron expression"),
        ("WELLNESS_NIGHTLY_TIMEZONE", "Mars/Olympus", "WELLNESS_NIGHTLY_TIMEZONE must be an IANA time zone"),
        ("WELLNESS_PARTITIONS_START", "yesterday", "WELLNESS_PARTITIONS_START must be a date YYYY-MM-DD"),
        ("WELLNESS_PSEUDONYM_KEY", "zz", "WELLNESS_PSEUDONYM_KEY must be at least 16 bytes written as hex"),
    ],
)
def test_a_bad_setting_is_refused_before_anything_runs(tmp_path, monkeypatch, capsys, variable, value, says):
    monkeypatch.setenv("WELLNESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(variable, value)
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()


@pytest.mark.parametrize(
    "body, says",
    [
        ('baseline_days = "abc"', "windows: baseline_days must be a whole number, not 'abc'"),
        ("false_alarms_per_year = 0", "windows: false_alarms_per_year must be > 0, not 0.0"),
        ("min_coverage = -1", "windows: min_coverage must be in [0, 1], not -1.0"),
        ("cusum_k = -2", "windows: cusum_k must be >= 0, not -2.0"),
        ("calibration_file = 3", "windows: calibration_file must be a text (a file path), not 3"),
        ("recent_days = 7", "windows: recent_days = 7 but the alarm thresholds in"),
        ('calibration_file = "nowhere.csv"', "nowhere.csv"),
        ("colour = 1", "unknown key(s) colour"),
    ],
)
def test_a_bad_window_is_refused_naming_the_key(tmp_path, monkeypatch, capsys, body, says):
    monkeypatch.setenv("WELLNESS_HOME", str(tmp_path / "home"))
    (tmp_path / "windows.toml").write_text(body + "\n")
    monkeypatch.setenv("WELLNESS_WINDOWS_FILE", str(tmp_path / "windows.toml"))
    assert cli.main(["run"]) == 2
    assert says in capsys.readouterr().err


def test_bad_home_landing_configuration_and_arguments(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("WELLNESS_HOME", str(tmp_path / "file"))
    assert cli.main(["run"]) == 2 and "is a file, not a folder" in capsys.readouterr().err
    home = tmp_path / "home"
    monkeypatch.setenv("WELLNESS_HOME", str(home))
    (home / "landing").mkdir(parents=True)
    os.mkfifo(home / "landing" / "participants.csv")  # would block a reader
    assert cli.main(["run"]) == 2 and "participants.csv is not a regular file" in capsys.readouterr().err
    (home / "landing" / "participants.csv").unlink()
    (home / "landing" / "participants.csv").write_text('participant_id,source,source_account_id\n"P1,x\n')
    assert cli.main(["run"]) == 2 and "participants.csv: not a readable CSV" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["generate", "--participants", "-3"])
    assert exc.value.code == 2 and "must be at least 1" in capsys.readouterr().err

"""Small runs of every bench script (correctness only, no timing assertions): each is one command, prints
its figures, and agrees with its reference on the same data."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse import tables

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def bench(script: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args], cwd=REPO, capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out.stdout


def test_ingest_heart_rate_matches_duckdb_on_the_same_rows(tmp_path):
    text = bench("ingest_heart_rate.py", "--rows", "30000", "--participants", "5", "--dir", str(tmp_path))
    found = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^(\w+)\s.*\(\S+ s, ([\d,]+) rows → ([\d,]+) person-days\)", text, re.M)
    }
    assert set(found) == {
        "duckdb_csv",
        "duckdb_parquet",
        "arrow_csv",
        "wellness_csv",
        "wellness_csv_arrow",
        "wellness_parquet",
    }, text
    assert set(found.values()) == {("30,000", "25")}, text


@pytest.mark.parametrize("table", ["minute_sleep", "minute_steps"])
def test_ingest_fitabase_minutes_reads_every_line_whichever_reader(tmp_path, table):
    args = ("--table", table, "--rows", "42000", "--participants", "5", "--dir", str(tmp_path))
    text = bench("ingest_fitabase_minutes.py", *args)
    found = {
        m.group(1): (m.group(2), m.group(3), m.group(4))
        for m in re.finditer(
            r"^(\w+)\s.*\(\S+ s, ([\d,]+) rows → ([\d,]+) daily rows, ([\d,]+) quarantined\)", text, re.M
        )
    }
    assert set(found) == {
        "duckdb_csv",
        "duckdb_rows",
        "wellness_csv",
        "wellness_csv_warm",
        "wellness_csv_text",
        "wellness_csv_cut",
    }, text
    assert len({rows for rows, _, _ in found.values()}) == 1, text  # duckdb_rows folds nothing: "0 daily rows"
    assert found["wellness_csv"] == found["wellness_csv_text"], text
    assert found["wellness_csv_cut"][2] == "1", text  # the cut line, quarantined; the rest read
    assert re.search(r"wellness_csv speed / duckdb_csv speed: [\d.]+×", text), text


def test_apple_health_parse_reads_every_record(tmp_path):
    text = bench("apple_health_parse.py", "--mb", "2", "--path", str(tmp_path / "export.xml"))
    records = {m.group(1): m.group(2) for m in re.finditer(r"^(\w+)\s.*\(\S+ s, ([\d,]+) records\)", text, re.M)}
    assert set(records) == {"expat_floor", "etree_floor", "wellness_parse", "wellness_one_pass"}, text
    assert len(set(records.values())) == 1, text
    assert int(re.search(r"daily_rows (\d+)", text).group(1)) > 0


def test_backfill_stats_agrees_with_the_scipy_reference():
    text = bench(
        "backfill_stats.py",
        "--participants",
        "60",
        "--days",
        "150",
        "--chunk",
        "25",
        "--ref-participants",
        "6",
        "--ref-days",
        "5",
        "--stages",
    )
    assert "full backfill" in text and "speed-up per window" in text
    stages = dict(re.findall(r"^  (\S+)\s+([\d.]+) s$", text, re.M))
    assert {"drift.drift_block", "drift.sequential_block", "baselines.baseline_block"} <= set(stages), text
    diffs = dict(re.findall(r"(\w+) (\d\.\de[+-]\d+)", text.split("largest absolute difference vs reference:")[1]))
    assert len(diffs) == 9 and all(float(v) < 1e-9 for v in diffs.values()), text


def test_theil_sen_window_structures_agree():
    text = bench("theil_sen_window.py", "--series", "20", "--days", "60")
    timed = re.findall(r"^(\w+)\s+[\d.]+ s\s+\d+ ns per window", text, re.M)
    assert timed == ["sliding_merge", "recompute_select", "slots_select"], text
    diffs = [float(d) for d in re.findall(r"largest difference from recompute_select: (\S+)", text)]
    assert len(diffs) == 3 and max(diffs) < 1e-12, text


def test_nightly_run_through_dagster_succeeds(tmp_path):
    args = ("--participants", "30", "--days", "100", "--home", str(tmp_path), "--repeat", "1", "--floor")
    text = bench("nightly_run.py", *args)
    assert re.search(r"nightly run .* run SUCCESS", text), text
    floor = re.search(r"floor: ([\d.]+) s = empty run ([\d.]+) s \+ the night's checks ([\d.]+) s", text)
    assert floor and float(floor.group(2)) > 0, text
    assert abs(float(floor.group(1)) - float(floor.group(2)) - float(floor.group(3))) < 0.11, text
    checked = dict(re.findall(r"GX suite (\w+)\s+([\d,]+) rows", text))
    assert set(checked) == set(tables.PARTITIONED), text  # every table a daily asset checks by day range
    assert all(int(checked[t].replace(",", "")) > 0 for t in ("daily_metrics", "baselines", "drift")), text
    steps = set(re.findall(r"step (\w+)", text))
    assert {
        "landing_files",
        "daily_metrics",
        "baselines",
        "drift",
        "proxies",
        "episodes",
        "analytics_duckdb",
    } <= steps, text


def test_drift_eval_prints_every_detector_and_draws_the_frontier(tmp_path):
    png = tmp_path / "frontier.png"
    text = bench("drift_eval.py", "--participants", "30", "--budgets", "0.5,4", "--plot", str(png))
    for detector in ("ours", "oracle", "today (Yuen–Tukey)", "NightSignal", "RHR-Diff"):
        assert detector in text, text
    assert png.stat().st_size > 10_000


def test_drift_eval_calibrates_a_variant_of_the_windows_before_judging_it():
    args = ("--participants", "20", "--budgets", "1", "--detectors", "ours", "--calibration-series", "20")
    text = bench("drift_eval.py", *args, "--set", "baseline_days=84")
    assert "windows with baseline_days=84: thresholds calibrated in" in text, text
    assert "ours" in text and "oracle" not in text and "NightSignal" not in text, text


def test_cusum_calibration_writes_a_table_the_lookup_reads(tmp_path):
    from transforms.stats.alarm_thresholds import read_table

    out = tmp_path / "calibration.csv"
    text = bench("cusum_calibration.py", "--series", "20", "--days", "300", "--out", str(out))
    assert "thresholds from 20 null series" in text
    params, table = read_table(out)
    assert params["baseline_days"] == 56 and len(table) == 6 * 12 * 8
    assert (table.groupby(["history_days", "phi"])["threshold"].diff().dropna() <= 0).all()  # rarer alarms: higher h


def test_report_site_builds_the_published_cohort_and_its_copies(tmp_path):
    import os

    home = tmp_path / "home"
    env = {**os.environ, "WELLNESS_HOME": str(home), "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "wellness"), "demo", "--participants", "4", "--days", "60", "--seed", "3"],
        cwd=REPO,
        env=env,
        capture_output=True,
        check=True,
        timeout=900,
    )
    text = bench("report_site.py", "--analytics", str(home / "analytics.duckdb"), "--participants", "10")
    pages = [int(n) for n in re.findall(r"^.{28}\s+(\d+) participant pages", text, re.M)]
    assert pages == [4, 12], text  # 4 participants, copied 3 times


def test_cost_model_measures_every_stage_and_predicts(tmp_path):
    text = bench(
        "cost_model.py",
        *("--nightly-home", str(tmp_path / "nightly"), "--nightly-participants", "30", "--nightly-days", "120"),
        *("--backfill-participants", "20", "--csv-rows", "20000", "--xml-mb", "2", "--dir", str(tmp_path)),
    )
    for stage in ("ingest CSV", "ingest Apple Health", "nightly step drift", "nightly start-up", "backfill baselines"):
        assert stage in text, text
    assert re.search(r"^\s+1,000,000 +\S+ \S+ +\S+ \S+ +\S+ \S+ +\S+ \S+$", text, re.M), text

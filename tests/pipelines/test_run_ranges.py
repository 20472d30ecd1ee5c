"""Day ranges are judged at the door: a range that cannot be run is one line naming the expected format or
the data's span, exit code 2, nothing computed or published; and the daily partitions start where the data
does (pipelines.settings.partitions_start)."""

import os
import subprocess
import sys

import pytest

from pipelines import cli
from tests.conftest import REPO

HRV = "timestamp,rmssd,nremhr,entropy\n2024-07-21T00:00:00,29.2,49.6,2.4\n2024-07-22T00:00:00,31.0,50.1,2.3\n"


def _home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "landing" / "P1").mkdir(parents=True)
    (home / "landing" / "P1" / "Daily Heart Rate Variability Summary - x.csv").write_text(HRV)
    monkeypatch.setenv("WELLNESS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return home


@pytest.mark.parametrize(
    "argv, says",
    [
        (["run", "--start", "2025-03-10", "--end", "2025-03-01"], "--start 2025-03-10 is after --end 2025-03-01"),
        (["run", "--start", "2030-01-01", "--end", "2030-01-05"], "--start 2030-01-01 is in the future"),
        (["run", "--end", "2099-12-31"], "--end 2099-12-31 is in the future: the last day that can be computed is"),
        (["run", "--start", "1999-12-31"], "before the first daily partition 2000-01-01 (WELLNESS_PARTITIONS_START)"),
        (["backfill", "--start", "2025-03-10", "--end", "2025-03-01"], "--start 2025-03-10 is after --end"),
    ],
)
def test_an_impossible_range_is_refused_before_anything_runs(tmp_path, monkeypatch, capsys, argv, says):
    home = _home(tmp_path, monkeypatch)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1
    assert not (home / "warehouse.duckdb").exists()


@pytest.mark.parametrize(
    "argv", [["run", "--start", "2025/03/01"], ["backfill", "--start", "1.3.2025", "--end", "2025-03-02"]]
)
def test_a_date_not_in_iso_form_names_the_format(monkeypatch, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2 and "is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_a_range_outside_the_data_names_its_span(tmp_path, monkeypatch, capsys):
    home = _home(tmp_path, monkeypatch)
    assert cli.main(["run", "--start", "2001-01-01", "--end", "2001-02-01"]) == 2
    assert "2001-01-01 … 2001-02-01 holds no data: the data runs 2024-07-21 … 2024-07-22" in capsys.readouterr().err
    assert not (home / "analytics.duckdb").exists()  # ingested, but nothing computed or published
    assert cli.main(["backfill", "--start", "2001-01-01", "--end", "2001-02-01"]) == 2
    assert "holds no data: the data runs 2024-07-21 … 2024-07-22" in capsys.readouterr().err


@pytest.mark.slow
def test_partitions_start_with_the_data(tmp_path, monkeypatch):
    """Unpinned, a fresh process's partitions start on the data's first day (the first run, before any data,
    loads them from 2000-01-01); a day before it is refused naming the variable; when older data arrives, the
    run learns it after ingesting and computes the daily assets in a fresh process that loads the new start."""
    home = _home(tmp_path, monkeypatch)
    env = {k: v for k, v in os.environ.items() if k != "WELLNESS_PARTITIONS_START"}
    wellness = str(REPO / ".venv" / "bin" / "wellness") if (REPO / ".venv").exists() else "wellness"

    def partitions_start() -> str:
        out = subprocess.run(
            [sys.executable, "-c", "from pipelines.settings import partitions_start; print(partitions_start())"],
            env=env,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        return out.stdout.strip()

    first = subprocess.run([wellness, "run"], env=env, capture_output=True, text=True, cwd=REPO)
    assert first.returncode == 0, first.stdout + first.stderr
    assert partitions_start() == "2024-07-21"
    early = subprocess.run(
        [wellness, "run", "--start", "2024-07-01"], env=env, capture_output=True, text=True, cwd=REPO
    )
    assert early.returncode == 2
    assert (
        "--start 2024-07-01 is before the first daily partition 2024-07-21 (WELLNESS_PARTITIONS_START)" in early.stderr
    )

    (home / "landing" / "P1" / "Daily Heart Rate Variability Summary - older.csv").write_text(
        "timestamp,rmssd,nremhr,entropy\n2024-06-01T00:00:00,33.0,51.0,2.2\n"
    )
    older = subprocess.run([wellness, "run"], env=env, capture_output=True, text=True, cwd=REPO)
    assert older.returncode == 0, older.stdout + older.stderr
    assert "before the loaded partitions (2024-07-21): daily run in a new process" in older.stdout
    assert partitions_start() == "2024-06-01"
    import duckdb

    conn = duckdb.connect(str(home / "analytics.duckdb"), read_only=True)
    try:
        days = conn.execute("SELECT min(day), max(day) FROM analytics.daily_metrics").fetchone()
    finally:
        conn.close()
    assert [str(d) for d in days] == ["2024-06-01", "2024-07-22"]


def test_a_backfill_no_daemon_picks_up_is_one_line_and_exit_code_3(tmp_path, monkeypatch, capsys):
    _home(tmp_path, monkeypatch)
    assert cli.main(["run"]) == 0
    capsys.readouterr()
    code = cli.main(["backfill", "--start", "2024-07-21", "--end", "2024-07-22", "--pickup-timeout", "2"])
    out, err = capsys.readouterr()
    assert code == 3
    backfill_id = out.split("submitted backfill ")[1].split(":")[0]
    assert f"http://127.0.0.1:3000/runs/b/{backfill_id}?tab=runs" in out
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"no dagster-daemon picked up backfill {backfill_id} within 2 s" in err and "exit" not in err
    assert "wellness run --start 2024-07-21 --end 2024-07-22" in err
    # --wait too: the same one line and exit code 3 instead of waiting for the whole --timeout
    code = cli.main(["backfill", "--start", "2024-07-21", "--end", "2024-07-22", "--wait", "--pickup-timeout", "1"])
    assert code == 3 and "no dagster-daemon picked up" in capsys.readouterr().err


def test_a_reader_holding_the_warehouse_is_named_with_what_to_open_instead(tmp_path, monkeypatch, capsys):
    """A query session on warehouse.duckdb (DuckDB's lock, not the pipeline's): the run says who holds it and
    to open analytics.duckdb, waits its back-off, then fails with one line per step, no traceback."""
    from warehouse import connection

    home = _home(tmp_path, monkeypatch)
    assert cli.main(["run"]) == 0
    capsys.readouterr()
    (home / "landing" / "P1" / "Daily Heart Rate Variability Summary - y.csv").write_text(HRV.replace("29.2", "30.2"))
    monkeypatch.setattr(connection, "LOCK_RETRY_S", (0.2, 0.2))
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(60)",
            str(home / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        code = cli.main(["run"])
    finally:
        reader.kill()
        reader.wait()
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    held = f"warehouse.duckdb is held open by PID {reader.pid} (python"
    assert f"waiting 0.2 s (0.0 s so far): {held}" in out and f"waiting 0.2 s (0.2 s so far): {held}" in out
    assert "which is not a pipeline run; if that is a query session, close it and open" in out
    assert str(home / "analytics.duckdb") in out
    failed = [line for line in out.splitlines() if "step landing_files failed: gave up after 0.4 s:" in line]
    assert failed and all(held in line for line in failed)
    assert cli.main(["run"]) == 0  # the reader gone, the next run goes through

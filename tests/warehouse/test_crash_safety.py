"""A writer killed with SIGKILL in the middle of a write (rows deleted and inserted, not committed) leaves
the tables as they were, the writer lock free, and the next run converges; a publish killed before its
link moves leaves analysts' analytics.duckdb intact."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pipelines.helpers import fingerprints, generate_home, query, run
from warehouse.lock import writer_lock

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

KILLED_WRITE = r"""
import contextlib, datetime as dt, sys, time
import warehouse.embedded as e
import warehouse.writes as w
from warehouse import tables
from warehouse.connection import writer

@contextlib.contextmanager
def stalled(conn):
    conn.execute("BEGIN TRANSACTION")
    yield conn
    open(sys.argv[2], "w").write("deleted and inserted, not committed")
    time.sleep(300)
    conn.execute("COMMIT")

e.transaction = stalled
with writer(sys.argv[1]) as conn:
    frame = conn.execute("SELECT * FROM analytics.drift WHERE day BETWEEN '2025-02-01' AND '2025-02-10'").df()
    frame["value"] = frame["value"] + 100.0
    w.replace_days(e.DuckDBFileWarehouse(conn), tables.DRIFT, frame.iloc[: len(frame) // 2], dt.date(2025, 2, 1), dt.date(2025, 2, 10))
"""

KILLED_PUBLISH = r"""
import os, sys, time
import warehouse.publish as p
from warehouse.connection import writer
from warehouse.embedded import DuckDBFileWarehouse

def stalled(target, file):
    open(sys.argv[2], "w").write("patched, link not moved")
    time.sleep(300)

p._point = stalled
with writer(sys.argv[1]) as conn:
    p.publish(DuckDBFileWarehouse(conn), sys.argv[3])
"""


@pytest.fixture
def computed(tmp_path):
    paths, _ = generate_home(tmp_path, participants=4, days=70)
    assert run(paths).ok
    return paths


def _run_until_flag_then_kill(script: str, flag: Path, *args: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the child never reached the point to kill it at"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_mid_transaction_leaves_the_previous_state(computed, tmp_path):
    paths = computed
    before = fingerprints(paths)
    flag = tmp_path / "in_transaction"
    _run_until_flag_then_kill(KILLED_WRITE, flag, str(paths.warehouse), str(flag))
    with writer_lock(paths.warehouse, timeout_s=5):  # the kernel released the dead writer's lock
        pass
    assert fingerprints(paths) == before
    shifted = query(paths, "SELECT count(*) AS n FROM analytics.drift WHERE metric = 'resting_hr_bpm' AND value > 150")
    assert shifted["n"][0] == 0
    assert run(paths).ok  # the next run converges to the same tables
    assert fingerprints(paths) == before


def test_sigkill_mid_publish_leaves_analysts_the_old_file(computed, tmp_path):
    paths = computed
    import duckdb

    def published_rows():
        conn = duckdb.connect(str(paths.analytics), read_only=True)
        try:
            return conn.execute("SELECT count(*) FROM analytics.drift").fetchone()[0]
        finally:
            conn.close()

    rows = published_rows()
    for _ in range(2):  # a first generation and its spare, as after any two runs
        assert run(paths).ok
    old_inode = paths.analytics.stat().st_ino
    flag = tmp_path / "patched"
    _run_until_flag_then_kill(KILLED_PUBLISH, flag, str(paths.warehouse), str(flag), str(paths.analytics))
    assert paths.analytics.stat().st_ino == old_inode and published_rows() == rows
    assert run(paths).ok
    assert not list(paths.home.glob(".analytics.duckdb.*.link"))
    assert len(list(paths.home.glob(".analytics.generations/*"))) == 2
    assert paths.analytics.stat().st_ino != old_inode and published_rows() == rows

"""The commands the README and docs give run as written: every block marked ``<!-- runnable … -->`` is run
(sh with bash -e, python with the project's interpreter) from a folder laid out like a clone, with its
default ``./data`` home holding a small generated cohort."""

import os
import re
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUNNABLE = re.compile(r"<!-- runnable[^>]*-->\n```(?P<lang>sh|python)\n(?P<body>.*?)```", re.S)


def runnable_blocks() -> list[tuple[str, str, str]]:
    """(document, language, text) of every marked block, in document order."""
    return [
        (doc.name, m["lang"], m["body"]) for doc in DOCS for m in RUNNABLE.finditer(doc.read_text(encoding="utf-8"))
    ]


def test_the_marked_blocks_are_the_ones_expected():
    found = [(doc, lang) for doc, lang, _ in runnable_blocks()]
    assert found == [("README.md", "sh"), ("README.md", "sh"), ("data_dictionary.md", "python")]


def test_every_runnable_block_runs_as_written(tmp_path):
    if not (REPO / ".venv" / "bin" / "wellness").exists():
        pytest.skip("the documented commands call .venv/bin/…: run `make install` first")
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / ".venv").symlink_to(REPO / ".venv")
    (clone / "workspace.yaml").symlink_to(REPO / "workspace.yaml")
    env = {k: v for k, v in os.environ.items() if k not in ("WELLNESS_HOME", "DAGSTER_HOME")}
    env |= {"WELLNESS_HOME": str(clone / "data"), "DAGSTER_HOME": str(clone / "dagster_home")}
    wellness = str(clone / ".venv" / "bin" / "wellness")
    setup = [
        [wellness, "generate", "--participants", "3", "--days", "100", "--seed", "5", "--start", "2025-01-01"]
        + ["--out", str(clone / "data" / "landing")],
        [wellness, "run"],
    ]
    for argv in setup:
        subprocess.run(argv, cwd=clone, env=env, check=True, capture_output=True, text=True, timeout=600)
    for doc, lang, body in runnable_blocks():
        argv = ["bash", "-e", "-c", body] if lang == "sh" else [sys.executable, "-c", body]
        done = subprocess.run(argv, cwd=clone, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{doc} block failed:\n{body}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"

    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"], home = str(clone / "dagster_home"), os.environ.get("DAGSTER_HOME")
    try:
        with DagsterInstance.get() as instance:
            running = {s.instigator_name for s in instance.all_instigator_state() if s.status.value == "RUNNING"}
            runs = instance.get_runs()
    finally:
        if home is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = home
    assert {"nightly_refresh_schedule", "landing_sensor", "after_ingestion_sensor"} <= running
    assert all(r.status.value == "SUCCESS" for r in runs) and len(runs) >= 6
    conn = duckdb.connect(str(clone / "data" / "analytics.duckdb"), read_only=True)
    try:
        assert conn.execute("SELECT count(*) FROM drift WHERE day BETWEEN '2025-03-01' AND '2025-03-31'").fetchone()[0]
    finally:
        conn.close()

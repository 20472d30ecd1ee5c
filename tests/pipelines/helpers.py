"""Helpers for pipeline tests: run the jobs on an ephemeral Dagster instance, fingerprint tables."""

from __future__ import annotations

from dagster import DagsterInstance

from pipelines.runner import run_pipeline
from warehouse.connection import connect

TABLES = ["staging.observations", "staging.questionnaire_responses", "analytics.daily_metrics",
          "analytics.questionnaire_scores", "analytics.questionnaire_change", "analytics.baselines",
          "analytics.drift", "analytics.proxies", "analytics.episodes", "quality.quarantine", "ops.ingested_files"]
RUN_TIME_COLUMNS = {"ingested_at", "checked_at"}


def run(paths, **kwargs):
    with DagsterInstance.ephemeral() as instance:
        return run_pipeline(paths, instance=instance, echo=lambda *_: None, **kwargs)


def fingerprints(paths) -> dict:
    """(row count, order-independent hash of every column but run times) per table."""
    conn = connect(paths.warehouse, read_only=True)
    try:
        out = {}
        for table in TABLES:
            cols = [r[0] for r in conn.execute(f"DESCRIBE {table}").fetchall() if r[0] not in RUN_TIME_COLUMNS]
            out[table] = conn.execute(f"SELECT count(*), sum(hash({', '.join(cols)})) FROM {table}").fetchone()
        return out
    finally:
        conn.close()


def query(paths, sql, params=None):
    conn = connect(paths.warehouse, read_only=True)
    try:
        return conn.execute(sql, params or []).df()
    finally:
        conn.close()

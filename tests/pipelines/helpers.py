"""Helpers for pipeline tests: run the jobs on a Dagster instance configured as the product's, fingerprint
tables."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterInstance

from pipelines.runner import run_pipeline
from pipelines.settings import dagster_yaml
from warehouse.connection import connect
from warehouse.published import table_fingerprints

TABLES = [
    "staging.observations",
    "staging.questionnaire_responses",
    "analytics.daily_metrics",
    "analytics.questionnaire_scores",
    "analytics.questionnaire_change",
    "analytics.baselines",
    "analytics.drift",
    "analytics.proxies",
    "analytics.episodes",
    "quality.quarantine",
    "ops.ingested_files",
]
RUN_TIME_COLUMNS = {"ingested_at", "checked_at"}


@contextmanager
def product_instance(paths):
    """A Dagster instance in ``<home>/dagster_home`` with the dagster.yaml ``wellness run`` writes (the batched
    event log of pipelines/event_log.py). Dagster's ephemeral instance stores a range run's per-partition
    events one at a time: a ten-year range of real data spent 700 of its 780 s there."""
    home = paths.home / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(dagster_yaml(home))
    with DagsterInstance.from_config(str(home)) as instance:
        yield instance


def run(paths, **kwargs):
    with product_instance(paths) as instance:
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


def generate_home(tmp_path, participants: int = 6, days: int = 60, seed: int = 3):
    """A WELLNESS_HOME with a generated landing folder (not yet ingested). Returns (paths, cohort)."""
    from pipelines.settings import Paths
    from transforms.synthetic.cohort import CohortSpec, simulate
    from transforms.synthetic.vendor_files import write_cohort

    paths = Paths(tmp_path / "home")
    cohort = simulate(CohortSpec(participants=participants, days=days, seed=seed))
    write_cohort(cohort, paths.landing, paths.ground_truth)
    return paths, cohort


def write_resting_hr(landing, participant_id: str, days, value: float = 61.0, folder: str = "fitbit_late"):
    """A Fitbit takeout resting_heart_rate.json for ``days`` in ``landing/<participant_id>/<folder>/``: the
    kind of late file a sensor must pick up."""
    import json

    path = landing / participant_id / folder / "resting_heart_rate.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            [
                {
                    "dateTime": f"{d:%m/%d/%y} 00:00:00",
                    "value": {"date": f"{d:%m/%d/%y}", "value": value + i % 3, "error": 5.0},
                }
                for i, d in enumerate(days)
            ]
        )
    )
    return path


def revise_resting_hr(landing, participant_id: str, days, value: float) -> Path:
    """A re-export of ``landing/<participant_id>/fitbit/resting_heart_rate.json`` whose values on ``days``
    became ``value`` (the file replaced in place, as a vendor's newer export would be)."""
    import json

    path = landing / participant_id / "fitbit" / "resting_heart_rate.json"
    records = json.loads(path.read_text())
    revised = {f"{d:%m/%d/%y}" for d in days}
    for record in records:
        if record["value"]["date"] in revised:
            record["value"]["value"] = value
    path.write_text(json.dumps(records))
    return path


def dagster_home(tmp_path):
    """A persistent Dagster instance folder (sqlite storage, telemetry off, run monitoring), as
    `make dev` uses; returns its path."""
    from pipelines.settings import dagster_yaml

    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text(dagster_yaml(home))
    return home


def published_tables(path) -> dict[str, tuple]:
    """Every table of a published analytics.duckdb → (columns, rows, order-independent content hash)."""
    return table_fingerprints(path)

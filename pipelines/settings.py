"""Where things live: ``$WELLNESS_HOME`` (default ``./data``) and the files inside it."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "data"
PARTITIONS_START_DEFAULT = "2000-01-01"  # = the earliest day quality.rules accepts


@dataclass(frozen=True)
class Paths:
    home: Path

    @classmethod
    def from_env(cls) -> "Paths":
        return cls(Path(os.environ.get("WELLNESS_HOME", DEFAULT_HOME)).resolve())

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def analytics(self) -> Path:
        return self.home / "analytics.duckdb"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def ground_truth(self) -> Path:
        return self.home / "ground_truth.csv"

    @property
    def pseudonym_key_file(self) -> Path:
        return self.home / ".pseudonym_key"

    def pseudonym_key(self) -> bytes:
        """The project secret that keys pseudonyms: ``$WELLNESS_PSEUDONYM_KEY`` (hex), else a random
        key created once in ``$WELLNESS_HOME/.pseudonym_key`` (mode 0600). Keep it to keep pseudonyms
        stable; whoever holds it can re-identify nothing, but can test a guessed account id."""
        env = os.environ.get("WELLNESS_PSEUDONYM_KEY")
        if env:
            return bytes.fromhex(env)
        path = self.pseudonym_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())


def partitions_start() -> str:
    """First daily partition (``$WELLNESS_PARTITIONS_START``, default 2000-01-01)."""
    return os.environ.get("WELLNESS_PARTITIONS_START", PARTITIONS_START_DEFAULT)


@dataclass(frozen=True)
class Automation:
    """The nightly schedule and the landing sensor, from the environment:

    WELLNESS_NIGHTLY_CRON (default "30 2 * * *"), WELLNESS_NIGHTLY_TIMEZONE (default UTC),
    WELLNESS_LOOKBACK_DAYS (default 3: the nightly run recomputes yesterday and the 3 days before it, for
    late-arriving data), WELLNESS_SENSOR_INTERVAL_S (default 60: how often the landing folder is looked at),
    WELLNESS_AUTOMATION ("running" starts the schedule and both sensors as soon as the definitions load;
    default "stopped": turn them on in the UI or with ``dagster schedule start`` / ``dagster sensor start``).
    """

    cron: str = "30 2 * * *"
    timezone: str = "UTC"
    lookback_days: int = 3
    sensor_interval_s: int = 60
    running: bool = False

    @classmethod
    def from_env(cls) -> "Automation":
        return cls(cron=os.environ.get("WELLNESS_NIGHTLY_CRON", cls.cron),
                   timezone=os.environ.get("WELLNESS_NIGHTLY_TIMEZONE", cls.timezone),
                   lookback_days=int(os.environ.get("WELLNESS_LOOKBACK_DAYS", cls.lookback_days)),
                   sensor_interval_s=int(os.environ.get("WELLNESS_SENSOR_INTERVAL_S", cls.sensor_interval_s)),
                   running=_automation_running(os.environ.get("WELLNESS_AUTOMATION", "stopped")))


def _automation_running(value: str) -> bool:
    if value.strip().lower() not in ("running", "stopped"):
        raise ValueError(f"WELLNESS_AUTOMATION must be 'running' or 'stopped', not {value!r}")
    return value.strip().lower() == "running"


DAGSTER_YAML = """\
telemetry:
  enabled: false
run_monitoring:
  enabled: true
"""


PROFILES = ("embedded", "distributed")
DEFAULT_BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"


@dataclass(frozen=True)
class Profile:
    """How the pipeline is deployed (docs/deploy.md), from the environment:

    WELLNESS_PROFILE     "embedded" (default): SQLite Dagster storage, a run's steps in one process, the
                         warehouse one DuckDB file. "distributed": steps on Celery workers, the warehouse a
                         Parquet lake, backfills split into runs of WELLNESS_RUN_PARTITIONS days that run on
                         different workers at once (the Dagster instance on PostgreSQL is dagster.yaml's part).
    WELLNESS_STORAGE     "duckdb" or "lake": overrides the profile's storage (e.g. a lake with in-process steps).
    WELLNESS_LAKE_ROOT   the lake's folder, shared by every worker (default $WELLNESS_HOME/lake).
    WELLNESS_CELERY_BROKER / WELLNESS_CELERY_BACKEND   Celery's broker and result backend
                         (default RabbitMQ on 127.0.0.1 and ``rpc://``).
    WELLNESS_CELERY_QUEUE     the queue steps are sent to and workers listen on (default "dagster"): one
                         per deployment sharing a broker.
    WELLNESS_RUN_PARTITIONS   days per backfill run in the distributed profile (default 10).
    """

    name: str = "embedded"
    storage: str = "duckdb"
    lake_root: Path | None = None
    broker: str = DEFAULT_BROKER
    backend: str = "rpc://"
    celery_queue: str = "dagster"
    run_partitions: int = 10

    @classmethod
    def from_env(cls, paths: Paths | None = None) -> "Profile":
        name = os.environ.get("WELLNESS_PROFILE", "embedded").strip().lower()
        if name not in PROFILES:
            raise ValueError(f"WELLNESS_PROFILE must be one of {', '.join(PROFILES)}, not {name!r}")
        storage = os.environ.get("WELLNESS_STORAGE", "lake" if name == "distributed" else "duckdb").strip().lower()
        if storage not in ("duckdb", "lake"):
            raise ValueError(f"WELLNESS_STORAGE must be 'duckdb' or 'lake', not {storage!r}")
        paths = paths or Paths.from_env()
        lake_root = Path(os.environ.get("WELLNESS_LAKE_ROOT", paths.home / "lake")).resolve()
        return cls(name=name, storage=storage, lake_root=lake_root if storage == "lake" else None,
                   broker=os.environ.get("WELLNESS_CELERY_BROKER", DEFAULT_BROKER),
                   backend=os.environ.get("WELLNESS_CELERY_BACKEND", cls.backend),
                   celery_queue=os.environ.get("WELLNESS_CELERY_QUEUE", cls.celery_queue),
                   run_partitions=int(os.environ.get("WELLNESS_RUN_PARTITIONS", cls.run_partitions)))

    @property
    def distributed(self) -> bool:
        return self.name == "distributed"

"""Every setting of the pipeline, and the only module that reads the environment: where things live
(``$WELLNESS_HOME``, default ``./data``, and the files inside it), the profile, the automation, the daily
partitions' start, memory and chunk sizes, the window configuration file and the Dagster instance's folder.
Each is parsed and range-checked when read; ``validate_environment`` reads them all before a command runs."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "data"
PARTITIONS_START_DEFAULT = "2000-01-01"  # the earliest day quality.rules accepts: partitions never start before it
CHUNK_PARTICIPANT_DAYS_DEFAULT = 400_000


class ConfigError(ValueError):
    """A setting that cannot be used; the message is one line naming the variable, key or file."""


@dataclass(frozen=True)
class Paths:
    home: Path

    @classmethod
    def from_env(cls) -> Paths:
        home = Path(os.environ.get("WELLNESS_HOME", DEFAULT_HOME)).resolve()
        if home.exists() and not home.is_dir():
            raise ConfigError(f"WELLNESS_HOME={home} is a file, not a folder")
        return cls(home)

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
    def data_span(self) -> Path:
        """The first and last day with data, as JSON, rewritten by every ingestion (warehouse.writes
        ``record_data_span``): where the daily partitions start when WELLNESS_PARTITIONS_START is unset."""
        return self.home / "data_span.json"

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


def partitions_start(paths: Paths | None = None) -> str:
    """First daily partition: ``$WELLNESS_PARTITIONS_START`` when set; else the first day with data when the
    definitions load (``Paths.data_span``, written by each ingestion), so the partitions show the study; else,
    before any data, yesterday (one partition). Never before 2000-01-01, the first day ingestion accepts."""
    import datetime as dt

    if os.environ.get("WELLNESS_PARTITIONS_START", "").strip():
        return _date_setting("WELLNESS_PARTITIONS_START", PARTITIONS_START_DEFAULT)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    try:
        first = dt.date.fromisoformat(json.loads((paths or Paths.from_env()).data_span.read_text())["first_day"])
    except (OSError, ValueError, KeyError, TypeError, ConfigError):
        return yesterday.isoformat()
    return min(max(first, dt.date.fromisoformat(PARTITIONS_START_DEFAULT)), yesterday).isoformat()


def partitions_start_pinned() -> bool:
    """Whether ``$WELLNESS_PARTITIONS_START`` fixes the first partition (else it follows the data)."""
    return bool(os.environ.get("WELLNESS_PARTITIONS_START", "").strip())


def pin_partitions_start(day: str) -> None:
    """Fix the first partition to ``day`` for this process and the processes it starts."""
    os.environ["WELLNESS_PARTITIONS_START"] = day


def windows_file() -> str | None:
    """``$WELLNESS_WINDOWS_FILE``: a TOML file whose keys override transforms/config/windows.toml."""
    return os.environ.get("WELLNESS_WINDOWS_FILE", "").strip() or None


def dagster_home() -> str | None:
    """``$DAGSTER_HOME``: the Dagster instance's folder (runs, schedules, sensors)."""
    return os.environ.get("DAGSTER_HOME", "").strip() or None


def ui_url() -> str:
    """``$WELLNESS_UI_URL``: where the Dagster UI answers, for links the CLI prints (default ``make dev``'s
    http://127.0.0.1:3000)."""
    return (os.environ.get("WELLNESS_UI_URL", "").strip() or "http://127.0.0.1:3000").rstrip("/")


def use_dagster_home(path: Path) -> None:
    """Make ``path`` this process's ``$DAGSTER_HOME`` (Dagster reads the variable itself)."""
    os.environ["DAGSTER_HOME"] = str(path)


def configure_process() -> None:
    """What a process that runs the pipeline sets up once, before building definitions or computing: the
    window configuration file for transforms, and Dagster's event batching (pipelines/event_log.py), which
    Dagster reads from ``$DAGSTER_EVENT_BATCH_SIZE`` (left as it is when set)."""
    from transforms import vocabulary

    vocabulary.use_windows_file(windows_file())
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)


def chunk_participant_days() -> int:
    """Participant·days of window per chunk of the windowed assets (``$WELLNESS_CHUNK_PARTICIPANT_DAYS``)."""
    return _int_setting("WELLNESS_CHUNK_PARTICIPANT_DAYS", CHUNK_PARTICIPANT_DAYS_DEFAULT, minimum=1)


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit on the pipeline's connections (``$WELLNESS_DUCKDB_MEMORY_LIMIT``, e.g. ``4GB``)."""
    import re

    from warehouse.connection import DEFAULT_MEMORY_LIMIT

    value = os.environ.get("WELLNESS_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B|B|%)", value, flags=re.IGNORECASE):
        raise ConfigError(f"WELLNESS_DUCKDB_MEMORY_LIMIT must be a size such as 4GB or 512MiB, not {value!r}")
    return value


def report_participants() -> list[str]:
    """Participant ids the report site always gives a page (``$WELLNESS_REPORT_PARTICIPANTS``, comma-separated),
    however large the cohort."""
    return [p.strip() for p in os.environ.get("WELLNESS_REPORT_PARTICIPANTS", "").split(",") if p.strip()]


def site_max_pages() -> int:
    """``$WELLNESS_SITE_MAX_PAGES`` (default 2000): the report site has a page for every participant up to this
    many; in a larger cohort, for those drifting now, with an episode this week or in
    ``$WELLNESS_REPORT_PARTICIPANTS`` (a nightly run of a large cohort stays bounded)."""
    return _int_setting("WELLNESS_SITE_MAX_PAGES", 2000, minimum=0)


def _int_setting(name: str, default: int, minimum: int | None = None) -> int:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _date_setting(name: str, default: str) -> str:
    import datetime as dt

    text = os.environ.get(name, default).strip()
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{name} must be a date YYYY-MM-DD, not {text!r}") from None
    return text


def validate_environment() -> None:
    """Parse and range-check every setting once, before anything runs: each ``WELLNESS_*`` variable, the
    windows file and the landing configuration files. Raises ``ConfigError`` with a one-line message naming
    what is wrong (the CLI exits 2 on it)."""
    from transforms import vocabulary

    paths = Paths.from_env()
    partitions_start()
    chunk_participant_days()
    duckdb_memory_limit()
    site_max_pages()
    Automation.from_env()
    Profile.from_env(paths)
    key = os.environ.get("WELLNESS_PSEUDONYM_KEY")
    if key is not None:
        try:
            if len(bytes.fromhex(key)) < 16:
                raise ValueError
        except ValueError:
            raise ConfigError("WELLNESS_PSEUDONYM_KEY must be at least 16 bytes written as hex") from None
    try:
        vocabulary.windows(windows_file())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    landing_configuration(paths.landing)


def landing_configuration(landing: Path) -> None:
    """``landing/participants.csv`` and ``landing/questionnaire_events.csv`` readable and well formed (only
    regular files are opened: a FIFO or a device there would block the run)."""
    import stat

    from transforms.ingest.identity import ParticipantMap
    from transforms.ingest.landing import PARTICIPANT_MAP_NAME, QUESTIONNAIRE_EVENTS_NAME, load_events

    for name in (PARTICIPANT_MAP_NAME, QUESTIONNAIRE_EVENTS_NAME):
        path = landing / name
        if not os.path.lexists(path):
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from None
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{path} is not a regular file")
    try:
        ParticipantMap.load(landing / PARTICIPANT_MAP_NAME, b"check")
        load_events(landing)
    except (ValueError, OSError) as exc:
        raise ConfigError(" ".join(str(exc).split())) from None


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
    def from_env(cls) -> Automation:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        cron = os.environ.get("WELLNESS_NIGHTLY_CRON", cls.cron).strip()
        if not _is_cron(cron):
            raise ConfigError(f"WELLNESS_NIGHTLY_CRON must be a cron expression such as '30 2 * * *', not {cron!r}")
        zone = os.environ.get("WELLNESS_NIGHTLY_TIMEZONE", cls.timezone).strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"WELLNESS_NIGHTLY_TIMEZONE must be an IANA time zone, not {zone!r}") from None
        return cls(
            cron=cron,
            timezone=zone,
            lookback_days=_int_setting("WELLNESS_LOOKBACK_DAYS", cls.lookback_days, minimum=0),
            sensor_interval_s=_int_setting("WELLNESS_SENSOR_INTERVAL_S", cls.sensor_interval_s, minimum=1),
            running=_automation_running(os.environ.get("WELLNESS_AUTOMATION", "stopped")),
        )


def _is_cron(text: str) -> bool:
    from dagster._utils.schedules import is_valid_cron_string

    return is_valid_cron_string(text)


def _automation_running(value: str) -> bool:
    if value.strip().lower() not in ("running", "stopped"):
        raise ConfigError(f"WELLNESS_AUTOMATION must be 'running' or 'stopped', not {value!r}")
    return value.strip().lower() == "running"


DAGSTER_YAML = """\
telemetry:
  enabled: false
run_monitoring:
  enabled: true
event_log_storage:
  module: pipelines.event_log
  class: BatchedSqliteEventLogStorage
  config:
    base_dir: {event_log_dir}
"""


def dagster_yaml(dagster_home: Path) -> str:
    """The instance configuration written for a new ``$DAGSTER_HOME``: telemetry off, run monitoring, and the
    batched SQLite event log (pipelines/event_log.py) in the folder the stock storage would use."""
    return DAGSTER_YAML.format(event_log_dir=json.dumps(str(Path(dagster_home).resolve() / "history" / "runs")))


# Dagster hands a range run's per-partition events to the event log in batches of this many (see
# pipelines/event_log.py); unset, it stores them one by one.
EVENT_BATCH_SIZE = "10000"


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
    broker_from_env: bool = False  # WELLNESS_CELERY_BROKER set: the run config names the variable, not its value
    backend_from_env: bool = False

    @classmethod
    def from_env(cls, paths: Paths | None = None) -> Profile:
        name = os.environ.get("WELLNESS_PROFILE", "embedded").strip().lower()
        if name not in PROFILES:
            raise ConfigError(f"WELLNESS_PROFILE must be one of {', '.join(PROFILES)}, not {name!r}")
        storage = os.environ.get("WELLNESS_STORAGE", "lake" if name == "distributed" else "duckdb").strip().lower()
        if storage not in ("duckdb", "lake"):
            raise ConfigError(f"WELLNESS_STORAGE must be 'duckdb' or 'lake', not {storage!r}")
        paths = paths or Paths.from_env()
        lake_root = Path(os.environ.get("WELLNESS_LAKE_ROOT", paths.home / "lake")).resolve()
        return cls(
            name=name,
            storage=storage,
            lake_root=lake_root if storage == "lake" else None,
            broker=os.environ.get("WELLNESS_CELERY_BROKER", DEFAULT_BROKER),
            backend=os.environ.get("WELLNESS_CELERY_BACKEND", cls.backend),
            celery_queue=os.environ.get("WELLNESS_CELERY_QUEUE", cls.celery_queue),
            run_partitions=_int_setting("WELLNESS_RUN_PARTITIONS", cls.run_partitions, minimum=1),
            broker_from_env="WELLNESS_CELERY_BROKER" in os.environ,
            backend_from_env="WELLNESS_CELERY_BACKEND" in os.environ,
        )

    @property
    def distributed(self) -> bool:
        return self.name == "distributed"

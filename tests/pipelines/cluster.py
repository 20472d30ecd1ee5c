"""A distributed-profile deployment on loopback for tests and benches: a fresh PostgreSQL database as the
Dagster instance (docs/deploy/dagster.yaml), ``dagster-daemon``, and Celery workers on RabbitMQ (docs/deploy/celery.yaml),
each its own process group, sharing one Parquet lake. Only the services' addresses come from outside:
``WELLNESS_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``, an account that may create
databases) and ``WELLNESS_TEST_BROKER`` (default RabbitMQ guest on 127.0.0.1:5672)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin"
PG_ADMIN_URL = os.environ.get("WELLNESS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BROKER = os.environ.get("WELLNESS_TEST_BROKER", "pyamqp://guest:guest@127.0.0.1:5672//")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def unavailable_reason() -> str | None:
    """Why a cluster cannot start here (a service is not listening, or the scale-out extra is missing),
    or None."""
    try:
        import dagster_celery  # noqa: F401
        import dagster_postgres  # noqa: F401
    except ImportError as err:
        return f"the 'distributed' extra is not installed ({err})"
    if not _reachable(PG_ADMIN_URL, 5432):
        return f"PostgreSQL is not listening at {urlparse(PG_ADMIN_URL).netloc} (set WELLNESS_TEST_PG_URL)"
    if not _reachable(BROKER, 5672):
        return f"RabbitMQ is not listening at {urlparse(BROKER).hostname}:5672 (set WELLNESS_TEST_BROKER)"
    return None


class Cluster:
    """``root`` holds the Dagster home, WELLNESS_HOME (landing folder, analytics.duckdb) and the lake."""

    def __init__(self, root: Path, pseudonym_key: str, run_partitions: int = 10):
        self.root = root
        self.tag = uuid.uuid4().hex[:10]
        self.database = f"wellness_test_{self.tag}"
        self.dagster_home = root / "dagster_home"
        self.home = root / "home"
        self.lake = root / "lake"
        self.logs = root / "logs"
        for folder in (self.dagster_home, self.home, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "docs" / "deploy" / "dagster.yaml", self.dagster_home / "dagster.yaml")
        admin = urlparse(PG_ADMIN_URL)
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; dagster-postgres brings psycopg2
        self.pg_url = admin._replace(scheme="postgresql+psycopg2", path=f"/{self.database}").geturl()
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DAGSTER_HOME": str(self.dagster_home),
            "WELLNESS_HOME": str(self.home),
            "WELLNESS_PROFILE": "distributed",
            "WELLNESS_LAKE_ROOT": str(self.lake),
            "WELLNESS_DAGSTER_PG_URL": self.pg_url,
            "WELLNESS_CELERY_BROKER": BROKER,
            "WELLNESS_CELERY_BACKEND": "rpc://",
            "WELLNESS_CELERY_QUEUE": f"wellness-test-{self.tag}",
            "WELLNESS_PSEUDONYM_KEY": pseudonym_key,
            "WELLNESS_RUN_PARTITIONS": str(run_partitions),
        }
        self.env.pop("WELLNESS_STORAGE", None)
        self.processes: dict[str, subprocess.Popen] = {}

    # -- lifecycle -------------------------------------------------------------------------------------
    def create_database(self) -> None:
        self._admin(f'CREATE DATABASE "{self.database}"')

    def drop_database(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        import psycopg2

        conn = psycopg2.connect(PG_ADMIN_URL)
        conn.autocommit = True
        try:
            conn.cursor().execute(statement)
        finally:
            conn.close()

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (the process's log, open while it runs)
        proc = subprocess.Popen(
            args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = proc
        return proc

    def start_daemon(self) -> None:
        self._spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")])

    def start_worker(self, name: str) -> subprocess.Popen:
        return self._spawn(
            name,
            [
                str(BIN / "dagster-celery"),
                "worker",
                "start",
                "-A",
                "dagster_celery.app",
                "-y",
                str(REPO / "docs" / "deploy" / "celery.yaml"),
                "-q",
                self.env["WELLNESS_CELERY_QUEUE"],
                "-n",
                name,
                "--",
                "--pool=solo",
            ],
        )

    def kill(self, name: str) -> None:
        """SIGKILL a process and its children (a worker dying with its machine)."""
        proc = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            proc = self.processes[name]
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                self.kill(name)
            self.processes.pop(name, None)
        self._kill_strays()
        self._delete_queue()

    def _delete_queue(self) -> None:
        from kombu import Connection

        try:
            with Connection(BROKER, connect_timeout=5) as conn:
                conn.default_channel.queue_delete(self.env["WELLNESS_CELERY_QUEUE"])
        except Exception:  # the broker may be gone; the queue is empty and only costs a name
            pass

    def _kill_strays(self) -> None:
        """Run processes the daemon's code server started outside our process groups (found by this
        deployment's DAGSTER_HOME in their environment; Linux /proc)."""
        marker = f"DAGSTER_HOME={self.dagster_home}".encode()
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if int(proc.name) != os.getpid() and marker in (proc / "environ").read_bytes().split(b"\0"):
                    os.kill(int(proc.name), signal.SIGKILL)
            except (OSError, ValueError):
                continue

    # -- driving it ------------------------------------------------------------------------------------
    @contextmanager
    def instance(self):
        """The shared Dagster instance, as any machine of the deployment sees it."""
        from dagster import DagsterInstance

        previous = os.environ.get("WELLNESS_DAGSTER_PG_URL")
        os.environ["WELLNESS_DAGSTER_PG_URL"] = self.pg_url
        try:
            with DagsterInstance.from_config(str(self.dagster_home)) as instance:
                yield instance
        finally:
            if previous is None:
                os.environ.pop("WELLNESS_DAGSTER_PG_URL", None)
            else:
                os.environ["WELLNESS_DAGSTER_PG_URL"] = previous

    def command(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(args), cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout, check=True
        )

    def launch_job(self, job: str, timeout: float = 600) -> str:
        """``dagster job launch`` (queued on the instance, started by the daemon); waits for the run to end.
        Returns its status name."""
        with self.instance() as instance:
            before = {r.run_id for r in instance.get_runs()}
            self.command(str(BIN / "dagster"), "job", "launch", "-w", str(REPO / "workspace.yaml"), "-j", job)
            run_id = next(r.run_id for r in instance.get_runs() if r.run_id not in before)
            return wait_for_run(instance, run_id, timeout)


def wait_for_run(instance, run_id: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run.is_finished:
            return run.status.value
        time.sleep(0.5)
    raise TimeoutError(f"run {run_id} not finished after {timeout:.0f} s")


def step_workers(instance, run_ids) -> list[tuple[str, str, str]]:
    """(run id, step key, Celery worker) of every step execution the workers reported."""
    from dagster import DagsterEventType

    out = []
    for run_id in run_ids:
        for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
            event = entry.dagster_event
            metadata = event.engine_event_data.metadata if event.engine_event_data else {}
            if "Celery worker" in metadata:
                out.append((run_id, event.step_key, metadata["Celery worker"].value))
    return out

"""Opening the warehouse and making sure its schema exists."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path

import duckdb

from warehouse import schema
from warehouse.lock import writer_lock

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    """Text of ``warehouse/sql/<name>.sql`` without a final semicolon (so it can also be a subquery)."""
    return (SQL_DIR / f"{name}.sql").read_text().rstrip().rstrip(";")


MIGRATIONS = ("zip_member_names", "series_spans")  # warehouse/sql/migrate_<name>.sql, each applied once, in this order


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """The catalogue's tables and columns (warehouse/schema.py), then the data migrations not yet applied."""
    schema.ensure_schema(conn)
    applied = {row[0] for row in conn.execute("SELECT name FROM ops.migrations").fetchall()}
    for name in MIGRATIONS:
        if name not in applied:
            with transaction(conn):
                conn.execute(sql(f"migrate_{name}"))


DEFAULT_MEMORY_LIMIT = "4GB"


def connect(
    path: str | Path, read_only: bool = False, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """Open the database file (creating its folder and schema when writable). ``memory_limit``: DuckDB's, past
    which it spills to <warehouse>.tmp (its own default would be 80 % of RAM)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    conn.execute("SET memory_limit = ?", [memory_limit])
    if not read_only:
        ensure_schema(conn)
    return conn


LOCK_RETRY_S = (0.5, 1, 2, 4, 8, 15, 30, 30, 30, 30)  # back-off while another process holds the file


@contextmanager
def writer(path: str | Path, log=None, memory_limit: str = DEFAULT_MEMORY_LIMIT):
    """The warehouse file opened for writing, for the ``with`` block: takes the writer lock (queueing behind
    other pipeline writers, see warehouse.lock), then opens the file, retrying with back-off while a
    process outside the pipeline (e.g. a read-only session on the warehouse itself) holds DuckDB's own
    lock; ``log(msg)`` hears about every wait. Closed on exit, also on error. (warehouse.storage.open_warehouse
    wraps it, or opens the lake instead.)"""
    with writer_lock(path, log=log):
        conn = _open_with_retry(path, log, memory_limit)
        try:
            yield conn
        finally:
            conn.close()


class WarehouseBusy(RuntimeError):
    """The warehouse file stayed locked by a process outside the pipeline for every retry."""


def _open_with_retry(path, log, memory_limit: str) -> duckdb.DuckDBPyConnection:
    waited = 0.0
    for delay in (*LOCK_RETRY_S, None):
        try:
            return connect(path, memory_limit=memory_limit)
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise
            holder = foreign_holder(str(err), Path(path))
            if delay is None:
                raise WarehouseBusy(f"gave up after {waited:.1f} s: {holder}") from None
            if log:
                log(f"waiting {delay} s ({waited:.1f} s so far): {holder}")
            time.sleep(delay)
            waited += delay
    raise AssertionError("unreachable")


def foreign_holder(error: str, path: Path) -> str:
    """What holds DuckDB's lock on the warehouse file, from DuckDB's error (``Conflicting lock is held in
    <program> (PID n)``), with what to do about it: a reader of the pipeline's own file should open the
    published copy instead."""
    found = re.search(r"held in (?P<program>.+?) \(PID (?P<pid>\d+)\)", error)
    who = f"PID {found['pid']} ({Path(found['program']).name})" if found else "another process"
    return (
        f"{path.name} is held open by {who}, which is not a pipeline run; if that is a query session, close it "
        f"and open {path.with_name('analytics.duckdb')} (read-only, published after every run) instead"
    )


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection):
    """BEGIN … COMMIT, or ROLLBACK and re-raise on any error: readers never see a half-replaced
    partition, and a crash mid-write leaves the previous state."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def registered(conn: duckdb.DuckDBPyConnection, name: str, frame):
    """``frame`` visible to SQL as ``name`` for the ``with`` block. When the block fails inside a transaction,
    the transaction is aborted and unregistering would fail too, hiding the real error: the error propagates
    and the transaction's ROLLBACK removes the registration."""
    conn.register(name, frame)
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            conn.unregister(name)
        raise
    conn.unregister(name)


def sql_string(path) -> str:
    """A file path as the body of a single-quoted SQL string literal (ATTACH, COPY … TO, read_parquet take
    no parameters for file names)."""
    return str(path).replace("'", "''")

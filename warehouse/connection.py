"""Opening the warehouse and making sure its schema exists."""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    """Text of ``warehouse/sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text()


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(sql("schema"))


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file (creating its folder and schema when writable)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        ensure_schema(conn)
    return conn


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
    conn.register(name, frame)
    try:
        yield
    finally:
        conn.unregister(name)

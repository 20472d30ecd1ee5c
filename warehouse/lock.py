"""One writer at a time: an exclusive lock file next to the warehouse.

DuckDB lets one process open a database file for writing; a second writer fails with "Could not set lock
on file". Every pipeline writer (Dagster runs, the CLI) first takes ``<warehouse>.lock`` with ``flock``, so
writers from different processes queue instead of failing, and say so while they wait. The lock is
re-entrant within a thread (nested ``writer_lock`` calls share it; other threads queue like other
processes), and the kernel drops it when the holding process dies, even by SIGKILL, so a crashed run never
leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

WAIT_LOG_EVERY_S = 10.0
_held: dict[tuple, list] = {}  # (lock path, thread) → [file object, depth]
_guard = threading.RLock()


def lock_path(database: str | Path) -> Path:
    return Path(str(database) + ".lock")


@contextmanager
def writer_lock(database: str | Path, log=None, timeout_s: float | None = None):
    """Hold the warehouse's writer lock for the ``with`` block; ``log(msg)`` is called when the lock is
    busy and then every ``WAIT_LOG_EVERY_S`` seconds of waiting. Yields the seconds spent waiting.
    Raises TimeoutError after ``timeout_s`` (None: wait as long as it takes)."""
    path = lock_path(database)
    key = (os.path.abspath(path), threading.get_ident())
    waited = 0.0
    with _guard:
        entry = _held.get(key)
    if entry is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")  # noqa: SIM115 (held while the lock is, closed on release)
        waited = _acquire(fh, path, log, timeout_s)  # other threads and processes queue here
        entry = [fh, 0]
        with _guard:
            _held[key] = entry
    entry[1] += 1
    try:
        yield waited
    finally:
        with _guard:
            entry[1] -= 1
            if entry[1] == 0:
                del _held[key]
                fcntl.flock(entry[0], fcntl.LOCK_UN)
                entry[0].close()


def _acquire(fh, path: Path, log, timeout_s: float | None) -> float:
    start = time.monotonic()
    next_log = start
    delay = 0.05
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            now = time.monotonic()
            if timeout_s is not None and now - start > timeout_s:
                fh.close()
                raise TimeoutError(f"{path}: another writer held the warehouse for over {timeout_s:.0f} s") from None
            if log and now >= next_log:
                log(
                    f"waiting for the warehouse writer lock {path.name} (held by {_holder(path)}; "
                    f"{now - start:.0f} s so far)"
                )
                next_log = now + WAIT_LOG_EVERY_S
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}\n")
    fh.flush()
    return time.monotonic() - start


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "another process"
    except OSError:
        return "another process"

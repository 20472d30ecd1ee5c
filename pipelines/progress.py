"""Progress lines for long CLI work (files parsed, days written, files published).

Assets and ingestion call ``report``; the CLI listens while it runs jobs in-process. Only counts, days and
paths go through here, never personal values. Outside a listening CLI, ``report`` does nothing (Dagster's
own run log has the same facts as metadata).
"""

from __future__ import annotations

from contextlib import contextmanager

_listeners: list = []


def report(message: str) -> None:
    for listener in _listeners:
        listener(message)


@contextmanager
def listening(echo):
    _listeners.append(echo)
    try:
        yield
    finally:
        _listeners.remove(echo)

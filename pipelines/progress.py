"""Progress lines for long work (files parsed, chunks computed, days written, files published).

Assets and ingestion call ``report``: each line goes to the Dagster run's log (the UI's run view shows it as
the step works, so a long backfill never looks frozen) and to the CLI while it listens (``wellness run``
prints them). Only counts, days, durations and paths go through here, never personal values.
"""

from __future__ import annotations

from contextlib import contextmanager

from dagster import get_dagster_logger

_listeners: list = []


def report(message: str, level: str = "info") -> None:
    getattr(get_dagster_logger(), level)(message)
    for listener in _listeners:
        listener(message)


@contextmanager
def listening(echo):
    _listeners.append(echo)
    try:
        yield
    finally:
        _listeners.remove(echo)

"""Table checks: the GX suites of ``quality.expectations`` as named checks with a severity.

``suite(table)`` lists a table's checks (the pipeline declares one Dagster asset check per entry);
``run_suite(table, frame)`` validates the rows of a partition range and returns one outcome per check
with the failing days, which is what lets a failing ``ERROR`` check block exactly those partitions.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from quality.expectations import CheckDef
from quality.validation import CheckOutcome, suite_checks, validate

TABLES = (
    "ingested_files",
    "observations",
    "daily_metrics",
    "questionnaire_scores",
    "questionnaire_change",
    "baselines",
    "drift",
    "proxies",
)


def suite(table: str) -> list[CheckDef]:
    """The checks guarding ``table``."""
    return suite_checks(table)


def run_suite(table: str, frame: pd.DataFrame, today: dt.date | None = None) -> list[tuple[CheckDef, CheckOutcome]]:
    return validate(table, frame, today)


def blocking_days(outcomes: list[tuple[CheckDef, CheckOutcome]]) -> dict[str, list[str]]:
    """Days failing an ERROR check → the names of the checks they failed."""
    out: dict[str, list[str]] = {}
    for check, outcome in outcomes:
        if check.severity == "ERROR":
            for day in outcome.failing_days:
                out.setdefault(day, []).append(check.name)
    return out

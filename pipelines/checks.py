"""Asset checks built from the quality suites: declared on the asset they guard, evaluated on the
partition range just written (read back from the warehouse), recorded in quality.check_results."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext, AssetKey

from quality.checks import run_suite, suite
from warehouse import reads, tables, writes


def check_specs(table: str) -> list[AssetCheckSpec]:
    """One spec per check of the table's suite; ERROR checks block downstream assets."""
    return [AssetCheckSpec(name=c.name, asset=AssetKey(table), description=c.description,
                           blocking=c.severity == "ERROR") for c in suite(table)]


def evaluate(context: AssetExecutionContext, conn, table: str, start: dt.date, end: dt.date) -> list:
    frame = reads.days(conn, tables.PARTITIONED[table], start, end)
    partition = f"{start}...{end}" if start != end else str(start)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    results, rows = [], []
    for check, outcome in run_suite(table, frame):
        severity = AssetCheckSeverity.ERROR if check.severity == "ERROR" else AssetCheckSeverity.WARN
        results.append(AssetCheckResult(
            asset_key=AssetKey(table), check_name=check.name, passed=outcome.passed, severity=severity,
            metadata={"unexpected_count": outcome.unexpected_count, "rows_checked": outcome.rows_checked,
                      "partition": partition, "details": json.dumps(outcome.details, default=str)}))
        rows.append({"asset": table, "partition": partition, "check_name": check.name,
                     "severity": check.severity, "passed": outcome.passed,
                     "unexpected_count": outcome.unexpected_count, "rows_checked": outcome.rows_checked,
                     "details": json.dumps(outcome.details, default=str), "run_id": context.run.run_id,
                     "checked_at": now})
        if not outcome.passed:
            context.log.warning("check %s.%s failed on %s: %d unexpected rows", table, check.name, partition,
                                outcome.unexpected_count)
    writes.append_check_results(conn, pd.DataFrame(rows))
    return results

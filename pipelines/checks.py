"""Asset checks and the per-partition quality gate.

Every table's GX suite (``quality.expectations``) becomes one Dagster asset check per named check. After
an asset writes a day range, its rows are read back and validated; each check yields an
``AssetCheckResult`` (severity ERROR or WARN, unexpected counts, failing days and sample keys in the
metadata) and a row in ``quality.check_results``. Days failing an ERROR check — and days that could not be
built because an upstream day was blocked — are recorded in ``quality.blocked_partitions``. Downstream assets
skip those days (their earlier rows stay) and treat their values as missing.

Why the gate is ours and not Dagster's ``blocking=True``: Dagster blocks a whole downstream *step*, and a
single-run backfill is one step for hundreds of partitions; one bad day would stop them all. The gate here
stops exactly the failing partitions while the others complete.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext, AssetKey

from quality.validation import blocking_days, suite_checks, validate
from warehouse import reads, tables, writes


def check_specs(table: str, asset: str | None = None) -> list[AssetCheckSpec]:
    """One spec per check of the table's suite, on ``asset`` (default: the asset named like the table; gating by
    ``quality_gate``, see the module docstring)."""
    return [
        AssetCheckSpec(
            name=c.name, asset=AssetKey(asset or table), description=f"[{c.severity}] {c.description}", blocking=False
        )
        for c in suite_checks(table)
    ]


def evaluate_landing_files(context: AssetExecutionContext, wh) -> list:
    """The ingestion's own checks (``ingested_files`` suite, on the ``observations`` asset) over the current
    version of every landing file: a ``failed`` file fails ``no_failed_files`` (WARN) with its path."""
    return _record(
        context, wh, "observations", "landing", validate("ingested_files", reads.current_landing_files(wh.conn))
    )


def _record(context: AssetExecutionContext, wh, asset: str, partition: str, outcomes) -> list:
    """One AssetCheckResult per outcome on ``asset``, each also appended to quality.check_results."""
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    run_id = context.run.run_id
    results, rows = [], []
    for check, outcome in outcomes:
        details = {**outcome.details, "failing_days": outcome.failing_days}
        severity = AssetCheckSeverity.ERROR if check.severity == "ERROR" else AssetCheckSeverity.WARN
        results.append(
            AssetCheckResult(
                asset_key=AssetKey(asset),
                check_name=check.name,
                passed=outcome.passed,
                severity=severity,
                metadata={
                    "unexpected_count": outcome.unexpected_count,
                    "rows_checked": outcome.rows_checked,
                    "partition": partition,
                    "failing_days": ", ".join(sorted(outcome.failing_days)[:50]),
                    "details": json.dumps(details, default=str)[:20000],
                },
            )
        )
        rows.append(
            {
                "asset": asset,
                "partition": partition,
                "check_name": check.name,
                "severity": check.severity,
                "passed": outcome.passed,
                "unexpected_count": outcome.unexpected_count,
                "rows_checked": outcome.rows_checked,
                "details": json.dumps(details, default=str),
                "run_id": run_id,
                "checked_at": now,
            }
        )
        if not outcome.passed:
            context.log.warning(
                "check %s.%s (%s) failed on %s: %d unexpected rows on %d day(s)",
                asset,
                check.name,
                check.severity,
                partition,
                outcome.unexpected_count,
                len(outcome.failing_days),
            )
    writes.append_check_results(wh, pd.DataFrame(rows))
    return results


def evaluate(
    context: AssetExecutionContext,
    wh,
    table: str,
    start: dt.date,
    end: dt.date,
    skipped: dict[dt.date, str] | None = None,
    frame: pd.DataFrame | None = None,
) -> list:
    """Validate ``table``'s rows for start … end (or ``frame``), record the results and the blocked days
    (``skipped``: days not built because an upstream day was blocked, with the reason)."""
    if frame is None:
        frame = reads.days(wh.conn, tables.CHECKED[table], start, end)
    partition = f"{start}...{end}" if start != end else str(start)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    run_id = context.run.run_id
    outcomes = validate(table, frame)
    results = _record(context, wh, table, partition, outcomes)
    blocked = {
        dt.date.fromisoformat(d): "failed ERROR check(s): " + ", ".join(names)
        for d, names in blocking_days(outcomes).items()
    }
    blocked.update(skipped or {})
    blocked = {d: r for d, r in blocked.items() if start <= d <= end}
    writes.replace_blocked_days(
        wh,
        table,
        start,
        end,
        pd.DataFrame(
            {
                "day": pd.to_datetime(pd.Series(list(blocked), dtype="object")).astype("datetime64[s]"),
                "reason": pd.Series(list(blocked.values()), dtype="string"),
                "run_id": run_id,
                "blocked_at": now,
            }
        ),
    )
    if blocked:
        context.log.warning("%s: %d blocked partition(s) in %s", table, len(blocked), partition)
    return results


def evaluate_frame(context: AssetExecutionContext, wh, table: str, frame: pd.DataFrame, partition: str) -> list:
    """Validate ``frame`` (rows of an unpartitioned table, e.g. the episodes a run recomputed) against the
    table's suite and record the results; nothing is blocked (no partitions)."""
    return _record(context, wh, table, partition, validate(table, frame))


# Checks of the file products, computed by their assets (no GX suite: they check files, not rows)
SUMMARY_CHECKS = {
    "quality_report": {
        "report_names_every_problem": "the page was written and names every failed landing file (up to its 500 rows) "
        "and every failing check",
    },
    "analytics_duckdb": {
        "published_equals_warehouse": "every published table holds as many rows as the warehouse's",
        "every_object_documented": "every published table, view and column carries a COMMENT (docs/data_dictionary.md)",
    },
    "report_site": {
        "every_link_resolves": "every link of the cohort page leads to a file of the site",
    },
}


def summary_check_specs(asset: str) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(name=name, asset=AssetKey(asset), description=f"[ERROR] {text}", blocking=False)
        for name, text in SUMMARY_CHECKS[asset].items()
    ]


def summary_result(
    context: AssetExecutionContext, wh, asset: str, name: str, problems: list[str], checked: int
) -> AssetCheckResult:
    """The result of summary check ``name``: passed when ``problems`` is empty (each names what is wrong);
    recorded in quality.check_results like the suites' results (``wh`` None: an asset that does not open the
    warehouse, the result is Dagster's only)."""
    assert name in SUMMARY_CHECKS[asset], name
    details = json.dumps({"problems": problems[:50]})
    if wh is not None:
        _append_summary_result(context, wh, asset, name, problems, checked, details)
    if problems:
        context.log.warning("check %s.%s failed: %s", asset, name, "; ".join(problems[:5]))
    return AssetCheckResult(
        asset_key=AssetKey(asset),
        check_name=name,
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata={"unexpected_count": len(problems), "checked": checked, "details": details[:20000]},
    )


def _append_summary_result(context, wh, asset: str, name: str, problems: list[str], checked: int, details: str):
    writes.append_check_results(
        wh,
        pd.DataFrame(
            [
                {
                    "asset": asset,
                    "partition": "all",
                    "check_name": name,
                    "severity": "ERROR",
                    "passed": not problems,
                    "unexpected_count": len(problems),
                    "rows_checked": checked,
                    "details": details,
                    "run_id": context.run.run_id,
                    "checked_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
                }
            ]
        ),
    )

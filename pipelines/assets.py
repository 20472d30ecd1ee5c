"""The asset graph: landing → observations → daily metrics → baselines → drift, and questionnaire
responses → scores. Daily assets are partitioned by day and run a whole partition range in one run
(single-run backfill policy); each replaces exactly its days, in one transaction.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation at runtime."""


import datetime as dt
import warnings

import pandas as pd

from dagster import (
    AssetDep, AssetExecutionContext, AssetKey, AssetSpec, BackfillPolicy, BetaWarning, Config,
    MaterializeResult, MetadataValue, TimeWindowPartitionMapping, asset, multi_asset,
)

from pipelines import checks
from pipelines.ingestion import ingest_landing
from pipelines.partitions import daily_partitions, partition_days
from pipelines.resources import WarehouseResource, WellnessHome
from quality.report import render_html
from transforms import vocabulary
from transforms.baselines import compute_baselines
from transforms.daily_metrics import aggregate_daily
from transforms.drift import compute_drift
from transforms.scoring import score_administrations
from warehouse import reads, tables, writes
from warehouse.quality_report import report_data

warnings.filterwarnings("ignore", category=BetaWarning)  # backfill_policy is beta in Dagster 1.13

WINDOWS = vocabulary.windows()
LOOKBACK = TimeWindowPartitionMapping(start_offset=-(WINDOWS.lookback_days - 1),
                                      allow_nonexistent_upstream_partitions=True)
DAILY = dict(partitions_def=daily_partitions, backfill_policy=BackfillPolicy.single_run(),
             group_name="analytics")


class IngestConfig(Config):
    reingest: bool = False  # parse every file again, even unchanged ones (after a parser change)


@multi_asset(
    specs=[
        AssetSpec("observations", group_name="ingestion",
                  description="Canonical observations parsed from every landing file (staging.observations)."),
        AssetSpec("questionnaire_responses", group_name="ingestion",
                  description="Answered questionnaire items (staging.questionnaire_responses)."),
    ],
    check_specs=checks.check_specs("observations"),
    can_subset=False,
)
def landing_files(context: AssetExecutionContext, config: IngestConfig, duckdb: WarehouseResource,
                  wellness_home: WellnessHome):
    """Parse new or changed files in ``$WELLNESS_HOME/landing``; quarantine what cannot be accepted; check
    the observations of the days that changed."""
    paths = wellness_home.paths
    with duckdb.get_connection() as conn:
        report = ingest_landing(conn, paths.landing, paths.pseudonym_key(), log=context.log,
                                force=config.reingest)
        first, last = report.first_changed_day, report.last_changed_day
        if first is None:
            first = last = dt.date.today()
        check_results = checks.evaluate(context, conn, "observations", first, last)
    meta = report.as_metadata()
    yield MaterializeResult(asset_key="observations", metadata=meta, check_results=check_results)
    yield MaterializeResult(asset_key="questionnaire_responses", metadata=meta)


UPSTREAM = {  # asset → (assets whose blocked days it skips, assets whose blocked values it treats as missing)
    "daily_metrics": (["observations"], []),
    "questionnaire_scores": (["questionnaire_responses"], []),
    "baselines": (["daily_metrics"], ["daily_metrics"]),
    "drift": (["daily_metrics", "baselines"], ["daily_metrics"]),
}


def _rebuild(context: AssetExecutionContext, duckdb: WarehouseResource, table: str, build) -> MaterializeResult:
    """Recipe shared by the daily assets: skip days whose upstream partition is blocked, compute the rest
    with ``build(conn, start, end, missing_days)``, replace those days of ``table`` in one transaction
    (blocked days keep their earlier rows), then run the table's checks on what was written."""
    start, end = partition_days(context)
    skip_from, missing_from = UPSTREAM[table]
    with duckdb.get_connection() as conn:
        skipped = {d: f"upstream {', '.join(skip_from)} blocked" for d in reads.blocked_days(conn, skip_from, start, end)}
        first = start - dt.timedelta(days=WINDOWS.lookback_days - 1)
        missing = reads.blocked_days(conn, missing_from, first, end)
        frame = build(conn, start, end, missing)
        if skipped and len(frame):
            frame = frame[~pd.to_datetime(frame["day"]).dt.date.isin(skipped)]
        n = writes.replace_days(conn, tables.PARTITIONED[table], frame, start, end, keep_days=skipped)
        written = reads.days(conn, tables.PARTITIONED[table], start, end)
        written = written[~pd.to_datetime(written["day"]).dt.date.isin(skipped)]
        check_results = checks.evaluate(context, conn, table, start, end, skipped=skipped, frame=written)
        blocked = reads.blocked_days(conn, [table], start, end)
    metadata = {"rows": n, "first_day": str(start), "last_day": str(end), "blocked_partitions": len(blocked),
                "blocked_days": ", ".join(str(d) for d in sorted(blocked)[:50])}
    if "flagged" in frame.columns:
        metadata["flagged_rows"] = int(frame["flagged"].sum())
    return MaterializeResult(metadata=metadata, check_results=check_results)


def _window_values(conn, start: dt.date, end: dt.date, missing_days=()):
    """Daily values (coverage permitting) over the look-back that days start … end need; values on
    ``missing_days`` (blocked partitions) are left out, as if not measured."""
    first = start - dt.timedelta(days=WINDOWS.lookback_days - 1)
    values = reads.daily_values_for_days(conn, first, end, WINDOWS.min_coverage)
    if missing_days:
        values = values[~pd.to_datetime(values["day"]).dt.date.isin(set(missing_days))]
    return values


@asset(deps=["observations"], check_specs=checks.check_specs("daily_metrics"), **DAILY)
def daily_metrics(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """One value per participant·day·metric (analytics.daily_metrics)."""
    return _rebuild(context, duckdb, "daily_metrics",
                    lambda conn, start, end, _: aggregate_daily(reads.observations_for_days(conn, start, end)))


@asset(deps=["questionnaire_responses"], check_specs=checks.check_specs("questionnaire_scores"), **DAILY)
def questionnaire_scores(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """PHQ-9, GAD-7, PSS-10, WHO-5, PSQI scores per administration (analytics.questionnaire_scores)."""
    return _rebuild(context, duckdb, "questionnaire_scores",
                    lambda conn, start, end, _: score_administrations(reads.responses_for_days(conn, start, end)))


@asset(deps=[AssetDep("daily_metrics", partition_mapping=LOOKBACK)],
       check_specs=checks.check_specs("baselines"), **DAILY)
def baselines(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Trailing personal baselines per participant·metric·day (analytics.baselines)."""
    return _rebuild(context, duckdb, "baselines",
                    lambda conn, start, end, missing: compute_baselines(_window_values(conn, start, end, missing),
                                                                        start, end, WINDOWS))


@asset(deps=[AssetDep("daily_metrics", partition_mapping=LOOKBACK), AssetDep("baselines")],
       check_specs=checks.check_specs("drift"), **DAILY)
def drift(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Recent-window drift against the personal baseline (analytics.drift)."""
    return _rebuild(context, duckdb, "drift",
                    lambda conn, start, end, missing: compute_drift(_window_values(conn, start, end, missing),
                                                                    reads.days(conn, tables.BASELINES, start, end),
                                                                    start, end, WINDOWS))


@asset(deps=["drift", "questionnaire_scores", "observations"], group_name="quality")
def quality_report(context: AssetExecutionContext, duckdb: WarehouseResource,
                   wellness_home: WellnessHome) -> MaterializeResult:
    """Static HTML data-quality report in ``$WELLNESS_HOME/reports/quality_report.html`` (and the per-participant
    coverage summary quality.participant_coverage)."""
    with duckdb.get_connection() as conn:
        data = report_data(conn, WINDOWS.min_coverage)
    path = wellness_home.paths.reports / "quality_report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(data, dt.datetime.now(dt.timezone.utc)), encoding="utf-8")
    tmp.replace(path)
    failing = int((~data["checks"]["passed"].astype(bool)).sum()) if len(data["checks"]) else 0
    return MaterializeResult(metadata={"path": MetadataValue.path(str(path)), "failing_checks": failing,
                                       "blocked_partitions": len(data["blocked"]),
                                       "participants": int(data["participants"]["participant_id"].nunique())})


INGESTION_ASSETS = [landing_files]
REPORT_ASSETS = [quality_report]
DAILY_ASSETS = [daily_metrics, questionnaire_scores, baselines, drift]
DAILY_ASSET_KEYS = [AssetKey(a.key.path) for a in DAILY_ASSETS]

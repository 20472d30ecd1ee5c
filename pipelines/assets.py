"""The asset graph: landing → observations → daily metrics → baselines → drift, and questionnaire
responses → scores. Daily assets are partitioned by day and run a whole partition range in one run
(single-run backfill policy); each replaces exactly its days, in one transaction.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation at runtime."""


import datetime as dt
import warnings

from dagster import (
    AssetDep, AssetExecutionContext, AssetKey, AssetSpec, BackfillPolicy, BetaWarning, Config,
    MaterializeResult, TimeWindowPartitionMapping, asset, multi_asset,
)

from pipelines import checks
from pipelines.ingestion import ingest_landing
from pipelines.partitions import daily_partitions, partition_days
from pipelines.resources import WarehouseResource, WellnessHome
from transforms import vocabulary
from transforms.baselines import compute_baselines
from transforms.daily_metrics import aggregate_daily
from transforms.drift import compute_drift
from transforms.scoring import score_administrations
from warehouse import reads, tables, writes

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
    can_subset=False,
)
def landing_files(context: AssetExecutionContext, config: IngestConfig, duckdb: WarehouseResource,
                  wellness_home: WellnessHome):
    """Parse new or changed files in ``$WELLNESS_HOME/landing``; quarantine what cannot be accepted."""
    paths = wellness_home.paths
    with duckdb.get_connection() as conn:
        report = ingest_landing(conn, paths.landing, paths.pseudonym_key(), log=context.log,
                                force=config.reingest)
    meta = report.as_metadata()
    yield MaterializeResult(asset_key="observations", metadata=meta)
    yield MaterializeResult(asset_key="questionnaire_responses", metadata=meta)


def _rebuild(context: AssetExecutionContext, duckdb: WarehouseResource, table: str, build) -> MaterializeResult:
    """Recipe shared by the daily assets: compute the partition range with ``build(conn, start, end)``,
    replace those days of ``table`` in one transaction, run the table's checks on what was written."""
    start, end = partition_days(context)
    with duckdb.get_connection() as conn:
        frame = build(conn, start, end)
        n = writes.replace_days(conn, tables.PARTITIONED[table], frame, start, end)
        check_results = checks.evaluate(context, conn, table, start, end)
    metadata = {"rows": n, "first_day": str(start), "last_day": str(end)}
    if "flagged" in frame.columns:
        metadata["flagged_rows"] = int(frame["flagged"].sum())
    return MaterializeResult(metadata=metadata, check_results=check_results)


def _window_values(conn, start: dt.date, end: dt.date):
    """Daily values (coverage permitting) over the look-back that days start … end need."""
    first = start - dt.timedelta(days=WINDOWS.lookback_days - 1)
    return reads.daily_values_for_days(conn, first, end, WINDOWS.min_coverage)


@asset(deps=["observations"], check_specs=checks.check_specs("daily_metrics"), **DAILY)
def daily_metrics(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """One value per participant·day·metric (analytics.daily_metrics)."""
    return _rebuild(context, duckdb, "daily_metrics",
                    lambda conn, start, end: aggregate_daily(reads.observations_for_days(conn, start, end)))


@asset(deps=["questionnaire_responses"], check_specs=checks.check_specs("questionnaire_scores"), **DAILY)
def questionnaire_scores(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """PHQ-9, GAD-7, PSS-10, WHO-5 scores per administration (analytics.questionnaire_scores)."""
    return _rebuild(context, duckdb, "questionnaire_scores",
                    lambda conn, start, end: score_administrations(reads.responses_for_days(conn, start, end)))


@asset(deps=[AssetDep("daily_metrics", partition_mapping=LOOKBACK)],
       check_specs=checks.check_specs("baselines"), **DAILY)
def baselines(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Trailing personal baselines per participant·metric·day (analytics.baselines)."""
    return _rebuild(context, duckdb, "baselines",
                    lambda conn, start, end: compute_baselines(_window_values(conn, start, end), start, end,
                                                               WINDOWS))


@asset(deps=[AssetDep("daily_metrics", partition_mapping=LOOKBACK), AssetDep("baselines")],
       check_specs=checks.check_specs("drift"), **DAILY)
def drift(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Recent-window drift against the personal baseline (analytics.drift)."""
    return _rebuild(context, duckdb, "drift",
                    lambda conn, start, end: compute_drift(_window_values(conn, start, end),
                                                           reads.days(conn, tables.BASELINES, start, end),
                                                           start, end, WINDOWS))


INGESTION_ASSETS = [landing_files]
DAILY_ASSETS = [daily_metrics, questionnaire_scores, baselines, drift]
DAILY_ASSET_KEYS = [AssetKey(a.key.path) for a in DAILY_ASSETS]

"""Jobs. Daily assets run a whole partition range per run (single-run backfill policy; the distributed
profile's backfills split long ranges into runs of $WELLNESS_RUN_PARTITIONS days); the unpartitioned
summaries (episodes, quality report) and the publication of analytics.duckdb run once at the end of the
same run, so every successful run leaves analysts a fresh, consistent copy."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

AFTER_DAILY = AssetSelection.groups("summaries", "quality", "publish")

ingest_job = define_asset_job(
    "ingest_landing",
    selection=AssetSelection.groups("ingestion"),
    description="Parse new or changed landing files into staging (and quarantine).",
)
daily_job = define_asset_job(
    "daily_analytics",
    selection=AssetSelection.groups("analytics") | AFTER_DAILY,
    description="The daily assets over a partition range, then episodes, the quality report and analytics.duckdb.",
)
nightly_job = define_asset_job(
    "nightly_refresh",
    selection=AssetSelection.all(),
    description="Ingest, then recompute yesterday and the look-back days, then "
    "summaries and publication (the nightly schedule's job).",
)
report_job = define_asset_job(
    "publish_analytics",
    selection=AFTER_DAILY,
    description="Episodes, the quality report and analytics.duckdb, without recomputing daily partitions.",
)

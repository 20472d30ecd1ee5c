"""Jobs: ingestion (unpartitioned) and the daily analytics graph (partitioned, range-aware)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

ingest_job = define_asset_job("ingest_landing", selection=AssetSelection.groups("ingestion"))
daily_job = define_asset_job("daily_analytics", selection=AssetSelection.groups("analytics"))
report_job = define_asset_job("quality_report", selection=AssetSelection.groups("summaries", "quality"))

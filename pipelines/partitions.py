"""Daily partitions: one per calendar day of the participants' local time."""

from __future__ import annotations

import datetime as dt

from dagster import AssetExecutionContext, DailyPartitionsDefinition

from pipelines.settings import partitions_start

daily_partitions = DailyPartitionsDefinition(start_date=partitions_start())


def partition_days(context: AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the partition or partition range being materialized."""
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()

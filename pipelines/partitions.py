"""Daily partitions (one per calendar day of the participants' local time) and day-range arithmetic for
the runs that materialize them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dagster import AssetExecutionContext, DailyPartitionsDefinition


def daily_partitions(start: str) -> DailyPartitionsDefinition:
    """One partition per day from ``start`` (settings.partitions_start: the configured or the data's first day)
    to yesterday."""
    return DailyPartitionsDefinition(start_date=start)


def partition_bounds(partitions: DailyPartitionsDefinition) -> tuple[dt.date, dt.date]:
    """The first and the last day of ``partitions``."""
    return partitions.start.date(), dt.date.fromisoformat(partitions.get_last_partition_key())


# Run tags Dagster uses for single-run partition ranges (as set by `dagster asset materialize
# --partition-range` and UI backfills).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

DayRange = tuple[dt.date, dt.date]


def partition_days(context: AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the partition or partition range being materialized."""
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()


def range_tags(start: dt.date, end: dt.date) -> dict[str, str]:
    return {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: end.isoformat()}


def day_runs(days: Iterable[dt.date]) -> list[DayRange]:
    """Consecutive days grouped into inclusive (first, last) runs, in order."""
    out: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if out and (day - out[-1][1]).days == 1:
            out[-1][1] = day
        else:
            out.append([day, day])
    return [(a, b) for a, b in out]


def affected_ranges(
    changed: Iterable[DayRange], follow_days: int, first: dt.date, last: dt.date, done: DayRange | None = None
) -> list[DayRange]:
    """Day ranges to recompute after the days in ``changed`` changed: each changed day c affects c … c +
    ``follow_days`` (later baselines and drift read it), clipped to the partitions ``first`` … ``last``,
    overlaps merged, minus ``done`` (a range the same run already recomputed after ingesting)."""
    spans = sorted((max(a, first), min(b + dt.timedelta(days=follow_days), last)) for a, b in changed)
    merged: list[list[dt.date]] = []
    for a, b in spans:
        if a > b:
            continue
        if merged and (a - merged[-1][1]).days <= 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out: list[DayRange] = []
    for a, b in merged:
        if done is None or b < done[0] or a > done[1]:
            out.append((a, b))
            continue
        if a < done[0]:
            out.append((a, done[0] - dt.timedelta(days=1)))
        if b > done[1]:
            out.append((done[1] + dt.timedelta(days=1), b))
    return out

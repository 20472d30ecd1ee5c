"""Fitabase minute-level steps, ``minuteStepsNarrow_merged.csv`` (cohort-wide, ``Id`` per row):

| columns | becomes |
|---|---|
| Id, ActivityMinute, Steps | steps per minute → daily ``steps`` (the sum of the day's minutes) |

Times as in every Fitabase table: ``4/12/2016 7:21:00 AM`` or an Excel re-save's ``4/12/16 7:21``. A line with
another number of fields than the header is quarantined with its line number; a Parquet copy of the table is
read too (records located as ``row N``).

A format of its own, not a layout of ``fitabase_intraday``: a Fitabase export holds hourly steps as well, and
the two are the same steps at two resolutions. As separate sources, ``daily_metrics`` takes one of them for a
day (sources.toml priority) instead of adding them up.

A plain file of ``ENGINE_MIN_BYTES`` or more whose every line is clean is read, judged and summed per account·day
by DuckDB (``_engine_daily``); otherwise it is read in Arrow blocks (``_fitabase_tables``, ``_arrow_csv``): a clean
block straight to samples, a block with a bad line as text cells judged by the row rules, which quarantine each bad
line with its number and text.
"""

from __future__ import annotations

from collections.abc import Iterator

from transforms.ingest.records import ParseResult
from transforms.ingest.sources import _fitabase_tables

FORMAT = "fitabase_minute_steps"
SCOPE = "cohort"
ACCOUNT_SOURCE = "fitabase"
READS_PARQUET = True  # a Parquet copy of the table is detected by its column names (sources.detect)
ENGINE_MIN_BYTES = 16 << 20  # files from this size are tried in DuckDB first
PARQUET_ENGINE_MIN_BYTES = 0  # Parquet copies: always (reading it typed is the engine's own format)
LAYOUTS = {"Id,ActivityMinute,Steps": ("ActivityMinute", "Steps", "steps", "amount")}


def detect(name: str, head: str) -> bool:
    return _fitabase_tables.layout_key(head, LAYOUTS) is not None


def parse(source, ctx) -> Iterator[ParseResult]:
    yield from _fitabase_tables.parse(source, ctx, FORMAT, LAYOUTS, (ENGINE_MIN_BYTES, PARQUET_ENGINE_MIN_BYTES))

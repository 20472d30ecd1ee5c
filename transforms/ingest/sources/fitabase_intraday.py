"""Fitabase intraday CSVs (cohort-wide, ``Id`` per row), read in chunks:

| file | columns | becomes |
|---|---|---|
| ``heartrate_seconds_merged.csv`` | Id, Time, Value | heart-rate samples → ``heart_rate_mean_bpm`` and the day's coverage (valid hours: ≥ 30 of 60 minutes with a sample) |
| ``hourlySteps_merged.csv`` | Id, ActivityHour, StepTotal | steps per hour → daily ``steps`` |
| ``minuteSleep_merged.csv`` | Id, date, value, logId | one-minute sleep intervals (1 asleep; 2 restless, 3 awake = in bed awake) → main sleep and naps |
| ``hourlyCalories_merged.csv``, ``hourlyIntensities_merged.csv`` | Id, ActivityHour, … | no metric of ours: records counted as ignored |

Times: ``4/12/2016 7:21:00 AM`` or the Excel re-save ``4/12/16 7:21``. A line with another number of fields
than the header is quarantined with its line number.

A Parquet copy of any of these tables (same column names; times as timestamps or text) is read too, its
records located as ``row N``.

Heart rate is read by the fastest reader that gives the same rows: a plain file of ``ENGINE_MIN_BYTES`` or
more whose every line is clean is read, judged and folded into daily rows by DuckDB (``_engine_levels``);
otherwise clean blocks go through Arrow (``_arrow_csv``) and the rest through the ordinary text-cell rules.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from transforms.ingest.dates import FITABASE_FORMATS
from transforms.ingest.errors import MalformedFile, SchemaDrift
from transforms.ingest.records import ParseResult, csv_raw_lines, rejects_frame
from transforms.ingest.sources import _arrow_csv, _engine_levels, _parquet_rows
from transforms.ingest.sources._tabular import (
    RecordChecker,
    data_columns,
    level_samples,
    ragged_reason,
    samples_frame,
)

FORMAT = "fitabase_intraday"
SCOPE = "cohort"
ACCOUNT_SOURCE = "fitabase"
TEXT_BLOCK_BYTES = 1 << 20  # the ordinary reader's unit: about 25,000 lines of cells at a time
ENGINE_MIN_BYTES = 16 << 20  # heart-rate files from this size are tried in DuckDB first (_engine_levels)
PARQUET_ENGINE_MIN_BYTES = 0  # Parquet heart rate: always (reading it typed is the engine's own format)
LAYOUTS = {  # header start → (time column, value column, metric, kind)
    "Id,Time,Value": ("Time", "Value", "heart_rate_mean_bpm", "level"),
    "Id,ActivityHour,StepTotal": ("ActivityHour", "StepTotal", "steps", "amount"),
    "Id,date,value,logId": ("date", "value", "sleep", "sleep"),
    "Id,ActivityHour,Calories": None,
    "Id,ActivityHour,TotalIntensity": None,
}


def _layout(head: str) -> str | None:
    header = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return next((k for k in LAYOUTS if header.startswith(k)), None)


def detect(name: str, head: str) -> bool:
    return _layout(head) is not None or _parquet_rows.is_parquet(head)


def parse(source, ctx) -> Iterator[ParseResult]:
    head = source.head()
    if _parquet_rows.is_parquet(head):
        yield from _parse_parquet(source, ctx)
        return
    layout = LAYOUTS[_layout(head)]
    if layout is not None and layout[3] == "level":
        folded = _engine_daily(source, ctx, layout)
        if folded is not None:
            yield folded
            return
        try:
            yield from _parse_levels_fast(source, ctx, layout)
            return
        except LookupError:  # not the plain three-column header: the ordinary reader below
            pass
    yield from _parse_chunks(source, ctx, layout)


def _engine_daily(source, ctx, layout) -> ParseResult | None:
    """A large plain file whose every line is clean, read and folded into daily rows by DuckDB
    (``_engine_levels``); None when it is small, inside a zip, not the plain three-column header, or has any
    line the rules would quarantine (the readers below then judge it line by line)."""
    time_col, value_col, metric, _kind = layout
    if source.path is None or source.size < ENGINE_MIN_BYTES or _header(source) != ["Id", time_col, value_col]:
        return None
    daily = _engine_levels.daily_levels(source.path, FITABASE_FORMATS[0], metric, FORMAT, ctx.source_file, ctx.today)
    if daily is None:
        return None
    observations, n_records = daily
    return ParseResult(observations=observations, n_records=n_records)


def _parse_parquet(source, ctx) -> Iterator[ParseResult]:
    """A Parquet copy of one of the tables: heart rate through DuckDB when every row is clean (and the file is
    not in a zip), otherwise row batches as text cells judged by the same rules as the CSV (``row N``)."""
    names = _parquet_rows.column_names(source)
    key = next((k for k in LAYOUTS if ",".join(names).startswith(k)), None)
    if key is None:
        raise MalformedFile(
            ctx.source_file,
            f"a Parquet file with the columns {names}: not one of the Fitabase intraday tables ({'; '.join(LAYOUTS)})",
        )
    layout = LAYOUTS[key]
    if layout is not None and layout[3] == "level" and source.path is not None:
        time_col, value_col, metric, _kind = layout
        if names == ["Id", time_col, value_col] and source.size >= PARQUET_ENGINE_MIN_BYTES:
            daily = _engine_levels.daily_levels(source.path, None, metric, FORMAT, ctx.source_file, ctx.today)
            if daily is not None:
                yield ParseResult(observations=daily[0], n_records=daily[1])
                return
    n = 0
    for frame in _parquet_rows.text_frames(source):
        n += len(frame)
        yield _judged(frame, ctx, layout, len(names))
    if n == 0:
        yield ParseResult(n_records=0)


def _header(source) -> list[str]:
    with source.open() as fh:
        return _arrow_csv.header_names(fh.readline())


def _parse_levels_fast(source, ctx, layout) -> Iterator[ParseResult]:
    """Heart-rate seconds through Arrow (``_arrow_csv``): clean blocks become columnar samples directly (ids
    and labels as categoricals, line numbers instead of locator texts); a block with any irregular row goes
    through the ordinary rules of ``_judge_chunk``."""
    time_col, value_col, metric, _kind = layout
    line = 2
    for block in _arrow_csv.blocks(source, ["Id", time_col, value_col]):
        block.first_line = line
        clean = block.clean_levels(FITABASE_FORMATS[0])
        if clean is None:
            yield _judge_chunk(block.text_frame(), ctx, layout)
        else:
            ids, start, value = clean
            samples = level_samples(ids, start, value, metric, FORMAT, ctx.source_file, line)
            yield ParseResult(samples=samples, n_records=len(value), raw_records=block.raw_lines())
        line += block.rows
    if line == 2:  # a header and no data lines
        yield ParseResult(n_records=0)


def _parse_chunks(source, ctx, layout) -> Iterator[ParseResult]:
    """Blocks of about ``TEXT_BLOCK_BYTES`` read as text cells and judged by the row rules."""
    header = _header(source)
    missing = [c for c in ["Id"] + ([layout[0], layout[1]] if layout else []) if c not in header]
    if missing:
        raise SchemaDrift(ctx.source_file, missing, header)
    line = 2
    for block in _arrow_csv.blocks(source, block_bytes=TEXT_BLOCK_BYTES):
        block.first_line = line
        frame = block.text_frame()
        line += block.rows
        yield _judged(frame, ctx, layout, len(header))


def _judged(frame: pd.DataFrame, ctx, layout, n_fields: int) -> ParseResult:
    """Text cells of one block: a table without a metric of ours counts its records as ignored (quarantining
    only ragged lines); the others are judged by the row rules."""
    if layout is not None:
        return _judge_chunk(frame, ctx, layout)
    ragged = frame["_ragged"].to_numpy()
    return ParseResult(
        rejects=rejects_frame(
            ctx.source_file,
            FORMAT,
            frame.loc[ragged, "_locator"],
            [ragged_reason(n_fields)] * int(ragged.sum()),
            csv_raw_lines(frame.loc[ragged, data_columns(frame)]),
        ),
        n_records=len(frame),
        n_ignored=int((~ragged).sum()),
    )


def _judge_chunk(frame: pd.DataFrame, ctx, layout) -> ParseResult:
    """Text cells → samples and rejects, by the row rules (vectorised)."""
    time_col, value_col, metric, kind = layout
    chk = RecordChecker(frame)
    chk.fail_where(frame["_ragged"], ragged_reason(len(data_columns(frame))))
    chk.fail_where(frame["Id"].str.strip() == "", "missing Id")
    start = chk.datetime(time_col, FITABASE_FORMATS)
    value = chk.number(value_col)
    end = None
    if kind == "sleep":
        chk.fail_where(~value.isin([1, 2, 3]), f"{value_col}=" + value.map("{:g}".format) + " is not 1, 2 or 3")
        end = start + pd.Timedelta(minutes=1)
        value = (value == 1).astype("float64")
    raw = csv_raw_lines(frame[data_columns(frame)])
    good = chk.good
    samples = samples_frame(
        frame[good],
        metric,
        kind,
        start[good],
        value[good],
        FORMAT,
        ctx.source_file,
        end=end[good] if end is not None else None,
        account=frame.loc[good, "Id"].str.strip(),
    )
    return ParseResult(
        samples=samples,
        rejects=chk.rejects(ctx.source_file, FORMAT, raw),
        n_records=len(frame),
        raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()),
    )

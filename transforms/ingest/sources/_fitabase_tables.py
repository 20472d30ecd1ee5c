"""The reader shared by Fitabase's cohort-wide tables (``Id`` per row: ``fitabase_intraday``,
``fitabase_minute_steps``), each described by a layout: header start → (time column, value column, metric, kind),
or for a table without a metric of ours the reason its records are counted as ignored (text).

A file is read by the fastest reader that gives the same rows:
- a plain file of the module's ``ENGINE_MIN_BYTES`` or more (a Parquet copy: ``PARQUET_ENGINE_MIN_BYTES``)
  whose header is exactly the layout's and whose every line is clean is read, judged and folded into daily rows
  by DuckDB (``_engine_daily`` for levels and amounts, ``_engine_sleep`` for minute sleep); such a minute sleep
  file with a bad line is read in blocks (``_sleep_blocks``): a clean block is folded into sessions directly, a
  block with a bad line judged by the row rules below, so the bad line costs only its block;
- otherwise levels and amounts (heart rate, steps) go through Arrow blocks (``_arrow_csv``), clean blocks straight
  to samples;
- everything else, and every block with an irregular line, as text cells judged by the row rules
  (``TEXT_BLOCK_BYTES`` at a time), which quarantine each bad line with its number and text;
- a table without a metric of ours is counted by DuckDB when every line has the header's fields
  (``_engine_daily.count_records``), else read as text cells so that its ragged lines are quarantined.
The engines also step aside when two of the file's accounts belong to one participant (``ParseContext.
shared_accounts``): their daily rows are per account, while the ordinary path folds per participant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from transforms.ingest.dates import FITABASE_FORMATS
from transforms.ingest.errors import MalformedFile, SchemaDrift
from transforms.ingest.records import ParseResult, csv_raw_lines, rejects_frame
from transforms.ingest.sources import _arrow_csv, _engine_daily, _engine_sleep, _parquet_rows, _sleep_blocks
from transforms.ingest.sources._tabular import (
    RecordChecker,
    data_columns,
    level_samples,
    ragged_reason,
    samples_frame,
)

TEXT_BLOCK_BYTES = 1 << 20  # the ordinary reader's unit: about 25,000 lines of cells at a time


def layout_key(head: str, layouts: dict) -> str | None:
    """The layout whose header start the file's first line has (byte-order mark and spaces ignored)."""
    header = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return next((k for k in layouts if header.startswith(k)), None)


def parse(source, ctx, fmt: str, layouts: dict, engine_min_bytes: tuple[float, float]) -> Iterator[ParseResult]:
    """The file's chunks; ``engine_min_bytes``: the sizes from which a CSV and a Parquet copy are tried in DuckDB."""
    head = source.head()
    if _parquet_rows.is_parquet(head):
        yield from _parse_parquet(source, ctx, fmt, layouts, engine_min_bytes[1])
        return
    key = layout_key(head, layouts)
    layout = layouts[key]
    engine = source.path is not None and source.size >= engine_min_bytes[0]
    if engine and isinstance(layout, str):
        n = _engine_daily.count_records(source.path, len(_header(source)))
        if n is not None:
            yield ParseResult(n_records=n, n_ignored=n, notes=[f"records ignored: {layout}"])
            return
    if engine and isinstance(layout, tuple) and _header(source) == key.split(","):
        folded = _engine(source, ctx, fmt, key, layout, FITABASE_FORMATS[0])
        if folded is not None:
            yield folded
            return
        if layout[3] == "sleep":
            found = _sleep_blocks.read(source, ctx, fmt, key.split(","), layout, _judge_chunk)
            if found is not None:
                yield from found
                return
    if isinstance(layout, tuple) and layout[3] in ("level", "amount"):
        try:
            yield from _parse_levels_fast(source, ctx, fmt, layout)
            return
        except LookupError:  # not the plain three-column header: the ordinary reader below
            pass
    yield from _parse_chunks(source, ctx, fmt, layout)


def _engine(source, ctx, fmt: str, key: str, layout, time_format: str | None) -> ParseResult | None:
    """The file's daily rows from DuckDB (module docstring), or None when an engine declines it."""
    time_col, value_col, metric, kind = layout
    fold = _engine_sleep.daily_sleep if kind == "sleep" else _engine_daily.daily_rows
    folded = fold(
        source.path, time_format, (key.split(","), time_col, value_col, metric, kind), fmt, ctx.source_file, ctx.today
    )
    if folded is None:
        return None
    observations, n_records = folded
    if ctx.shared_accounts and not ctx.shared_accounts.isdisjoint(observations["account_id"].unique()):
        return None
    return ParseResult(observations=observations, n_records=n_records)


def _parse_parquet(source, ctx, fmt: str, layouts: dict, engine_min_bytes: float) -> Iterator[ParseResult]:
    """A Parquet copy of one of the tables: through DuckDB when every row is clean (and the file is not in a
    zip), otherwise row batches as text cells judged by the same rules as the CSV (``row N``)."""
    names = _parquet_rows.column_names(source)
    key = next((k for k in layouts if ",".join(names).startswith(k)), None)
    if key is None:
        raise MalformedFile(
            ctx.source_file,
            f"a Parquet file with the columns {names}: not a table of any format that reads Parquet copies "
            f"(these of {fmt}: {'; '.join(layouts)})",
        )
    layout = layouts[key]
    engine = isinstance(layout, tuple) and source.path is not None and source.size >= engine_min_bytes
    if engine and names == key.split(","):
        folded = _engine(source, ctx, fmt, key, layout, None)
        if folded is not None:
            yield folded
            return
    n = 0
    for frame in _parquet_rows.text_frames(source):
        n += len(frame)
        yield _judged(frame, ctx, fmt, layout, len(names))
    if n == 0:
        yield ParseResult(n_records=0)


def _header(source) -> list[str]:
    with source.open() as fh:
        return _arrow_csv.header_names(fh.readline())


def _parse_levels_fast(source, ctx, fmt: str, layout) -> Iterator[ParseResult]:
    """Heart rate or steps through Arrow (``_arrow_csv``): clean blocks become columnar samples directly (ids
    and labels as categoricals, line numbers instead of locator texts); a block with any irregular row goes
    through the ordinary rules of ``_judge_chunk``."""
    time_col, value_col, metric, kind = layout
    line = 2
    for block in _arrow_csv.blocks(source, ["Id", time_col, value_col]):
        block.first_line = line
        clean = block.clean_levels(FITABASE_FORMATS[0])
        if clean is None:
            yield _judge_chunk(block.text_frame(), ctx, fmt, layout)
        else:
            ids, start, value = clean
            samples = level_samples(ids, start, value, metric, fmt, ctx.source_file, line, kind)
            yield ParseResult(samples=samples, n_records=len(value), raw_records=block.raw_lines())
        line += block.rows
    if line == 2:  # a header and no data lines
        yield ParseResult(n_records=0)


def _parse_chunks(source, ctx, fmt: str, layout) -> Iterator[ParseResult]:
    """Blocks of about ``TEXT_BLOCK_BYTES`` read as text cells and judged by the row rules."""
    header = _header(source)
    missing = [c for c in ["Id"] + ([layout[0], layout[1]] if isinstance(layout, tuple) else []) if c not in header]
    if missing:
        raise SchemaDrift(ctx.source_file, missing, header)
    line = 2
    for block in _arrow_csv.blocks(source, block_bytes=TEXT_BLOCK_BYTES):
        block.first_line = line
        frame = block.text_frame()
        line += block.rows
        yield _judged(frame, ctx, fmt, layout, len(header))


def record_text(frame: pd.DataFrame) -> pd.Series:
    """The text kept in quarantine for each record of a block's text cells: the cells joined by commas, and a
    ragged record's own line (``_raw``; its cells were cut or padded to the header's)."""
    raw = csv_raw_lines(frame[data_columns(frame)])
    if "_raw" in frame.columns:
        ragged = frame["_ragged"].to_numpy(dtype=bool)
        raw[ragged] = frame["_raw"].to_numpy(dtype=object)[ragged]
    return raw


def _judged(frame: pd.DataFrame, ctx, fmt: str, layout, n_fields: int) -> ParseResult:
    """Text cells of one block: a table without a metric of ours counts its records as ignored (quarantining
    only ragged lines); the others are judged by the row rules."""
    if isinstance(layout, tuple):
        return _judge_chunk(frame, ctx, fmt, layout)
    ragged = frame["_ragged"].to_numpy()
    return ParseResult(
        rejects=rejects_frame(
            ctx.source_file,
            fmt,
            frame.loc[ragged, "_locator"],
            [ragged_reason(n_fields)] * int(ragged.sum()),
            record_text(frame).loc[ragged],
        ),
        n_records=len(frame),
        n_ignored=int((~ragged).sum()),
        notes=[f"records ignored: {layout}"],
    )


def _judge_chunk(frame: pd.DataFrame, ctx, fmt: str, layout) -> ParseResult:
    """Text cells → samples and rejects, by the row rules (vectorised)."""
    time_col, value_col, metric, kind = layout
    chk = RecordChecker(frame)
    chk.fail_where(frame["_ragged"], ragged_reason(len(data_columns(frame))))
    chk.fail_where(frame["Id"].str.strip() == "", "missing Id")
    start = chk.datetime(time_col, FITABASE_FORMATS)
    value = chk.number(value_col)
    end = None
    if kind == "sleep":
        chk.fail_where(
            ~value.isin(_engine_sleep.SLEEP_VALUES), f"{value_col}=" + value.map("{:g}".format) + " is not 1, 2 or 3"
        )
        end = start + pd.Timedelta(minutes=1)
        value = (value == 1).astype("float64")
    raw = record_text(frame)
    good = chk.good
    samples = samples_frame(
        frame[good],
        metric,
        kind,
        start[good],
        value[good],
        fmt,
        ctx.source_file,
        end=end[good] if end is not None else None,
        account=frame.loc[good, "Id"].str.strip(),
    )
    return ParseResult(
        samples=samples,
        rejects=chk.rejects(ctx.source_file, fmt, raw),
        n_records=len(frame),
        raw_records=pd.Series(raw.to_numpy(), index=frame["_locator"].to_numpy()),
    )

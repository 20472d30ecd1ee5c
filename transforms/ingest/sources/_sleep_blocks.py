"""Large Fitabase ``minuteSleep`` files that DuckDB declined (``_engine_sleep``: a line somewhere is not clean), read
in blocks so that a bad line costs only its block: the path of a truncated or hand-edited export.

Each block of ``BLOCK_BYTES`` is read by Arrow with the time and value typed (``_arrow_csv.Block.clean_levels``).
A block whose every row is clean (a time in the main spelling from 2000-01-01 to before ``today`` + 2 days, a
value of 1, 2 or 3, an id) goes straight into the file's ``_engine_sleep.SessionFold``. Any other block is judged
line by line by the ordinary rules (``judge``: text cells → samples and rejects with line numbers and raw text);
its rejects are kept, its samples the sample rules accept (those within the time bounds) join the same fold, in
file order, and the others are passed on as samples for those rules to quarantine. So every session is built
from exactly the intervals the ordinary path would build it from, and its daily rows come from the same code
(``_engine_sleep.daily_rows``).

The file goes back to the ordinary reader (``read`` returns None) when its accounts are not each together and in
order of time (the fold needs file order), when two of its accounts belong to one participant, when a daily row
would break an observation rule, or when it holds no line.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from transforms.ingest.dates import FITABASE_FORMATS
from transforms.ingest.records import ParseResult
from transforms.ingest.sources import _arrow_csv
from transforms.ingest.sources._engine_sleep import SLEEP_VALUES, SessionFold, daily_rows

BLOCK_BYTES = 8 << 20  # a bad line costs the ordinary rules this much of the file


def read(source, ctx, fmt: str, header: list[str], layout, judge) -> list[ParseResult] | None:
    """The file's results (its daily rows first, then each judged block's rejects and the samples left to the
    sample rules), or None for the ordinary reader (module docstring). ``judge(frame, ctx, fmt, layout)``: the
    ordinary rules on a block's text cells."""
    import pyarrow as pa

    time_col, value_col, _metric, _kind = layout
    today = ctx.today or dt.date.today()
    fold = SessionFold(today)
    judged: list[ParseResult] = []
    line = 2
    for block in _arrow_csv.blocks(source, header, block_bytes=BLOCK_BYTES):
        block.first_line = line
        clean = block.clean_levels(FITABASE_FORMATS[0], ("Id", time_col, value_col))
        if clean is not None:
            ids, start, value = clean
            seconds = start.astype(np.int64)
            if fold.in_bounds(seconds).all() and np.isin(value, SLEEP_VALUES).all():
                if not fold.add(ids, seconds, value == 1):
                    return None
                line += block.rows
                continue
        result = judge(block.text_frame(), ctx, fmt, layout)
        samples = result.samples
        seconds = samples["start"].to_numpy().astype("datetime64[s]").astype(np.int64)
        kept = fold.in_bounds(seconds)
        account = pa.array(samples["account_id"].to_numpy(dtype=object)[kept], type=pa.string())
        if not fold.add(account, seconds[kept], samples["value"].to_numpy()[kept] == 1):
            return None
        result.samples = samples[~kept]
        # the raw text of the samples passed on, the only lines a later rule may still quarantine (held to the end)
        result.raw_records = result.raw_records[result.raw_records.index.isin(result.samples["locator"])]
        judged.append(result)
        line += block.rows
    if line == 2:
        return None
    rows = daily_rows(fold.sessions(), fmt, ctx.source_file, today)
    if rows is None or (ctx.shared_accounts and not ctx.shared_accounts.isdisjoint(rows["account_id"].unique())):
        return None
    clean_lines = (line - 2) - sum(r.n_records for r in judged)
    return [ParseResult(observations=rows, n_records=clean_lines), *judged]

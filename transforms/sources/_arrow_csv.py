"""A fast path for large, regular intraday CSVs (Fitabase ``heartrate_seconds``: Id, Time, Value): Arrow's
multi-threaded CSV reader and vectorised time/number parsing, one record batch at a time.

A batch takes the fast path only when every row is clean (non-empty Id, a time in the main spelling, a
numeric value); any other batch is handed back as text cells so the format's ordinary pandas rules judge it
row by row, with the same quarantine reasons. Memory stays at a few batches whatever the file size.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

BLOCK_BYTES = 4 << 20


def batches(source, columns: list[str]) -> Iterator[tuple[int, object]]:
    """(first line number, pyarrow RecordBatch of string columns) for a CSV whose header is exactly ``columns``; raises
    LookupError when the header differs (the caller then reads the file the ordinary way)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with source.open() as fh:
        reader = pacsv.open_csv(
            fh, read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                                 strings_can_be_null=False))
        names = [n.lstrip("\ufeff").strip() for n in reader.schema.names]
        if names != columns:
            raise LookupError(f"header {names} is not {columns}")
        line = 2
        for batch in reader:
            yield line, batch
            line += batch.num_rows


def clean_levels(batch, time_format: str):
    """(account ids, start times as datetime64[s], values) when every row of the batch is clean, else None."""
    import pyarrow.compute as pc

    ids = pc.utf8_trim_whitespace(batch.column(0))
    times = pc.strptime(pc.utf8_trim_whitespace(batch.column(1)), format=time_format, unit="s", error_is_null=True)
    if times.null_count or pc.any(pc.equal(pc.utf8_length(ids), 0)).as_py():
        return None
    try:
        values = pc.cast(pc.utf8_trim_whitespace(batch.column(2)), "float64")
    except Exception:  # pyarrow.ArrowInvalid: a non-numeric value somewhere in the batch
        return None
    values = values.to_numpy(zero_copy_only=False)
    if not np.isfinite(values).all():
        return None
    return ids, times.to_numpy(zero_copy_only=False).astype("datetime64[s]"), values


def text_frame(batch, first_line: int) -> pd.DataFrame:
    """The batch as the string cells (plus ``_locator``) the ordinary pandas rules expect."""
    from transforms.records import line_locators

    frame = batch.to_pandas().astype(object)
    frame.columns = [c.lstrip("\ufeff").strip() for c in frame.columns]
    frame["_locator"] = line_locators(len(frame), first_line)
    return frame


def raw_lines(batch, first_line: int):
    """A callable locators → original record text, for the few rows later rules may quarantine."""
    def lookup(locators):
        rows = [int(str(loc).split()[-1]) - first_line for loc in locators]
        cols = [batch.column(i) for i in range(batch.num_columns)]
        return [",".join(str(c[r].as_py()) for c in cols) if 0 <= r < batch.num_rows else "" for r in rows]
    return lookup

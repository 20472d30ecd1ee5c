"""Parquet copies of CSV tables (a group converts its big Fitabase CSVs with pandas, DuckDB or Arrow): the file's
column names, and its rows as the text cells the CSV rules judge, in bounded batches.

Rows are numbered from 1 in file order and located as ``row N``. Every cell becomes the text a CSV would hold:
a time as ``YYYY-MM-DD HH:MM:SS`` (an ISO spelling every format's time reader knows), a number as Arrow
writes it, a null as an empty cell. The raw record kept in quarantine is the row's cells joined by commas.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from transforms.ingest.errors import MalformedFile

PARQUET_MAGIC = "PAR1"
BATCH_ROWS = 1 << 20


def is_parquet(head: str) -> bool:
    return head.startswith(PARQUET_MAGIC)


def column_names(source) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with source.open() as fh:
            return [n.strip() for n in pq.read_schema(fh).names]
    except (pa.ArrowException, OSError) as exc:  # truncated, or PAR1 and then something else
        raise MalformedFile(source.source_file, f"unreadable Parquet file: {exc}") from exc


def text_frames(source, batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The rows as string cells (plus ``_ragged`` False and ``_locator`` ``row N``), ``batch_rows`` at a time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = 1
    with source.open() as fh:
        for batch in _batches(source, fh, batch_rows):
            cells = {}
            for name, column in zip(batch.schema.names, batch.columns, strict=True):
                try:
                    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
                        column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
                    cells[name.strip()] = pc.fill_null(column.cast(pa.string()), "").to_pandas().astype(object)
                except pa.ArrowException as exc:  # a list, struct or binary column: no CSV spelling
                    raise MalformedFile(
                        source.source_file, f"Parquet column {name!r} of type {column.type} cannot be read as text"
                    ) from exc
            frame = pd.DataFrame(cells)
            frame["_ragged"] = False
            frame["_locator"] = np.char.add("row ", np.arange(first, first + len(frame)).astype(str))
            first += len(frame)
            yield frame


def _batches(source, fh, batch_rows: int):
    """The file's record batches; a file that breaks part-way raises MalformedFile (the rows before it are kept)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        yield from pq.ParquetFile(fh).iter_batches(batch_size=batch_rows)
    except (pa.ArrowException, OSError) as exc:
        raise MalformedFile(source.source_file, f"unreadable Parquet file: {exc}") from exc

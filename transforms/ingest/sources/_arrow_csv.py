"""A fast path for regular intraday CSVs of three columns (Fitabase ``heartrate_seconds``: Id, Time, Value; steps:
Id, ActivityHour / ActivityMinute, StepTotal / Steps), and the blocks of minute sleep (``_sleep_blocks``).

The file is read in newline-aligned blocks of ``BLOCK_BYTES``; each block goes through Arrow's multi-threaded
CSV reader with the columns typed as the format's main spelling (string id, timestamp, number), so times and
numbers are parsed in C++ while reading. A block takes the fast path only when every row is clean (non-empty
Id, a time in the main spelling, a finite value); any other block is re-read as text cells so the format's
ordinary pandas rules judge it row by row, with the same quarantine reasons. Memory stays at one block and
its table whatever the file size.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from transforms import vocabulary

BLOCK_BYTES = 32 << 20
ARROW_BLOCK_BYTES = 4 << 20  # Arrow's own unit of parallel work inside a block


class Block:
    """Consecutive data lines of the CSV as bytes. ``rows`` is set once a reader has made rows of them;
    ``first_line`` (1-based, header = line 1) is set by the consumer, which numbers blocks in order."""

    def __init__(self, data: bytes, columns: list[str]):
        self.data, self.columns = data, columns
        self.rows: int | None = None
        self.first_line = 0

    def _read(self, column_types: dict, **convert) -> object:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(
            pa.py_buffer(self.data),
            read_options=pacsv.ReadOptions(column_names=self.columns, block_size=ARROW_BLOCK_BYTES, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types=column_types, **convert),
        )
        self.rows = table.num_rows
        return table

    def text_frame(self) -> pd.DataFrame:
        """The block as the string cells (plus ``_locator``) the ordinary pandas rules expect, and ``_ragged``:
        the records with another number of fields than the header, which the rules quarantine. A block Arrow
        cannot split into the header's fields is split line by line by Python's csv module (a record never
        spans lines here, as for Arrow with ``newlines_in_values=False``)."""
        import pyarrow as pa

        from transforms.ingest.records import line_locators
        from transforms.ingest.sources._tabular import exact_cells

        try:
            frame = self._read({c: pa.string() for c in self.columns}, strings_can_be_null=False).to_pandas()
            frame = frame.astype(object)
            frame["_ragged"] = False
        except pa.ArrowInvalid:
            frame = exact_cells(self.data.decode("utf-8", errors="replace"), self.columns)
            self.rows = len(frame)
        frame["_locator"] = line_locators(len(frame), self.first_line)
        return frame

    def clean_levels(self, time_format: str, picked: tuple[str, str, str] | None = None):
        """(account ids, start times as datetime64[s], values) when every row is clean, else None. ``picked``:
        the (id, time, value) columns of a block with more (read as text, so a ragged row still fails the
        block); default the block's three columns."""
        import pyarrow as pa
        import pyarrow.compute as pc

        id_col, time_col, value_col = picked or self.columns
        types = {c: pa.string() for c in self.columns} | {time_col: pa.timestamp("s"), value_col: pa.float64()}
        try:
            table = self._read(types, timestamp_parsers=[time_format], strings_can_be_null=False)
        except pa.ArrowInvalid:  # a cell in another spelling somewhere in the block
            return None
        ids = pc.utf8_trim_whitespace(table.column(id_col).combine_chunks())
        times, values = table.column(time_col), table.column(value_col)
        if times.null_count or values.null_count or pc.any(pc.equal(pc.utf8_length(ids), 0)).as_py():
            return None
        values = values.to_numpy()
        if not np.isfinite(values).all():
            return None
        return ids, times.to_numpy().astype("datetime64[s]"), values

    def raw_lines(self):
        """A callable locators → original record text, for the few rows later rules may quarantine."""

        def lookup(locators):
            lines = [line for line in self.data.split(b"\n") if line.strip(b"\r")]
            rows = [int(str(loc).split()[-1]) - self.first_line for loc in locators]
            return [
                lines[r].rstrip(b"\r").decode("utf-8", errors="replace") if 0 <= r < len(lines) else "" for r in rows
            ]

        return lookup


def header_names(line: bytes) -> list[str]:
    """A CSV header line's column names (byte-order mark and white space removed)."""
    return [n.lstrip("\ufeff").strip() for n in line.decode("utf-8", errors="replace").split(",")]


def blocks(source, columns: list[str] | None = None, block_bytes: int | None = None) -> Iterator[Block]:
    """The data lines of a CSV, block by block (``block_bytes``, default ``BLOCK_BYTES`` as it is at the call), each
    block's ``columns`` the header's names. With ``columns``, raises LookupError when the header differs (the caller
    then reads the file another way)."""
    block_bytes = block_bytes or BLOCK_BYTES
    with source.open() as fh:
        names = header_names(fh.readline())
        if columns is not None and names != columns:
            raise LookupError(f"header {names} is not {columns}")
        columns = names
        rest = b""
        max_line = vocabulary.ingest_rules().max_line_bytes
        while True:
            chunk = fh.read(block_bytes)
            data = rest + chunk
            if not chunk:
                if data.strip():
                    yield Block(data, columns)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > max_line:
                    from transforms.ingest.errors import MalformedFile

                    raise MalformedFile(
                        source.source_file, f"a line longer than max_line_bytes ({max_line:,}) in ingest.toml"
                    )
                rest = data
                continue
            rest = data[cut:]
            yield Block(data[:cut], columns)

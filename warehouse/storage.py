"""The warehouse as one interface with two implementations, chosen once, when it is opened.

- :class:`warehouse.embedded.DuckDBFileWarehouse`: the DuckDB file of the embedded profile (one writer at a
  time, each replacement one transaction);
- :class:`warehouse.lake.LakeWarehouse`: the Parquet lake of the distributed profile (many writers, each
  replacement a rename of whole partition files).

Reads are SQL on ``Warehouse.conn`` and the same for both (warehouse/reads.py); every write goes through the
methods below, called by warehouse/writes.py (which holds what the two share: range checks, staging of file
rows, the changed-day bookkeeping). docs/architecture.md shows where each kind of change goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from warehouse import lake
from warehouse.connection import DEFAULT_MEMORY_LIMIT, writer
from warehouse.embedded import DuckDBFileWarehouse
from warehouse.tables import Table


class Warehouse(Protocol):
    conn: duckdb.DuckDBPyConnection  # reads; the warehouse tables by their schema-qualified names
    catalog: str  # the DuckDB catalog whose tables carry the DDL's types and constraints

    def replace_days(
        self, table: Table, frames: Iterable[pd.DataFrame], start: dt.date, end: dt.date, keep: pd.DataFrame
    ) -> int:
        """``table``'s rows of days start … end except those in ``keep`` (column ``day``) replaced by
        ``frames`` (already checked to lie in that range); the rows inserted."""

    def replace_blocked_days(self, asset: str, start: dt.date, end: dt.date, blocked: pd.DataFrame) -> None:
        """quality.blocked_partitions of ``asset`` within start … end replaced by ``blocked``."""

    def commit_file_rows(self, stage, files: pd.DataFrame) -> list[dt.date]:
        """The rows of ``stage`` (a writes.FileRowsStage) replace every row of the paths in ``files``, whose
        records go to ops.ingested_files; returns the days the replaced rows and changed spans held."""

    def replace_duplicate_records(self, new_rows: str, params: list, reason: str) -> None:
        """Quarantine rows of the files in the temp table ``affected_paths`` whose reason matches the SQL
        condition ``reason`` replaced by the SELECT ``new_rows``; those files' counts recomputed."""

    def delete_rows(self, table: str, where: str = "true", params: list | tuple = ()) -> None:
        """Rows of a bookkeeping table (ops.*) matching ``where`` deleted."""

    def append_check_results(self, results: pd.DataFrame) -> None:
        """Check outcomes appended to quality.check_results (a history)."""

    def replace_table(self, table: Table, frame: pd.DataFrame) -> int:
        """Every row of ``table`` replaced by ``frame``."""

    def episode_candidates_sql(self) -> tuple[str, str]:
        """A SELECT of the series (participant_id, metric) whose episodes are to be recomputed, and its scope
        (``"changed"`` or ``"all"``)."""

    def replace_episodes(self, frame: pd.DataFrame) -> int:
        """analytics.episodes of the series in ``episode_candidates`` replaced by ``frame``."""

    def refresh_participant_coverage(self, min_coverage: float) -> None:
        """quality.participant_coverage brought up to date with analytics.daily_metrics."""

    def publish(self, target: Path) -> dict[str, int]:
        """``target`` (analytics.duckdb) made current with the warehouse; rows per published table."""


@contextmanager
def open_warehouse(
    path: str | Path, log=None, lake_root: str | Path | None = None, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> Iterator[Warehouse]:
    """The warehouse for writing, for the ``with`` block: the DuckDB file at ``path`` (behind the pipeline's
    writer lock, warehouse.connection.writer), or with ``lake_root`` the Parquet lake there; DuckDB limited to
    ``memory_limit`` either way."""
    if lake_root:
        with lake.connect(lake_root, memory_limit) as wh:
            yield wh
        return
    with writer(path, log=log, memory_limit=memory_limit) as conn:
        yield DuckDBFileWarehouse(conn)

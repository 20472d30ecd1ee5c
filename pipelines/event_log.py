"""Dagster's SQLite event log with batches written as batches.

A run over a range of daily partitions records, per asset, one ``ASSET_MATERIALIZATION_PLANNED`` event per
partition when it is created and one ``ASSET_MATERIALIZATION`` per partition when the step ends. With
``DAGSTER_EVENT_BATCH_SIZE`` set (pipelines/settings.py sets it), Dagster hands those events to
``store_event_batch`` in batches; the stock SQLite storage then still stores them one at a time, each in its
own connection and commit (about 40 ms an event on this machine: a 10-year history's 2 × 6 × 3,653 events
took longer than everything else in the run). Here a batch is one insert into the run's shard and one
transaction on the index shard: the same rows, the same tables, as the stock ``store_event`` writes. A
range run's planned check event also wrote one row per partition, re-serializing the whole event for each
(quadratic in the range); here it is serialized once (tests/pipelines/test_event_log.py compares both).

Configured in ``$DAGSTER_HOME/dagster.yaml`` (``event_log_storage``, see pipelines/settings.dagster_yaml);
the distributed profile's PostgreSQL storage batches natively.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from dagster import Field, StringSource
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable, SqlEventLogStorageTable
from dagster._serdes import serialize_value


def default_base_dir() -> str:
    """Where the stock SQLite storage of ``$DAGSTER_HOME`` keeps its run shards. Without ``base_dir`` in the
    configuration and without ``$DAGSTER_HOME`` there is no such folder: refused, rather than writing run
    history into whatever the working directory is."""
    from pipelines.settings import dagster_home

    home = dagster_home()
    if not home:
        raise ValueError(
            "BatchedSqliteEventLogStorage: set base_dir under event_log_storage.config in dagster.yaml, or DAGSTER_HOME"
        )
    return os.path.join(home, "history", "runs", "")


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose ``store_event_batch`` writes asset events in one transaction per
    shard; any other event of a batch is stored as the stock storage stores it."""

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(base_dir=config_value.get("base_dir") or default_base_dir(), inst_data=inst_data)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        batched = [e for e in events if _is_asset_event(e)]
        run_ids = {e.run_id for e in batched}
        if len(batched) < 2 or len(run_ids) != 1:
            for event in events:
                self.store_event(event)
            return
        for event in events:
            if not _is_asset_event(event):
                self.store_event(event)
        rows = [self._event_to_row(e) for e in batched]  # each event serialized once, for both shards
        with self.run_connection(run_ids.pop()) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        with self.index_transaction() as conn:
            inserted = conn.execute(
                SqlEventLogStorageTable.insert().returning(SqlEventLogStorageTable.c.id, sort_by_parameter_order=True),
                rows,
            )
            ids = [row[0] for row in inserted.fetchall()]
            self._store_asset_event_tags(conn, batched, ids)
            # the asset key table keeps each asset's latest event of each kind: store only those, in order
            latest = {(e.get_dagster_event().asset_key, e.dagster_event_type): i for i, e in enumerate(batched)}
            for i in sorted(latest.values()):
                self._store_asset_event(conn, batched[i], ids[i])

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        """The stock rows (one per planned partition of the check), with the event serialized once instead of
        once per partition: a range run's planned check event holds the whole partition subset, so the
        stock version's cost grows with the square of the range (25 checks × 3,653 days: 101 s of 200)."""
        planned = event.get_dagster_event().event_specific_data
        keys = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        common = dict(
            asset_key=planned.asset_key.to_string(),
            check_name=planned.check_name,
            run_id=event.run_id,
            execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
            evaluation_event=serialize_value(event),
            evaluation_event_timestamp=self._event_insert_timestamp(event),
            evaluation_event_storage_id=event_id,
        )
        with self.index_connection() as conn:
            conn.execute(AssetCheckExecutionsTable.insert(), [{**common, "partition": key} for key in keys])


def _is_asset_event(event: EventLogEntry) -> bool:
    return bool(
        event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS and event.get_dagster_event().asset_key
    )

"""The batched SQLite event log records what the stock one records: a range run over many daily partitions
leaves the same materialized partitions, planned check rows and asset records, with far fewer commits."""

import datetime as dt

from dagster import (
    AssetCheckResult,
    AssetKey,
    DagsterInstance,
    DailyPartitionsDefinition,
    Definitions,
    asset,
    asset_check,
)

from pipelines.partitions import range_tags

DAYS = DailyPartitionsDefinition(start_date="2024-01-01")


@asset(partitions_def=DAYS)
def sample(context) -> None:
    """Nothing to store: only the events are under test."""


@asset_check(asset=sample)
def sample_is_fine(context):
    return AssetCheckResult(passed=True)


def _run(tmp_path, batched: bool, monkeypatch):
    home = tmp_path / ("batched" if batched else "stock")
    home.mkdir()
    yaml = "telemetry:\n  enabled: false\n"
    if batched:
        yaml += (
            f"event_log_storage:\n  module: pipelines.event_log\n  class: BatchedSqliteEventLogStorage\n"
            f"  config:\n    base_dir: {home / 'history' / 'runs'}\n"
        )
    (home / "dagster.yaml").write_text(yaml)
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "10000")
    job = Definitions(assets=[sample], asset_checks=[sample_is_fine]).resolve_implicit_global_asset_job_def()
    with DagsterInstance.from_config(str(home)) as instance:
        result = job.execute_in_process(instance=instance, tags=range_tags(dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
        assert result.success
        partitions = instance.get_materialized_partitions(AssetKey("sample"))
        record = instance.get_latest_materialization_event(AssetKey("sample"))
        planned = len(
            instance.event_log_storage.get_asset_check_execution_history(sample_is_fine.check_key, limit=1000)
        )
        return type(instance.event_log_storage).__name__, partitions, record.run_id == result.run_id, planned


def test_a_range_run_records_what_the_stock_event_log_records(tmp_path, monkeypatch):
    stock_name, *stock = _run(tmp_path, False, monkeypatch)
    name, partitions, latest_is_the_run, planned = _run(tmp_path, True, monkeypatch)
    assert (stock_name, name) == ("SqliteEventLogStorage", "BatchedSqliteEventLogStorage")
    assert partitions == {(dt.date(2024, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(91)}
    assert latest_is_the_run and planned > 0
    assert [partitions, latest_is_the_run, planned] == stock

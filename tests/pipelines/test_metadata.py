"""What the Dagster UI shows, read back through the instance the way the UI reads it: each asset's table,
column schema, kinds and description; materialization metadata true for what it labels (a range run's
figures named as the range's, a one-day run's row count that day's); checks on the summary assets; progress
lines in the run's log while a step works."""

import datetime as dt

import pytest
from dagster import AssetKey, AssetRecordsFilter

from pipelines.definitions import build_definitions
from pipelines.settings import Paths
from tests.pipelines.helpers import generate_home, product_instance, query, run
from transforms import catalogue
from warehouse.dictionary import documented

pytestmark = pytest.mark.slow


def test_every_asset_has_a_description_kinds_and_tags_and_tables_their_schema(tmp_path):
    graph = build_definitions(Paths(tmp_path)).resolve_asset_graph()
    docs = documented()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.description and len(node.description) > 20, name
        assert node.kinds and "layer" in node.tags, name
        table = node.metadata.get("dagster/table_name")
        schema = node.metadata.get("dagster/column_schema")
        if schema is None:
            continue
        qualified = table.split(":", 1)[1]
        spec = next(t for t in catalogue.tables().values() if t.qualified == qualified)
        assert [(c.name, c.type, c.constraints.nullable) for c in schema.columns] == [
            (c.name, c.sql_type, not c.not_null) for c in spec.columns
        ]
        if qualified in docs:  # published: every column carries the dictionary's meaning
            assert [c.description for c in schema.columns] == [docs[qualified].columns[c.name] for c in spec.columns]
    assert graph.get(AssetKey("drift")).kinds == {"duckdb", "python"}
    assert graph.get(AssetKey("drift")).metadata["dagster/table_name"] == "warehouse.duckdb:analytics.drift"
    for asset, expected in {
        "episodes": {"unique_participant_metric_start", "days_ordered", "recovery_after_end"},
        "quality_report": {"report_names_every_problem"},
        "analytics_duckdb": {"published_equals_warehouse", "every_object_documented"},
    }.items():
        assert {k.name for k in graph.get_check_keys_for_assets({AssetKey(asset)})} == expected


def _latest(instance, asset: str, partition: str | None = None):
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition] if partition else None), limit=1
    ).records
    return {k: v.value for k, v in records[0].asset_materialization.metadata.items()}


def test_materialization_metadata_is_true_for_what_it_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLNESS_CHUNK_PARTICIPANT_DAYS", "300")  # several chunks of participants
    paths, _ = generate_home(tmp_path, participants=5, days=90)
    outcome = run(paths)
    assert outcome.ok
    start, end = outcome.start, outcome.end
    with product_instance(paths) as instance:
        day = start + dt.timedelta(days=60)
        ranged = _latest(instance, "drift", str(day))
        assert "dagster/row_count" not in ranged and "rows" not in ranged
        assert ranged["run_range"].startswith(f"{start} … {end} ({(end - start).days + 1} days in one run")
        total = query(paths, "SELECT count(*) AS n FROM analytics.drift WHERE day BETWEEN ? AND ?", [start, end])
        assert ranged["run_range_rows"] == total["n"][0]

        episodes = _latest(instance, "episodes")
        assert episodes["dagster/row_count"] == query(paths, "SELECT count(*) AS n FROM analytics.episodes")["n"][0]
        for asset in ("episodes", "quality_report", "analytics_duckdb"):
            evaluations = {
                k.name: instance.event_log_storage.get_latest_asset_check_execution_by_key([k])[k]
                for k in build_definitions(paths).resolve_asset_graph().get_check_keys_for_assets({AssetKey(asset)})
            }
            assert evaluations and all(e.status.value == "SUCCEEDED" for e in evaluations.values()), asset
            for key in evaluations:
                passed = query(
                    paths,
                    "SELECT passed FROM quality.check_results WHERE asset = ? AND check_name = ? "
                    "ORDER BY checked_at DESC LIMIT 1",
                    [asset, key],
                )
                assert passed["passed"].tolist() == [True], (asset, key)

        runs = instance.get_runs()
        daily_run = next(r for r in runs if r.job_name == "daily_analytics")
        messages = [e.user_message for e in instance.all_logs(daily_run.run_id) if not e.is_dagster_event]
        chunk_lines = [m for m in messages if m.startswith("drift") and " chunk " in m]
        assert len(chunk_lines) >= 2 and chunk_lines[-1].split("chunk ")[1].startswith(
            f"{len(chunk_lines)}/{len(chunk_lines)} of participants"
        )
        assert any(m.startswith("drift") and "rows, 0 blocked days" in m for m in messages)

        # one day in its own run: the row count is that partition's own
        one = build_definitions(paths).resolve_job_def("daily_analytics")
        result = one.execute_in_process(instance=instance, partition_key=str(day))
        assert result.success
        single = _latest(instance, "drift", str(day))
        day_rows = query(paths, "SELECT count(*) AS n FROM analytics.drift WHERE day = ?", [day])["n"][0]
        assert single["dagster/row_count"] == day_rows and "run_range_rows" not in single

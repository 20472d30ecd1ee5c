"""Every definition loads and is wired as designed (a wiring mistake fails here first)."""

from dagster import AssetKey, BackfillPolicy

from pipelines.definitions import build_definitions
from pipelines.settings import Paths
from quality.validation import suite_checks


def test_definitions_load_with_all_assets_jobs_and_checks(tmp_path):
    defs = build_definitions(Paths(tmp_path))
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "observations",
        "questionnaire_responses",
        "daily_metrics",
        "questionnaire_scores",
        "questionnaire_change",
        "baselines",
        "drift",
        "proxies",
        "episodes",
        "quality_report",
        "analytics_duckdb",
        "report_site",
    }
    # what the code server does on load: builds the repository (name clashes between jobs and assets fail here)
    repository = defs.get_repository_def()
    assert {"ingest_landing", "daily_analytics", "nightly_refresh", "publish_analytics"} <= set(repository.job_names)
    # every asset that writes the warehouse is in the one-writer pool
    writers = keys - {"report_site"}
    assert {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).pools == {"warehouse"}} == writers
    observation_checks = {k.name for k in graph.get_check_keys_for_assets({AssetKey("observations")})}
    assert observation_checks == {c.name for c in suite_checks("observations") + suite_checks("ingested_files")}
    for table in ("daily_metrics", "questionnaire_scores", "questionnaire_change", "baselines", "drift", "proxies"):
        node = graph.get(AssetKey(table))
        assert node.partitions_def is not None
        assert node.backfill_policy == BackfillPolicy.single_run()
        checks = {k.name for k in graph.get_check_keys_for_assets({AssetKey(table)})}
        assert checks == {c.name for c in suite_checks(table)}
    assert AssetKey("baselines") in graph.get(AssetKey("drift")).parent_keys
    assert AssetKey("daily_metrics") in graph.get(AssetKey("baselines")).parent_keys


def test_schedule_and_sensors_are_defined(tmp_path):
    defs = build_definitions(Paths(tmp_path))
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "30 2 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.job_name == "nightly_refresh"
    assert defs.resolve_sensor_def("landing_sensor").job_name == "ingest_landing"
    assert defs.resolve_sensor_def("after_ingestion_sensor")


def test_resources_point_at_wellness_home(tmp_path):
    defs = build_definitions(Paths(tmp_path))
    resources = defs.resources
    assert resources["duckdb"].database == str(tmp_path / "warehouse.duckdb")
    assert resources["wellness_home"].home == str(tmp_path)


def test_workspace_and_dagster_yaml_exist_with_telemetry_off():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert "pipelines.definitions" in (root / "workspace.yaml").read_text()
    config = (root / "dagster_home" / "dagster.yaml").read_text()
    assert "telemetry:\n  enabled: false" in config

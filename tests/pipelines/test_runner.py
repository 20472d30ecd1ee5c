"""pipelines/runner.py: the instance it configures, and the advice for one configured by hand."""

import yaml
from dagster import DagsterInstance

from pipelines.runner import event_log_advice
from pipelines.settings import dagster_yaml


def _instance(home, text: str) -> DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(text)
    return DagsterInstance.from_config(str(home))


def test_a_hand_written_dagster_yaml_without_the_batched_event_log_gets_one_line_of_advice(tmp_path):
    stock = _instance(tmp_path / "stock", yaml.safe_dump({"telemetry": {"enabled": False}}))
    advice = event_log_advice(stock)
    assert advice and "BatchedSqliteEventLogStorage" in advice and str(tmp_path / "stock") in advice
    ours = _instance(tmp_path / "ours", dagster_yaml(tmp_path / "ours"))
    assert event_log_advice(ours) is None

"""The table catalogue (transforms/config/tables.toml) is read as declared, refuses what it cannot mean, and
is where the frames the transforms build take their columns and dtypes from."""

import pytest

from transforms import catalogue
from transforms.daily_metrics import DAILY_SCHEMA
from transforms.ingest.records import OBSERVATION_REQUIRED, OBSERVATION_SCHEMA, REJECT_SCHEMA
from transforms.questionnaires.scoring import SCORE_SCHEMA
from transforms.stats.drift import DRIFT_COLUMNS
from transforms.stats.episodes import EPISODE_SCHEMA


def test_entries_are_read_with_their_keys_columns_and_gates():
    drift = catalogue.table("drift")
    assert drift.qualified == "analytics.drift" and drift.key == ("participant_id", "day", "metric")
    assert drift.partitioned and drift.checked and drift.lake == (("day", "day"),)
    assert drift.skips_blocked == ("daily_metrics", "baselines") and drift.missing_blocked == ("daily_metrics",)
    assert catalogue.table("ingested_files").columns[5] == catalogue.Column("rows_read", "BIGINT", True, "0")
    daily = "daily_metrics questionnaire_scores baselines drift questionnaire_change proxies"
    assert list(catalogue.partitioned()) == daily.split()
    names = list(catalogue.tables())
    assert len(names) == len(set(names))


def test_frames_take_their_columns_and_dtypes_from_it():
    assert DAILY_SCHEMA == {
        "participant_id": "string",
        "day": "datetime64[s]",
        "metric": "string",
        "value": "float64",
        "unit": "string",
        "source": "string",
        "n_obs": "int64",
        "coverage": "float64",
    }
    assert OBSERVATION_SCHEMA["n_samples"] == "Int64"  # an integer that may be NULL
    assert "ingested_at" not in REJECT_SCHEMA  # the writer stamps it
    assert set(OBSERVATION_REQUIRED) == {"participant_id", "day", "metric", "value", "source", "source_file", "locator"}
    assert list(SCORE_SCHEMA) == catalogue.table("questionnaire_scores").column_names
    assert catalogue.table("drift").column_names == DRIFT_COLUMNS
    assert list(EPISODE_SCHEMA) == catalogue.table("episodes").column_names


def test_the_check_index_adds_the_day_to_the_key():
    assert catalogue.table("questionnaire_scores").check_index == [
        "participant_id",
        "instrument",
        "administered_at",
        "day",
    ]
    assert catalogue.table("daily_metrics").check_index == ["participant_id", "day", "metric"]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"schema": "ops", "description": "", "columns": {"a": "VARCHAR NULLABLE"}}, "column a"),
        ({"schema": "ops", "description": "", "columns": {"a": "TEXT"}}, "column a"),
        ({"schema": "ops", "description": "", "key": ["b"], "columns": {"a": "VARCHAR"}}, "b is not one of"),
        ({"schema": "ops", "description": "", "lake": {"month": "a"}, "columns": {"a": "DATE"}}, "lake partitions"),
        ({"schema": "ops", "description": "", "lake": "s3", "columns": {"a": "DATE"}}, "lake must be"),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_table(entry, message):
    with pytest.raises(ValueError, match=message) as raised:
        catalogue._table("broken", entry)
    assert "[broken]" in str(raised.value)

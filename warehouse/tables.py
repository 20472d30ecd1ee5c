"""The tables the warehouse writes, their keys and how a partition of each is replaced.

Identifiers here are code constants (never user input); values always travel as query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str  # schema-qualified
    key: tuple[str, ...]  # one row per key
    day_column: str = "day"  # partitions are ranges of this column

    @property
    def delete_days_sql(self) -> str:
        return f"DELETE FROM {self.name} WHERE {self.day_column} BETWEEN ? AND ?"

    @property
    def delete_days_except_sql(self) -> str:
        return (
            f"DELETE FROM {self.name} WHERE {self.day_column} BETWEEN ? AND ? "
            f"AND {self.day_column} NOT IN (SELECT day FROM kept_days)"
        )

    @property
    def insert_frame_sql(self) -> str:
        return f"INSERT INTO {self.name} BY NAME SELECT * FROM incoming ORDER BY {self.day_column}"

    @property
    def delete_all_sql(self) -> str:
        return f"DELETE FROM {self.name}"

    @property
    def insert_all_sql(self) -> str:
        return f"INSERT INTO {self.name} BY NAME SELECT * FROM incoming"

    @property
    def select_days_sql(self) -> str:
        return f"SELECT * FROM {self.name} WHERE {self.day_column} BETWEEN ? AND ?"


OBSERVATIONS = Table("staging.observations", ("participant_id", "day", "metric", "source", "source_file", "locator"))
RESPONSES = Table(
    "staging.questionnaire_responses", ("participant_id", "instrument", "administered_at", "item", "source_file")
)
DAILY_METRICS = Table("analytics.daily_metrics", ("participant_id", "day", "metric"))
QUESTIONNAIRE_SCORES = Table("analytics.questionnaire_scores", ("participant_id", "instrument", "administered_at"))
BASELINES = Table("analytics.baselines", ("participant_id", "day", "metric"))
DRIFT = Table("analytics.drift", ("participant_id", "day", "metric"))
QUESTIONNAIRE_CHANGE = Table("analytics.questionnaire_change", ("participant_id", "instrument", "administered_at"))
PROXIES = Table("analytics.proxies", ("participant_id", "day", "domain"))
EPISODES = Table("analytics.episodes", ("participant_id", "metric", "start_day"), day_column="start_day")

PARTITIONED = {
    t.name.split(".")[1]: t
    for t in (DAILY_METRICS, QUESTIONNAIRE_SCORES, BASELINES, DRIFT, QUESTIONNAIRE_CHANGE, PROXIES)
}
CHECKED = {"observations": OBSERVATIONS, "questionnaire_responses": RESPONSES, **PARTITIONED}

# summaries kept up to date from the day ranges runs rewrite (ops.summary_pending), by the table they read
SUMMARIES_READING = {
    DAILY_METRICS.name: ("participant_coverage", "episodes"),
    BASELINES.name: ("episodes",),
    DRIFT.name: ("episodes",),
}

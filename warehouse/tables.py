"""The tables the warehouse writes, their keys and how a partition of each is replaced; each declared in the
table catalogue (transforms/config/tables.toml).

Identifiers here are catalogue names (never user input); values always travel as query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms import catalogue


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


def _from_catalogue(name: str) -> Table:
    spec = catalogue.table(name)
    return Table(spec.qualified, spec.key, spec.day_column or "day")


OBSERVATIONS = _from_catalogue("observations")
RESPONSES = _from_catalogue("questionnaire_responses")
DAILY_METRICS = _from_catalogue("daily_metrics")
QUESTIONNAIRE_SCORES = _from_catalogue("questionnaire_scores")
BASELINES = _from_catalogue("baselines")
DRIFT = _from_catalogue("drift")
QUESTIONNAIRE_CHANGE = _from_catalogue("questionnaire_change")
PROXIES = _from_catalogue("proxies")
EPISODES = _from_catalogue("episodes")

PARTITIONED = {name: _from_catalogue(name) for name in catalogue.partitioned()}  # the daily assets' tables
# tables whose check suite runs on the day range a run wrote (ops.ingested_files is checked whole)
CHECKED = {name: _from_catalogue(name) for name, spec in catalogue.tables().items() if spec.checked and spec.day_column}

# summaries kept up to date from the day ranges runs rewrite (ops.summary_pending), by the table they read
SUMMARIES_READING = {
    catalogue.table(read).qualified: tuple(name for name, spec in catalogue.tables().items() if read in spec.reads)
    for read in dict.fromkeys(r for spec in catalogue.tables().values() for r in spec.reads)
}

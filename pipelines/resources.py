"""Resources: the warehouse connection and the project's folders."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from pipelines import progress
from pipelines.settings import Paths, Profile, duckdb_memory_limit
from warehouse.connection import DEFAULT_MEMORY_LIMIT


class WellnessHome(ConfigurableResource):
    """``$WELLNESS_HOME``: landing folder, pseudonym key, reports."""

    home: str

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home))


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's ``DuckDBResource`` config; :meth:`open` gives the warehouse (warehouse/storage.py): the
    DuckDB file with our connection discipline (the pipeline's writer lock first, so runs queue instead of
    failing with "Could not set lock" and say so in the run log while they wait; back-off for locks held by
    other processes; the schema ensured; closed even when the asset raises), or, with ``lake_root`` set (the
    distributed profile), the Parquet lake there (warehouse/lake.py). Chosen here, once."""

    lake_root: str | None = None
    memory_limit: str = DEFAULT_MEMORY_LIMIT  # DuckDB's, on every connection the pipeline opens

    @contextmanager
    def open(self):
        from warehouse.storage import open_warehouse

        def log(message: str) -> None:  # waits for the warehouse: in the run's log and on the CLI
            progress.report(message, level="warning")

        with open_warehouse(self.database, log=log, lake_root=self.lake_root, memory_limit=self.memory_limit) as wh:
            yield wh

    @contextmanager
    def get_connection(self):
        """The open warehouse's connection (upstream's API; asset code uses :meth:`open`)."""
        with self.open() as wh:
            yield wh.conn


def build_resources(paths: Paths, profile: Profile | None = None) -> dict:
    profile = profile or Profile.from_env(paths)
    lake_root = str(profile.lake_root) if profile.lake_root else None
    return {
        "duckdb": WarehouseResource(
            database=str(paths.warehouse), lake_root=lake_root, memory_limit=duckdb_memory_limit()
        ),
        "wellness_home": WellnessHome(home=str(paths.home)),
    }

"""Resources: the warehouse connection and the project's folders."""

from __future__ import annotations

from pathlib import Path

from contextlib import contextmanager

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from pipelines.settings import Paths


class WellnessHome(ConfigurableResource):
    """``$WELLNESS_HOME``: landing folder, pseudonym key, reports."""

    home: str

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home))


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's ``DuckDBResource`` (same config, same lock back-off), plus: the connection is
    closed even when the asset raises (upstream only closes it on success, which leaves the file open
    in the process), and the warehouse schema exists before use."""

    @contextmanager
    def get_connection(self):
        from warehouse.connection import ensure_schema

        with super().get_connection() as conn:
            try:
                ensure_schema(conn)
                yield conn
            finally:
                conn.close()


def build_resources(paths: Paths) -> dict:
    return {
        "duckdb": WarehouseResource(database=str(paths.warehouse)),
        "wellness_home": WellnessHome(home=str(paths.home)),
    }

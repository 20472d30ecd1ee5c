"""What the Dagster UI shows about each asset, beside its data: the table it writes (``dagster/table_name``),
its columns with types and meanings (``dagster/column_schema``, from the table catalogue and
docs/data_dictionary.md), kinds and tags; and the materialization metadata that is true for what it labels.

A range run (one run for many daily partitions, the single-run backfill policy) records one materialization
per partition with the same metadata: Dagster offers no per-partition values within one step. So the figures
of a range run are labelled as the range's (``run_range``, ``run_range_rows``), and ``dagster/row_count`` is
given only where it is the partition's own (a run of one day) or the whole table's (the summaries).
"""

from __future__ import annotations

import datetime as dt

from dagster import MetadataValue, TableColumn, TableColumnConstraints, TableSchema

from transforms import catalogue
from warehouse.dictionary import documented

STORES = {False: "warehouse.duckdb", True: "lake"}  # by profile: the DuckDB file, or the distributed Parquet lake


def table_definition_metadata(table: str, distributed: bool = False) -> dict:
    """Definition metadata of the asset that writes catalogue table ``table``: where it is stored and its
    qualified name, and its column schema (each column's DuckDB type, NOT NULL, and the data dictionary's
    meaning where published)."""
    spec = catalogue.table(table)
    described = documented().get(spec.qualified)
    columns = [
        TableColumn(
            name=c.name,
            type=c.sql_type,
            description=(described.columns.get(c.name) if described else None) or None,
            constraints=TableColumnConstraints(nullable=not c.not_null),
        )
        for c in spec.columns
    ]
    return {
        "dagster/table_name": f"{STORES[distributed]}:{spec.qualified}",
        "dagster/column_schema": TableSchema(columns=columns),
    }


def warehouse_kinds(distributed: bool) -> set[str]:
    """Where an asset's table lives: the DuckDB file, or the Parquet lake of the distributed profile."""
    return {"python", "parquet" if distributed else "duckdb"}


def range_metadata(start: dt.date, end: dt.date, rows: int, blocked: list[dt.date]) -> dict:
    """Materialization metadata of a daily asset's run over ``start … end``. One day: that partition's own
    row count. Several: the range's totals, named as such (every partition of the run carries them)."""
    days = (end - start).days + 1
    blocked_days = ", ".join(str(d) for d in sorted(blocked)[:50])
    if days == 1:
        return {"dagster/row_count": rows, "blocked": bool(blocked)}
    return {
        "run_range": MetadataValue.text(f"{start} … {end} ({days} days in one run; the figures are the range's)"),
        "run_range_rows": rows,
        "run_range_blocked_days": len(blocked),
        "run_range_blocked_list": blocked_days,
    }


# asset → (the catalogue table it writes or None, kinds beyond the warehouse's, layer tag)
_ASSETS = {
    "observations": ("observations", set(), "staging"),
    "questionnaire_responses": ("questionnaire_responses", set(), "staging"),
    **{name: (name, set(), "analytics") for name in catalogue.partitioned()},
    "episodes": ("episodes", set(), "summary"),
    "quality_report": ("participant_coverage", {"html"}, "quality"),
}
_FILES = {  # assets whose product is a file, not a warehouse table
    "analytics_duckdb": ({"duckdb"}, "publication", "analytics.duckdb"),
    "report_site": ({"html", "python"}, "publication", None),
}


def describe_assets(assets: list, distributed: bool) -> list:
    """``assets`` with the table name, column schema, kinds and layer tag of each of their specs."""
    from dagster import map_asset_specs

    def describe(spec):
        name = spec.key.to_user_string()
        if name in _ASSETS:
            table, kinds, layer = _ASSETS[name]
            return spec.merge_attributes(
                metadata=table_definition_metadata(table, distributed),
                kinds=warehouse_kinds(distributed) | kinds,
                tags={"layer": layer, "participant_ids": "study_id_or_pseudonym"},
            )
        if name in _FILES:
            kinds, layer, file = _FILES[name]
            return spec.merge_attributes(
                metadata={"dagster/table_name": file} if file else {}, kinds=kinds, tags={"layer": layer}
            )
        return spec

    return map_asset_specs(describe, assets)

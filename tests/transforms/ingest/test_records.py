"""The canonical record shapes against the warehouse DDL (generated from the table catalogue): the columns ``records`` calls required are exactly
those the tables declare NOT NULL, so the defence before a write (quality.constraints) checks what the write
would check."""

import duckdb
import pytest

from transforms.ingest.records import (
    OBSERVATION_REQUIRED,
    OBSERVATION_SCHEMA,
    REJECT_REQUIRED,
    REJECT_SCHEMA,
    RESPONSE_REQUIRED,
    RESPONSE_SCHEMA,
)
from warehouse.schema import schema_sql


@pytest.mark.parametrize(
    "table, schema, required",
    [
        ("staging.observations", OBSERVATION_SCHEMA, OBSERVATION_REQUIRED),
        ("staging.questionnaire_responses", RESPONSE_SCHEMA, RESPONSE_REQUIRED),
        ("quality.quarantine", REJECT_SCHEMA, REJECT_REQUIRED),
    ],
)
def test_required_columns_are_the_tables_not_null_columns(table, schema, required):
    conn = duckdb.connect()
    conn.execute(schema_sql())
    columns = conn.execute(
        "SELECT column_name, is_nullable FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
        table.split("."),
    ).fetchall()
    not_null = {c for c, nullable in columns if not nullable}
    assert set(required) == not_null & set(schema)
    assert set(schema) <= {c for c, _ in columns}

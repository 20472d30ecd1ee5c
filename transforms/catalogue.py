"""The table catalogue (``transforms/config/tables.toml``): every warehouse table's schema, key, day column,
columns with their types, the upstream gates of its asset, its check suite and its lake layout, declared
once. Standard library only, so every layer reads it: the warehouse generates its DDL from it, quality its
key lists, the pipelines their upstream gates, the transforms the columns and dtypes of the frames they build.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_FILE = Path(__file__).parent / "config" / "tables.toml"
LAKE_LAYOUTS = ("whole", "append", "local")
LAKE_PARTITION_KEYS = ("file", "asset", "day")
_COLUMN = re.compile(r"^(?P<type>[A-Z]+)(?P<not_null> NOT NULL)?(?: DEFAULT (?P<default>\S+))?$")
# DuckDB type → the pandas dtype of a frame column holding it (integers that may be NULL: the nullable Int64)
_DTYPES = {
    "VARCHAR": "string",
    "DATE": "datetime64[s]",
    "TIMESTAMP": "datetime64[s]",
    "DOUBLE": "float64",
    "BOOLEAN": "bool",
    "INTEGER": "int64",
    "BIGINT": "int64",
}


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # DuckDB type name
    not_null: bool
    default: str | None = None

    @property
    def dtype(self) -> str:
        """The pandas dtype of a frame column holding this column's values."""
        dtype = _DTYPES[self.sql_type]
        return "Int64" if dtype == "int64" and not self.not_null else dtype

    @property
    def ddl(self) -> str:
        return " ".join(
            [
                self.name,
                self.sql_type,
                *(["NOT NULL"] if self.not_null else []),
                *(["DEFAULT", self.default] if self.default else []),
            ]
        )


@dataclass(frozen=True)
class TableSpec:
    name: str  # short name, unique across schemas (the asset, suite and frame name)
    schema: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    day_column: str | None = None
    partitioned: bool = False
    checked: bool = False
    skips_blocked: tuple[str, ...] = ()
    missing_blocked: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    lake: str | tuple[tuple[str, str], ...] = "local"

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def frame_schema(self, exclude: tuple[str, ...] = ()) -> dict[str, str]:
        """Column → pandas dtype of a frame of this table's rows (``exclude``: columns the writer adds)."""
        return {c.name: c.dtype for c in self.columns if c.name not in exclude}

    def required(self, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The NOT NULL columns (a row without one of them cannot be written)."""
        return tuple(c.name for c in self.columns if c.not_null and c.name not in exclude)

    @property
    def check_index(self) -> list[str]:
        """The columns a failing check names its rows by: the key, and the day the row falls on."""
        day = [self.day_column] if self.day_column and self.day_column not in self.key else []
        return [*self.key, *day]


@cache
def tables() -> dict[str, TableSpec]:
    """Every table of the catalogue by short name, in the file's order."""
    with open(CATALOGUE_FILE, "rb") as fh:
        raw = tomllib.load(fh)
    return {name: _table(name, spec) for name, spec in raw.items()}


def table(name: str) -> TableSpec:
    return tables()[name]


def partitioned() -> dict[str, TableSpec]:
    """The tables a daily asset replaces by day ranges."""
    return {name: t for name, t in tables().items() if t.partitioned}


def _table(name: str, spec: dict) -> TableSpec:
    where = f"{CATALOGUE_FILE.name} [{name}]"
    columns = []
    for column, text in spec.pop("columns").items():
        match = _COLUMN.match(text)
        if match is None or match["type"] not in _DTYPES:
            raise ValueError(f"{where}: column {column} = {text!r} is not 'TYPE [NOT NULL] [DEFAULT value]'")
        columns.append(Column(column, match["type"], bool(match["not_null"]), match["default"]))
    lake = spec.pop("lake", "local")
    if isinstance(lake, dict):
        if not lake or set(lake) - set(LAKE_PARTITION_KEYS):
            raise ValueError(f"{where}: lake partitions are keyed by {', '.join(LAKE_PARTITION_KEYS)}, not {lake}")
        lake = tuple(lake.items())
    elif lake not in LAKE_LAYOUTS:
        raise ValueError(f"{where}: lake must be one of {', '.join(LAKE_LAYOUTS)} or a partition table, not {lake!r}")
    lists = {k: tuple(spec.pop(k, ())) for k in ("key", "skips_blocked", "missing_blocked", "reads")}
    out = TableSpec(name=name, columns=tuple(columns), lake=lake, **lists, **spec)
    named = set(out.column_names)
    for used in (*out.key, *([out.day_column] if out.day_column else [])):
        if used not in named:
            raise ValueError(f"{where}: {used} is not one of its columns")
    return out

"""Publishing ``analytics.duckdb``: the analysts' copy of the warehouse.

Analysts never open the pipeline's own database (DuckDB has one writer, and even a read-only reader blocks
it). ``$WELLNESS_HOME/analytics.duckdb`` is a symbolic link to one *generation*,
``.analytics.generations/<id>/analytics.duckdb``; two generations are kept. After each successful run the
pipeline patches the other (spare) generation with the day ranges it lacks (those the last publication and
this one rewrote), then points the link at it (an atomic ``rename(2)`` of a new link over the old). A reader
holding the old generation keeps reading the old, complete state; its next connection opens the new one.
Nothing is copied whole, so a nightly run of a large cohort costs a few days of rows, not a copy of every
table.

When the spare cannot be patched (an analyst still holds it open from two publications ago, its file is
missing or damaged, or it was built for another warehouse or layout), a new generation is made by copying
the current one (the cost of a file copy, as before) or, when the current one is unusable too, built from
scratch. A crash before the link moves leaves analysts the previous generation; the next publication
re-applies what had not been published (``ops.publish_pending`` is cleared last).

Layout of the published file: DuckDB names a file's catalog after the file (the link's target, hence every
generation is a file named ``analytics.duckdb``), so a schema ``analytics`` inside it would make
``analytics.drift`` ambiguous. The analytics tables therefore sit in the file's default schema and analysts
still write ``analytics.drift``; quality tables are in schema ``quality``. ``quality.quarantine`` is
published without its ``raw`` column (the verbatim record can hold device account ids).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import duckdb

from warehouse.connection import sql, sql_string, transaction
from warehouse.dictionary import comment_statements, dictionary_digest
from warehouse.schema import daily_wide_sql, schema_sql
from warehouse.tables import PARTITIONED

PUBLISHED_SCHEMAS = ("analytics", "quality")
WITHHELD_COLUMNS = {("quality", "quarantine"): {"raw"}}
# Text a published table may carry at most, per column: a quarantine reason or locator is bounded however
# long the record it describes (ingestion bounds them too; this holds for rows of older versions).
BOUNDED_COLUMNS = {("quality", "quarantine"): {"reason": 300, "locator": 300}}
LAYOUT_VERSION = "3"  # bump when what is published changes shape beyond the SQL files hashed below
KEPT_GENERATIONS = 2


class _Unusable(Exception):
    """A generation that cannot be patched (locked by a reader, missing or damaged)."""


def generations_dir(target: Path) -> Path:
    return target.with_name(f".{target.stem}.generations")


def current_generation(target: Path) -> Path | None:
    """The generation directory ``target`` links to, or None (no link yet, or a file from an older layout)."""
    if not target.is_symlink():
        return None
    linked = (target.parent / os.readlink(target)).parent
    home = generations_dir(target)
    return linked if linked.parent.resolve() == home.resolve() and linked.is_dir() else None


def usable_generations(conn: duckdb.DuckDBPyConnection, target: str | Path) -> int:
    """How many generations of ``target`` were built from this warehouse with the current layout."""
    home = generations_dir(Path(target))
    stamp = _stamp(conn)
    return sum(
        1
        for gen in (home.iterdir() if home.exists() else ())
        if gen.is_dir() and (_state(gen) or {}).get("stamp") == stamp
    )


def publish(wh, target: str | Path) -> dict[str, int]:
    """Make ``target`` current with the warehouse ``wh`` (a warehouse.storage.Warehouse): the DuckDB file
    patches a spare generation (:func:`publish_generation`), a lake rebuilds the file (:func:`publish_rebuilt`).
    Returns rows per published table."""
    return wh.publish(Path(target))


def publish_generation(conn: duckdb.DuckDBPyConnection, target: Path) -> dict[str, int]:
    """Bring a spare generation up to date with the warehouse (``conn``: the open warehouse) and point
    ``target`` at it atomically. Returns rows per published table.

    A generation's ``state.json`` holds the warehouse identity and layout it was built for (``stamp``) and
    the day ranges it lacks (``lag``: rewritten and published since it was last current). The spare is
    patched with ``lag`` plus the pending ranges (``ops.publish_pending``, recorded in the same transaction as
    the rows): those days are deleted and re-copied; the small unpartitioned tables (episodes, quality) are
    copied whole."""
    home = generations_dir(target)
    home.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    stamp = _stamp(conn)
    pending = [
        list(map(str, row))
        for row in conn.execute("SELECT table_name, first_day, last_day FROM ops.publish_pending").fetchall()
    ]
    current = current_generation(target)
    states = {gen: _state(gen) for gen in sorted(home.iterdir()) if gen.is_dir()}
    usable = {gen: st for gen, st in states.items() if st is not None and st["stamp"] == stamp}
    chosen, counts = None, None
    for gen in sorted((g for g in usable if g != current), reverse=True):  # newest spare first
        try:
            counts = _update(conn, gen / target.name, full=False, ranges=usable[gen]["lag"] + pending)
            chosen = gen
            break
        except _Unusable:
            continue
    if chosen is None:
        chosen = home / f"{time.time_ns():x}"
        chosen.mkdir()
        if current in usable:
            shutil.copyfile(current / target.name, chosen / target.name)
            counts = _update(conn, chosen / target.name, full=False, ranges=usable[current]["lag"] + pending)
        else:
            counts = _update(conn, chosen / target.name, full=True, ranges=[])
            _create_views(chosen / target.name)
    for gen, st in usable.items():  # written before the link moves: a crash then only repeats work
        if gen != chosen:
            _write_state(gen, stamp, st["lag"] + pending)
    _write_state(chosen, stamp, [])
    _point(target, chosen / target.name)
    if pending:
        with transaction(conn):  # only what was applied: a run committing meanwhile keeps its own rows
            conn.executemany(
                "DELETE FROM ops.publish_pending WHERE table_name = ? AND first_day = ? AND last_day = ?", pending
            )
    _prune(home, keep={chosen, current})
    return counts


def _state(gen: Path) -> dict | None:
    try:
        state = json.loads((gen / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and {"stamp", "lag"} <= set(state) else None


def _write_state(gen: Path, stamp: str, lag: list) -> None:
    merged = sorted({tuple(r) for r in lag})
    tmp = gen / "state.json.tmp"
    tmp.write_text(json.dumps({"stamp": stamp, "lag": [list(r) for r in merged]}))
    os.replace(tmp, gen / "state.json")


def _point(target: Path, file: Path) -> None:
    link = target.with_name(f".{target.name}.{os.getpid()}.link")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(file, target.parent), link)
    os.replace(link, target)


def _prune(home: Path, keep: set) -> None:
    """Generations beyond the current and the previous one are deleted (a reader still holding one keeps
    reading it: the file goes when its last handle closes)."""
    gens = sorted((g for g in home.iterdir() if g.is_dir()), reverse=True)
    kept = [g for g in gens if g in keep][:KEPT_GENERATIONS]
    for gen in gens:
        if gen not in kept:
            shutil.rmtree(gen, ignore_errors=True)


def _remove_leftovers(target: Path) -> None:
    """Half-made links of crashed publications, and the mirror files of the layout before generations."""
    for stale in target.parent.glob(f".{target.name}.*.link"):
        stale.unlink(missing_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.building*"):
        stale.unlink(missing_ok=True)
    for old in (f".{target.stem}.mirror.duckdb", f".{target.stem}.mirror.duckdb.wal", f".{target.stem}.mirror.json"):
        (target.parent / old).unlink(missing_ok=True)


def _stamp(conn: duckdb.DuckDBPyConnection) -> str:
    identity = conn.execute("SELECT min(id) FROM ops.warehouse_identity").fetchone()[0]
    layout = hashlib.sha256(
        (LAYOUT_VERSION + schema_sql() + sql("published_views") + dictionary_digest()).encode()
    ).hexdigest()
    return f"{identity} {layout}"


def _published_tables(conn) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name IN ('analytics', 'quality') "
        "ORDER BY schema_name, table_name"
    ).fetchall()


def _update(conn, file: Path, full: bool, ranges: list) -> dict[str, int]:
    """Patch (or, ``full``, fill) the published file ``file`` from the warehouse in one transaction on it:
    for partitioned tables the days in ``ranges`` (``[table, first_day, last_day]``) are deleted and copied
    again; the other published tables are replaced whole. Raises _Unusable when ``file`` cannot be opened
    for writing (a reader holds it, or it is missing or damaged) and is not to be built from scratch."""
    partitioned = {t.name: t for t in PARTITIONED.values()}
    by_table: dict[str, list] = {}
    for name, first, last in sorted({tuple(r) for r in ranges}):
        by_table.setdefault(name, []).append((first, last))
    if not full and not file.exists():
        raise _Unusable(file)
    try:
        conn.execute(f"ATTACH '{sql_string(file)}' AS mirror")
    except duckdb.Error as exc:
        if full:
            raise
        raise _Unusable(file) from exc
    counts: dict[str, int] = {}
    # copies run in parallel when DuckDB need not keep the source's row order (analysts' queries set their own)
    conn.execute("SET preserve_insertion_order = false")
    try:
        conn.execute("BEGIN TRANSACTION")  # one transaction on the file: a crash leaves its previous state
        try:
            conn.execute("CREATE SCHEMA IF NOT EXISTS mirror.quality")
            for schema, table in _published_tables(conn):
                source = f"{schema}.{table}"
                dest = f"mirror.main.{table}" if schema == "analytics" else f"mirror.quality.{table}"
                columns = _published_columns(schema, table)
                spec = partitioned.get(source)
                if full or spec is None:
                    conn.execute(f"CREATE OR REPLACE TABLE {dest} AS SELECT {columns} FROM {source}")
                else:
                    for first, last in by_table.get(source, []):
                        conn.execute(f"DELETE FROM {dest} WHERE {spec.day_column} BETWEEN ? AND ?", [first, last])
                        conn.execute(
                            f"INSERT INTO {dest} SELECT {columns} FROM {source} "
                            f"WHERE {spec.day_column} BETWEEN ? AND ?",
                            [first, last],
                        )
                counts[source] = conn.execute(f"SELECT count(*) FROM {dest}").fetchone()[0]
            _document(conn, "mirror")  # a table replaced whole has lost its comments
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("CHECKPOINT mirror")
    finally:
        conn.execute("RESET preserve_insertion_order")
        conn.execute("DETACH mirror")
    return counts


def _document(conn, catalog: str) -> None:
    """``COMMENT ON`` every table, view and column of the published file attached as ``catalog``, from the
    data dictionary (warehouse/dictionary.py)."""
    objects = conn.execute(
        "SELECT 'TABLE', schema_name, table_name FROM duckdb_tables() WHERE database_name = $1 "
        "UNION ALL SELECT 'VIEW', schema_name, view_name FROM duckdb_views() WHERE database_name = $1 AND NOT internal "
        "ORDER BY 2, 3",
        [catalog],
    ).fetchall()
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in conn.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = ? "
        "ORDER BY column_index",
        [catalog],
    ).fetchall():
        columns.setdefault((schema, table), []).append(column)
    quoted = '"' + catalog.replace('"', '""') + '"'
    described = [
        (kind, schema, f"{'analytics' if schema == 'main' else schema}.{name}", columns.get((schema, name), []))
        for kind, schema, name in objects
    ]
    for statement in comment_statements(quoted, described):
        conn.execute(statement)


def _published_columns(schema: str, table: str) -> str:
    """The select list that publishes ``schema.table``: without its withheld columns, long texts cut."""
    withheld = WITHHELD_COLUMNS.get((schema, table))
    bounded = BOUNDED_COLUMNS.get((schema, table), {})
    columns = "*" + (f" EXCLUDE ({', '.join(sorted(withheld))})" if withheld else "")
    if bounded:
        columns += " REPLACE (" + ", ".join(f"left({c}, {n}) AS {c}" for c, n in bounded.items()) + ")"
    return columns


def publish_rebuilt(conn, ddl_tables: list[tuple[str, str]], target: Path) -> dict[str, int]:
    """Build ``target`` from a lake (``conn`` of ``warehouse.lake.connect``, whose tables are
    ``ddl_tables``, (schema, table) pairs): every published table copied
    from its Parquet files into a new file next to ``target`` (the same layout, types and views as the
    embedded profile's), then renamed over it. Always a full build: there is no mirror to patch, and
    reading Parquet is the fast part."""
    building = target.with_name(f".{target.name}.{os.getpid()}.building")
    for stale in target.parent.glob(f".{target.name}.*.building*"):
        stale.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    conn.execute(f"ATTACH '{sql_string(building)}' AS building")
    try:
        conn.execute("CREATE SCHEMA building.quality")
        for schema, table in ddl_tables:
            if schema not in PUBLISHED_SCHEMAS:
                continue
            dest = f"building.main.{table}" if schema == "analytics" else f"building.quality.{table}"
            columns = _published_columns(schema, table)
            conn.execute(f"CREATE TABLE {dest} AS SELECT {columns} FROM memory.{schema}.{table}")
            counts[f"{schema}.{table}"] = conn.execute(f"SELECT count(*) FROM {dest}").fetchone()[0]
        _document(conn, "building")
        conn.execute("CHECKPOINT building")
    finally:
        conn.execute("DETACH building")
    _create_views(building)
    os.replace(building, target)
    return counts


def _create_views(path: Path) -> None:
    """The published views (warehouse/sql/published_views.sql and ``daily_wide``), created inside the file at
    ``path`` with their comments."""
    views = duckdb.connect(str(path))
    try:
        views.execute(sql("published_views"))
        views.execute(f"CREATE OR REPLACE VIEW daily_wide AS {daily_wide_sql('daily_metrics')}")
        _document(views, views.execute("SELECT current_database()").fetchone()[0])
        views.execute("CHECKPOINT")
    finally:
        views.close()


def undocumented_objects(target: str | Path) -> list[str]:
    """Tables, views and columns of the published file ``target`` without a COMMENT (should be none)."""
    conn = duckdb.connect(str(target), read_only=True)
    try:
        return [
            name
            for (name,) in conn.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                "WHERE database_name = current_database() AND coalesce(comment, '') = '' "
                "UNION ALL SELECT schema_name || '.' || view_name FROM duckdb_views() "
                "WHERE database_name = current_database() AND NOT internal AND coalesce(comment, '') = '' "
                "UNION ALL SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND coalesce(comment, '') = '' ORDER BY 1"
            ).fetchall()
        ]
    finally:
        conn.close()

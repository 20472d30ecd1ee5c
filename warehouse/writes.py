"""Idempotent writes. Each replaces a well-defined slice (a day range of a table, or every row that came
from a set of landing files) inside one transaction, so re-running anything never duplicates rows."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import duckdb
import pandas as pd

from warehouse import lake, tables
from warehouse.connection import registered, sql, transaction


def replace_days(conn: duckdb.DuckDBPyConnection, table: tables.Table, frame: pd.DataFrame,
                 start: dt.date, end: dt.date, keep_days=()) -> int:
    """Delete ``table``'s rows for days start … end, except ``keep_days`` (blocked partitions keep their
    earlier rows), and insert ``frame`` (which must lie in that range and avoid ``keep_days``), in one
    transaction. Returns the number of rows inserted."""
    return replace_days_from_chunks(conn, table, [frame], start, end, keep_days)


def replace_days_from_chunks(conn: duckdb.DuckDBPyConnection, table: tables.Table, frames: Iterable[pd.DataFrame],
                             start: dt.date, end: dt.date, keep_days=()) -> int:
    """``replace_days`` with the new rows arriving as an iterable of frames (e.g. computed a chunk of
    participants at a time, so a large range never sits in memory at once): one delete, one insert per
    frame, one transaction. An exception from the iterable rolls the whole range back."""
    keep = pd.DataFrame({"day": pd.to_datetime(pd.Series(list(keep_days), dtype="object")).astype("datetime64[s]")})

    def checked(frame):
        days = pd.to_datetime(frame[table.day_column])
        if days.min() < pd.Timestamp(start) or days.max() > pd.Timestamp(end):
            raise ValueError(f"{table.name}: rows outside the partition range {start} … {end}")
        if days.isin(keep["day"]).any():
            raise ValueError(f"{table.name}: rows on blocked days")
        return frame

    n = 0
    if lake.root_of(conn):
        with lake.staged(conn, table.name) as stage:
            for frame in frames:
                if len(frame):
                    with registered(conn, "incoming", checked(frame)):
                        stage.add("SELECT * FROM incoming")
            return stage.replace(lake.days(start, end, keep_days))
    with transaction(conn), registered(conn, "kept_days", keep):
        conn.execute(table.delete_days_except_sql, [start, end])
        conn.execute("INSERT INTO ops.publish_pending VALUES (?, ?, ?)", [table.name, start, end])
        for summary in tables.SUMMARIES_READING.get(table.name, ()):
            conn.execute("INSERT INTO ops.summary_pending VALUES (?, ?, ?)", [summary, start, end])
        for frame in frames:
            if not len(frame):
                continue
            with registered(conn, "incoming", checked(frame)):
                conn.execute(table.insert_frame_sql)
            n += len(frame)
    return n


def replace_blocked_days(conn: duckdb.DuckDBPyConnection, asset: str, start: dt.date, end: dt.date,
                         blocked: pd.DataFrame) -> None:
    """Make ``quality.blocked_partitions`` hold exactly ``blocked`` (day, reason, run_id, blocked_at) for
    ``asset`` within start … end."""
    if lake.root_of(conn):
        with lake.staged(conn, "quality.blocked_partitions") as stage, \
                registered(conn, "incoming_blocked", blocked.assign(asset=asset)):
            stage.add("SELECT * FROM incoming_blocked")
            stage.replace((asset, day) for (day,) in lake.days(start, end))
        return
    with transaction(conn), registered(conn, "incoming_blocked", blocked.assign(asset=asset)):
        conn.execute(sql("delete_blocked_days"), [asset, start, end])
        if len(blocked):
            conn.execute(sql("insert_blocked_days"))


def replace_file_batch(conn: duckdb.DuckDBPyConnection, files: pd.DataFrame, observations: pd.DataFrame,
                       responses: pd.DataFrame, rejects: pd.DataFrame) -> list[dt.date]:
    """Make the warehouse hold exactly the given versions of the files in ``files``.

    In one transaction: every staging and quarantine row from those paths is deleted, their earlier
    versions in ops.ingested_files are marked ``superseded``, and the new rows and file records inserted.
    Returns the days that held rows of the replaced versions (they need recomputing even when the new
    version has no rows on them).

    In a lake (``warehouse.lake``) each file's rows are one partition per table, replaced by rename, the file
    records last: a crash midway leaves those files unrecorded, so the next ingestion replaces them again.
    """
    if lake.root_of(conn):
        return _replace_file_batch_in_lake(conn, files, observations, responses, rejects)
    with transaction(conn), registered(conn, "incoming_files", files[["path"]]):
        removed_days = [row[0] for row in conn.execute(sql("days_of_file_rows")).fetchall()]
        conn.execute(sql("delete_file_rows"))
        for name, frame, target in (("incoming_observations", observations, "staging.observations"),
                                    ("incoming_responses", responses, "staging.questionnaire_responses"),
                                    ("incoming_rejects", rejects, "quality.quarantine"),
                                    ("incoming_file_rows", files, "ops.ingested_files")):
            if len(frame):
                with registered(conn, name, frame):
                    conn.execute(INSERT_BY_NAME[target])
    return removed_days


def _replace_file_batch_in_lake(conn, files, observations, responses, rejects) -> list[dt.date]:
    keys = lake.file_keys(conn, files)
    with registered(conn, "incoming_files", files[["path"]]):
        removed_days = [row[0] for row in conn.execute(sql("days_of_file_rows")).fetchall()]
        for name, frame, target in (("incoming_observations", observations, "staging.observations"),
                                    ("incoming_responses", responses, "staging.questionnaire_responses"),
                                    ("incoming_rejects", rejects, "quality.quarantine"),
                                    ("incoming_file_rows", files, "ops.ingested_files")):
            with lake.staged(conn, target) as stage, registered(conn, name, frame):
                if target == "ops.ingested_files":  # earlier versions stay, marked superseded
                    stage.add("SELECT * REPLACE ('superseded' AS status) FROM ops.ingested_files "
                              "WHERE path IN (SELECT path FROM incoming_files)")
                if len(frame):
                    stage.add(f"SELECT * FROM {name}")
                stage.replace(keys)
    return removed_days


INSERT_BY_NAME = {
    "staging.observations": "INSERT INTO staging.observations BY NAME SELECT * FROM incoming_observations",
    "staging.questionnaire_responses":
        "INSERT INTO staging.questionnaire_responses BY NAME SELECT * FROM incoming_responses",
    "quality.quarantine": "INSERT INTO quality.quarantine BY NAME SELECT * FROM incoming_rejects",
    "ops.ingested_files": "INSERT INTO ops.ingested_files BY NAME SELECT * FROM incoming_file_rows",
}


def append_check_results(conn: duckdb.DuckDBPyConnection, results: pd.DataFrame) -> None:
    """Record check outcomes (a history: each run appends its results)."""
    if len(results) and lake.root_of(conn):
        with lake.staged(conn, "quality.check_results") as stage, registered(conn, "incoming_checks", results):
            stage.add("SELECT * FROM incoming_checks")
            stage.append()
    elif len(results):
        with transaction(conn), registered(conn, "incoming_checks", results):
            conn.execute("INSERT INTO quality.check_results BY NAME SELECT * FROM incoming_checks")


def replace_table(conn: duckdb.DuckDBPyConnection, table: tables.Table, frame: pd.DataFrame) -> int:
    """Replace every row of ``table`` with ``frame`` in one transaction (small summary tables)."""
    if lake.root_of(conn):
        with lake.staged(conn, table.name) as stage, registered(conn, "incoming", frame):
            if len(frame):
                stage.add("SELECT * FROM incoming")
            return stage.whole()
    with transaction(conn), registered(conn, "incoming", frame):
        conn.execute(table.delete_all_sql)
        if len(frame):
            conn.execute(table.insert_all_sql)
    return len(frame)


def replace_episodes(conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Make analytics.episodes hold ``frame`` for the series in ``episode_candidates`` and clear the day ranges
    that selected them, in one transaction (on a lake, where every flagged series is a candidate, the whole
    table is replaced)."""
    if lake.root_of(conn):
        return replace_table(conn, tables.EPISODES, frame)
    with transaction(conn), registered(conn, "incoming", frame):
        conn.execute(f"DELETE FROM {tables.EPISODES.name} e USING episode_candidates c "
                     "WHERE e.participant_id = c.participant_id AND e.metric = c.metric")
        if len(frame):
            conn.execute(tables.EPISODES.insert_all_sql)
        conn.execute("DELETE FROM ops.summary_pending WHERE summary = 'episodes'")
    return len(frame)

"""Reads used by the pipeline. Values are passed as parameters."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from warehouse import tables
from warehouse.connection import registered, sql


def current_file_versions(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest recorded version of every landing path: path, sha256, source_format,
    participant_map_sha256, status."""
    return conn.execute(sql("current_file_versions")).df()


def current_landing_files(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest recorded version of every landing path with its status and message (what the ingestion
    check judges and the CLI lists)."""
    return conn.execute(sql("current_landing_files")).df()


def days(conn: duckdb.DuckDBPyConnection, table: tables.Table, start: dt.date, end: dt.date) -> pd.DataFrame:
    """All rows of ``table`` with day in start … end."""
    return conn.execute(table.select_days_sql, [start, end]).df()


def observations_for_days(conn, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The observations that count (a record in several files once: counted_observations.sql), start … end."""
    return conn.execute(sql("counted_observations"), [start, end]).df()


def observations_of_metric(conn, metric: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The observations of one metric that count, with day in start … end."""
    return conn.execute(f"SELECT * FROM ({sql('counted_observations')}) WHERE metric = ?", [start, end, metric]).df()


def responses_for_days(conn, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The questionnaire answers that count (counted_responses.sql), start … end."""
    return conn.execute(f"SELECT * FROM ({sql('counted_responses')}) WHERE day BETWEEN ? AND ?", [start, end]).df()


ALL_PARTICIPANTS = ("", chr(0x10FFFF))  # every id sorts between these


def daily_values_for_days(
    conn, start: dt.date, end: dt.date, min_coverage: float, participants: tuple[str, str] = ALL_PARTICIPANTS
) -> pd.DataFrame:
    """participant_id, day, metric, value of days whose coverage passes ``min_coverage``, for participant ids
    in ``participants`` (first, last; inclusive)."""
    return _labels_as_categories(
        conn, sql("daily_values_for_days"), [start, end, min_coverage, *participants], ["participant_id", "metric"]
    )


def series_spans(conn, participants: tuple[str, str] = ALL_PARTICIPANTS) -> pd.DataFrame:
    """participant_id, metric, first_day, last_day: each participant·metric's first and last day with an
    observation (participant ids in ``participants``, inclusive), as ops.series_spans keeps them."""
    return conn.execute(sql("series_spans"), [*participants, *participants]).df()


def _labels_as_categories(conn, query: str, params: list, labels: list[str]) -> pd.DataFrame:
    """The result of ``query`` with the ``labels`` columns as categoricals whose categories are sorted (what
    ``pd.factorize(..., sort=True)`` of the strings gives), through Arrow: a few thousand distinct ids over
    millions of rows cost one dictionary, not a Python string per row (~2× faster to read and to pivot)."""
    table = conn.sql(query, params=params).to_arrow_table()
    frame = table.to_pandas(strings_to_categorical=True, date_as_object=False)
    for column in labels:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.reorder_categories(sorted(frame[column].cat.categories))
    return frame


def participant_chunks(
    conn, start: dt.date, end: dt.date, size: int, among_episode_candidates: bool = False
) -> list[tuple[str, str]]:
    """(first id, last id) of consecutive chunks of at most ``size`` participants with daily metrics in
    start … end (with ``among_episode_candidates``: of the participants in ``episode_candidates``), one chunk
    covering everyone when there are none."""
    query = sql("participants_in_days")
    if among_episode_candidates:
        query = "SELECT DISTINCT participant_id FROM episode_candidates ORDER BY participant_id"
    ids = [r[0] for r in conn.execute(query, [] if among_episode_candidates else [start, end]).fetchall()]
    if not ids:
        return [ALL_PARTICIPANTS]
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def data_day_range(conn: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """First and last day with any ingested observation or questionnaire answer."""
    first, last = conn.execute(sql("data_day_range")).fetchone()
    return first, last


def blocked_days(conn: duckdb.DuckDBPyConnection, assets: list[str], start: dt.date, end: dt.date) -> set[dt.date]:
    """Days in start … end on which any of ``assets`` is blocked (quality.blocked_partitions)."""
    if not assets:
        return set()
    rows = conn.execute(sql("blocked_days"), [assets, start, end]).fetchall()
    return {r[0] for r in rows}


def responses_until(conn: duckdb.DuckDBPyConnection, participants_from: dt.date, end: dt.date) -> pd.DataFrame:
    """Every questionnaire answer up to ``end`` of the participants who answered in participants_from … end."""
    return conn.execute(
        f"SELECT * FROM ({sql('counted_responses')}) WHERE participant_id IN ({sql('responses_until')}) AND day <= ?",
        [participants_from, end, end],
    ).df()


def drift_for_proxies(
    conn: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, participants: tuple[str, str] = ALL_PARTICIPANTS
) -> pd.DataFrame:
    return conn.execute(sql("drift_for_proxies"), [start, end, *participants]).df()


def select_episode_candidates(wh) -> str:
    """Fill the temporary table ``episode_candidates`` (participant_id, metric) of ``wh.conn`` with the series
    whose episodes are to be computed, and say which: ``"changed"``, the series the day ranges rewritten since
    the last update can change (episode_candidates_affected.sql; the DuckDB file records those ranges), or
    ``"all"``, every series with a flagged day (a lake keeps no such record)."""
    query, scope = wh.episode_candidates_sql()
    wh.conn.execute("CREATE OR REPLACE TEMP TABLE episode_candidates AS " + query)
    return scope


def episode_inputs(
    conn: duckdb.DuckDBPyConnection, participants: tuple[str, str] = ALL_PARTICIPANTS
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Flagged drift days, the baselines of those days, and the daily values from the first flagged day on,
    of the series in ``episode_candidates`` (select_episode_candidates) with participant ids in
    ``participants``."""
    none = conn.execute("SELECT count(*) = 0 FROM episode_candidates").fetchone()[0]

    def read(name, params):  # no candidates (nothing changed): the columns without scanning the tables
        query = sql(name)
        return conn.execute(f"SELECT * FROM ({query}) LIMIT 0" if none else query, params).df()

    flags = read("episode_flags", [*participants])
    with registered(conn, "episode_flag_days", flags):  # analytics.drift scanned once, not three times
        bands = read("episode_baselines", [*participants])
        values = read("episode_values", [*participants])
    return flags, bands, values


def episode_totals(conn: duckdb.DuckDBPyConnection) -> tuple[int, int, float | None]:
    """Episodes, recovered episodes and their median recovery_days, over analytics.episodes."""
    total, recovered, median = conn.execute(
        "SELECT count(*), count(recovery_days), median(recovery_days) FROM analytics.episodes"
    ).fetchone()
    return int(total), int(recovered), None if median is None else float(median)

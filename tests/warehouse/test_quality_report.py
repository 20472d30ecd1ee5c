"""quality.participant_coverage: kept up to date from monthly partial sums, equal at every step to a direct
pandas computation over analytics.daily_metrics."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from warehouse import tables, writes
from warehouse.connection import connect
from warehouse.embedded import DuckDBFileWarehouse
from warehouse.quality_report import refresh_participant_coverage

SOURCES = {
    "steps": "fitabase_daily_activity",
    "active_minutes": "fitabase_daily_activity",
    "sleep_minutes": "fitbit_takeout_sleep",
}


def _daily(first: dt.date, last: dt.date, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range(first, last, freq="D")
    frame = pd.MultiIndex.from_product(
        [["P1", "P2", "P3"], days, list(SOURCES)], names=["participant_id", "day", "metric"]
    ).to_frame(index=False)
    frame = frame[rng.random(len(frame)) < 0.8].reset_index(drop=True)  # days and metrics missing at random
    frame["source"] = frame["metric"].map(SOURCES)
    frame["value"] = rng.uniform(1, 100, len(frame))
    frame["unit"] = "x"
    frame["n_obs"] = 1
    coverage = rng.uniform(0, 1, len(frame))
    frame["coverage"] = np.where(rng.random(len(frame)) < 0.3, np.nan, coverage)  # unknown coverage too
    frame["day"] = frame["day"].astype("datetime64[s]")
    return frame


def _reference(daily: pd.DataFrame, min_coverage: float) -> pd.DataFrame:
    """The definition, directly: per participant·source·day the lowest coverage; then per participant·source."""
    per_day = (
        daily.groupby(["participant_id", "source", "day"])
        .agg(coverage=("coverage", "min"), has_sleep=("metric", lambda m: (m == "sleep_minutes").any()))
        .reset_index()
    )
    per_day["signal"] = per_day["coverage"].isna() | (per_day["coverage"] >= min_coverage)
    per_day["low"] = per_day["coverage"].notna() & (per_day["coverage"] < min_coverage)
    out = (
        per_day.groupby(["participant_id", "source"])
        .agg(
            first_day=("day", "min"),
            last_day=("day", "max"),
            days_with_signal=("signal", "sum"),
            low_coverage_days=("low", "sum"),
            nights_with_sleep=("has_sleep", "sum"),
            mean_coverage=("coverage", "mean"),
        )
        .reset_index()
    )
    out["days_in_span"] = (out["last_day"] - out["first_day"]).dt.days + 1
    out["data_yield"] = (out["days_with_signal"] / out["days_in_span"]).round(4)
    return out


def _assert_matches(conn, daily: pd.DataFrame, min_coverage: float) -> None:
    got = conn.execute("SELECT * FROM quality.participant_coverage").df()
    want = _reference(daily, min_coverage)
    merged = want.merge(got, on=["participant_id", "source"], suffixes=("_want", "_got"), validate="1:1")
    assert len(merged) == len(want) == len(got)
    for column in ("days_in_span", "days_with_signal", "low_coverage_days", "nights_with_sleep"):
        assert (merged[f"{column}_want"].astype(int) == merged[f"{column}_got"].astype(int)).all(), column
    for column in ("first_day", "last_day"):
        assert (pd.to_datetime(merged[f"{column}_want"]) == pd.to_datetime(merged[f"{column}_got"])).all(), column
    for column in ("mean_coverage", "data_yield"):
        np.testing.assert_allclose(merged[f"{column}_got"], merged[f"{column}_want"], rtol=1e-12, err_msg=column)


@pytest.fixture
def conn(tmp_path):
    conn = connect(tmp_path / "warehouse.duckdb")
    yield conn
    conn.close()


@pytest.fixture
def wh(conn):
    return DuckDBFileWarehouse(conn)


def test_coverage_is_updated_from_the_rewritten_months_and_matches_the_definition(conn, wh):
    first, last = dt.date(2025, 1, 20), dt.date(2025, 4, 10)
    daily = _daily(first, last, seed=1)
    writes.replace_days(wh, tables.DAILY_METRICS, daily, first, last)
    refresh_participant_coverage(wh, 0.5)
    _assert_matches(conn, daily, 0.5)
    assert (
        conn.execute("SELECT count(*) FROM ops.summary_pending WHERE summary = 'participant_coverage'").fetchone()[0]
        == 0
    )
    months_before = conn.execute(
        "SELECT * FROM ops.coverage_months WHERE month < DATE '2025-03-01' ORDER BY ALL"
    ).fetchall()

    # a re-run of late March … early April with other values, and one participant's days removed
    lo, hi = dt.date(2025, 3, 25), dt.date(2025, 4, 5)
    again = _daily(lo, hi, seed=2)
    again = again[~((again["participant_id"] == "P3") & (again["source"] == "fitbit_takeout_sleep"))]
    writes.replace_days(wh, tables.DAILY_METRICS, again, lo, hi)
    daily = pd.concat([daily[(daily["day"] < pd.Timestamp(lo)) | (daily["day"] > pd.Timestamp(hi))], again])
    refresh_participant_coverage(wh, 0.5)
    _assert_matches(conn, daily, 0.5)
    # January and February were not recomputed
    assert (
        conn.execute("SELECT * FROM ops.coverage_months WHERE month < DATE '2025-03-01' ORDER BY ALL").fetchall()
        == months_before
    )


def test_another_threshold_recounts_every_month(conn, wh):
    first, last = dt.date(2025, 5, 1), dt.date(2025, 7, 15)
    daily = _daily(first, last, seed=3)
    writes.replace_days(wh, tables.DAILY_METRICS, daily, first, last)
    refresh_participant_coverage(wh, 0.5)
    refresh_participant_coverage(wh, 0.8)
    _assert_matches(conn, daily, 0.8)

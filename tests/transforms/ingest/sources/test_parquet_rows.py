"""Parquet copies of the Fitabase intraday tables (transforms/ingest/sources/_parquet_rows.py and the Parquet
branch of fitabase_intraday) give the rows, counts and rejects of the CSV they were converted from, whichever
way they were converted, and locate a bad record as ``row N``."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import realdata
from tests.transforms.ingest.sources.test_engine_daily import assert_same_rows, ingest, minutes_file
from transforms.ingest.errors import MalformedFile
from transforms.ingest.inputs import plain_file
from transforms.ingest.parse import ParseContext
from transforms.ingest.sources import _engine_daily, fitabase_intraday
from transforms.ingest.sources import detect as sources_detect

FITABASE_TIME = "%m/%d/%Y %I:%M:%S %p"


def typed_parquet(csv, parquet, time_column: str = "Time", time_format: str = FITABASE_TIME) -> None:
    """The CSV converted with typed columns, as DuckDB or Arrow users do (ids as integers, times as timestamps)."""
    duckdb.execute(
        f"COPY (SELECT * REPLACE (strptime({time_column}, '{time_format}') AS {time_column}) "
        f"FROM read_csv('{csv}', all_varchar = false, types = {{'{time_column}': 'VARCHAR'}})) "
        f"TO '{parquet}' (FORMAT parquet)"
    )


def text_parquet(csv, parquet) -> None:
    """The CSV converted as text, every column a string (pandas with dtype=str)."""
    pd.read_csv(csv, dtype=str, keep_default_na=False).to_parquet(parquet, index=False)


def engine_switch(monkeypatch, on: bool) -> None:
    monkeypatch.setattr(fitabase_intraday, "PARQUET_ENGINE_MIN_BYTES", 0 if on else math.inf)


@pytest.mark.parametrize("convert", [typed_parquet, text_parquet])
@pytest.mark.parametrize("engine", [True, False])
def test_a_parquet_copy_of_heart_rate_gives_the_csv_rows(tmp_path, monkeypatch, convert, engine):
    csv = tmp_path / "heartrate_seconds_merged.csv"
    minutes_file(csv, people=3, days=2, step_minutes=2, fraction=True)
    parquet = tmp_path / "heartrate_seconds_merged.parquet"
    convert(csv, parquet)
    from_csv, csv_rejects, csv_read = ingest(csv, False, monkeypatch)
    engine_switch(monkeypatch, engine)
    folded = []
    read_in_duckdb = _engine_daily.daily_rows
    monkeypatch.setattr(_engine_daily, "daily_rows", lambda *a: folded.append(read_in_duckdb(*a)) or folded[-1])
    from_parquet, parquet_rejects, parquet_read = ingest(parquet, False, monkeypatch)
    assert_same_rows(from_parquet, from_csv)
    assert parquet_read == csv_read == 3 * 2 * 720 and parquet_rejects.empty and csv_rejects.empty
    # DuckDB folds a typed copy; a copy with text times goes through the rules (as does every copy when off)
    assert [f is not None for f in folded] == ([convert is typed_parquet] if engine else [])


def test_bad_parquet_rows_are_quarantined_as_the_csv_lines_are_with_their_row_numbers(tmp_path, monkeypatch):
    csv = tmp_path / "heartrate_seconds_merged.csv"
    lines = minutes_file(csv, people=2, days=1, step_minutes=5)
    lines[10] = lines[10].rsplit(",", 1)[0] + ",400"  # out of range
    lines[20] = "," + lines[20].split(",", 1)[1]  # no id
    lines[30] = lines[30].rsplit(",", 1)[0] + ","  # no value
    csv.write_text("\n".join(lines) + "\n")
    parquet = tmp_path / "heartrate_seconds_merged.parquet"
    typed_parquet(csv, parquet)
    engine_switch(monkeypatch, True)  # tried, declined: the rows go through the rules
    from_parquet, parquet_rejects, parquet_read = ingest(parquet, False, monkeypatch)
    from_csv, csv_rejects, csv_read = ingest(csv, False, monkeypatch)
    assert_same_rows(from_parquet, from_csv)
    assert parquet_read == csv_read
    assert parquet_rejects["locator"].tolist() == ["row 20", "row 30", "row 10"]  # parse's rejects, then the rules'
    assert csv_rejects["locator"].tolist() == ["line 21", "line 31", "line 11"]
    assert parquet_rejects["reason"].tolist() == csv_rejects["reason"].tolist()
    assert parquet_rejects["raw"].iloc[0].startswith(",2016-04-12 ")  # the row's cells, its time in ISO


def test_a_parquet_copy_of_minute_sleep_gives_the_csv_sessions(tmp_path, monkeypatch):
    csv = tmp_path / "minuteSleep_merged.csv"
    night = pd.date_range("2016-04-12 23:00", "2016-04-13 06:59", freq="min")
    pd.DataFrame(
        {
            "Id": 1503960366,
            "date": night.strftime("%-m/%-d/%Y %-I:%M:%S %p"),
            "value": [3 if i % 97 == 0 else 1 for i in range(len(night))],
            "logId": 11380564589,
        }
    ).to_csv(csv, index=False)
    parquet = tmp_path / "minuteSleep_merged.parquet"
    typed_parquet(csv, parquet, time_column="date")
    from_csv, _, csv_read = ingest(csv, False, monkeypatch)
    from_parquet, rejects, parquet_read = ingest(parquet, False, monkeypatch)
    assert_same_rows(from_parquet, from_csv)
    assert parquet_read == csv_read == len(night) and rejects.empty
    assert from_parquet.set_index("metric").loc["sleep_minutes", "value"] > 400


def test_a_parquet_file_of_other_columns_fails_with_its_columns_named(tmp_path):
    path = tmp_path / "other.parquet"
    pd.DataFrame({"user": ["a"], "when": ["2016-04-12"], "bpm": [60]}).to_parquet(path)
    source = plain_file(path, "x/other.parquet")
    assert sources_detect(source) is fitabase_intraday  # by the magic bytes; the columns decide in parse
    with pytest.raises(MalformedFile, match=r"Parquet file with the columns \['user', 'when', 'bpm'\]"):
        list(fitabase_intraday.parse(source, ParseContext("x/other.parquet", "UTC")))


@pytest.mark.realdata
def test_real_hourly_calories_as_parquet_are_recognised_and_ignored(tmp_path, monkeypatch):
    parquet = tmp_path / "hourlyCalories_merged.parquet"
    real = realdata("fitabase_fitbit_2016") / "hourlyCalories_merged.csv"
    typed_parquet(real, parquet, "ActivityHour", "%m/%d/%y %H:%M")  # this export's Excel re-save: 4/12/16 0:00
    result = list(fitabase_intraday.parse(plain_file(parquet, "f/c.parquet"), ParseContext("f/c.parquet", "UTC")))
    assert sum(r.n_records for r in result) == sum(r.n_ignored for r in result) == 22099


def test_a_parquet_column_with_no_text_spelling_fails_with_its_name_and_type(tmp_path):
    path = tmp_path / "heartrate_seconds_merged.parquet"
    pd.DataFrame({"Id": ["1503960366"], "Time": ["2016-04-12 07:21:00"], "Value": [[70, 71]]}).to_parquet(path)
    source = plain_file(path, "f/hr.parquet")
    with pytest.raises(MalformedFile, match=r"Parquet column 'Value' of type list<element: int64> cannot be read"):
        list(fitabase_intraday.parse(source, ParseContext("f/hr.parquet", "UTC")))


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_a_truncated_parquet_file_fails_as_unreadable(tmp_path, keep):
    csv = tmp_path / "heartrate_seconds_merged.csv"
    minutes_file(csv, people=2, days=1)
    parquet = tmp_path / "heartrate_seconds_merged.parquet"
    typed_parquet(csv, parquet)
    data = parquet.read_bytes()
    parquet.write_bytes(data[: int(len(data) * keep)])
    source = plain_file(parquet, "f/hr.parquet")
    assert sources_detect(source) is fitabase_intraday
    with pytest.raises(MalformedFile, match="unreadable Parquet file"):
        list(fitabase_intraday.parse(source, ParseContext("f/hr.parquet", "UTC")))


# Hypothesis: a table with any mix of bad cells, written once as CSV and once as Parquet (typed or as text), gives
# the same daily rows, counts and reject reasons; each reject's row number is its CSV line number − 1.
CELL_IDS = st.sampled_from(["1503960366", "2022484408", "", None])
CELL_TIMES = st.one_of(
    st.datetimes(min_value=dt.datetime(1998, 1, 1), max_value=dt.datetime(2031, 1, 1)).map(
        lambda t: t.replace(microsecond=0)
    ),
    st.none(),
)
CELL_VALUES = st.one_of(
    st.integers(20, 260).map(float), st.floats(allow_nan=True, allow_infinity=True, width=32), st.none()
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(CELL_IDS, CELL_TIMES, CELL_VALUES), min_size=1, max_size=40),
    typed=st.booleans(),
)
def test_fuzz_a_table_as_parquet_reads_as_the_same_table_as_csv(tmp_path, monkeypatch, rows, typed):
    ids, times, values = zip(*rows, strict=True)
    csv = tmp_path / "heartrate_seconds_merged.csv"
    pd.DataFrame(
        {
            "Id": [i or "" for i in ids],
            "Time": [t.strftime("%-m/%-d/%Y %-I:%M:%S %p") if t else "" for t in times],
            "Value": ["" if v is None else f"{v:g}" for v in values],
        }
    ).to_csv(csv, index=False)
    parquet = tmp_path / "heartrate_seconds_merged.parquet"
    if typed:
        pd.DataFrame(
            {
                "Id": pd.Series(ids, dtype="string"),
                "Time": pd.Series(times, dtype="datetime64[s]"),
                "Value": pd.Series(values, dtype="float64"),
            }
        ).to_parquet(parquet, index=False)
    else:
        text_parquet(csv, parquet)
    from_csv, csv_rejects, csv_read = ingest(csv, True, monkeypatch)
    from_parquet, parquet_rejects, parquet_read = ingest(parquet, True, monkeypatch)
    assert parquet_read == csv_read == len(rows)
    assert_same_rows(from_parquet, from_csv)
    key = parquet_rejects["locator"].str.removeprefix("row ").astype(int)
    assert sorted(zip(key, parquet_rejects["reason"], strict=True)) == sorted(
        zip(csv_rejects["locator"].str.removeprefix("line ").astype(int) - 1, csv_rejects["reason"], strict=True)
    )

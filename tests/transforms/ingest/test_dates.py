"""Every vendor spelling of a timestamp, against the values a strict per-format parse gives; day order from a
column's content."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.ingest.dates import infer_day_first, parse_datetimes, parse_timestamps, parse_utc

SPELLINGS = [  # (text, wall clock, offset minutes)
    ("2019-11-02 00:09:30", "2019-11-02 00:09:30", None),  # PMData sleep startTime
    ("2019-11-02T07:19:30.000", "2019-11-02 07:19:30", None),  # PMData sleep endTime
    ("11/01/19 00:00:00", "2019-11-01 00:00:00", None),  # Fitbit takeout
    ("4/12/2016 7:21:00 AM", "2016-04-12 07:21:00", None),  # Fitabase
    ("4/12/2016 12:00:00 AM", "2016-04-12 00:00:00", None),
    ("4/12/2016 12:30:00 PM", "2016-04-12 12:30:00", None),
    ("4/12/16 0:00", "2016-04-12 00:00:00", None),  # Fitabase after an Excel re-save
    ("2020-03-11T06:13:00Z", "2020-03-11 06:13:00", 0),  # sleep_score.csv
    ("2019-11-01T08:37:58.877Z", "2019-11-01 08:37:58.877", 0),  # PMSys
    ("2024-06-23T20:24:26+02:00", "2024-06-23 20:24:26", 120),
    ("2024-06-23T20:24:26-0430", "2024-06-23 20:24:26", -270),
    ("2024-06-23 20:24", "2024-06-23 20:24:00", None),
    ("2024-07-21", "2024-07-21 00:00:00", None),
]


@pytest.mark.parametrize("text, wall, offset", SPELLINGS)
def test_each_vendor_spelling(text, wall, offset):
    got, minutes = parse_timestamps(pd.Series([text, f"  {text} "]))
    assert (got == pd.Timestamp(wall)).all()
    assert minutes.isna().all() if offset is None else (minutes == offset).all()


@pytest.mark.parametrize(
    "text",
    [
        "2019-02-30",
        "2019-13-01",
        "2019-11-01 25:00:00",
        "1/1/2020 13:00 PM",
        "junk",
        "",
        "2019-11-01T08:37:58+25:00",
        "32/01/2019",
        "\u00e9",
    ],
)
def test_impossible_or_foreign_values_are_missing(text):
    wall, offset = parse_timestamps(pd.Series([text, None]))
    assert wall.isna().all() and offset.isna().all()


def test_day_first_is_decided_by_the_content():
    assert infer_day_first(pd.Series(["06/11/2019", "29/03/2020"])) is True
    assert infer_day_first(pd.Series(["06/11/2019", "12/31/2019"])) is False
    assert infer_day_first(pd.Series(["06/11/2019", "01/02/2020"])) is None  # never says
    assert infer_day_first(pd.Series(["29/03/2020", "12/31/2019"])) is None  # contradicts itself
    wall, _ = parse_timestamps(pd.Series(["06/11/2019 21:58:30", "06.11.2019"]), day_first=True)
    assert (wall.dt.date == dt.date(2019, 11, 6)).all()


def test_utc_instants_subtract_the_offset():
    got = parse_utc(pd.Series(["2019-11-01T08:37:58Z", "2019-11-01T09:37:58+01:00", "2019-11-01 08:37:58"]))
    assert (got == pd.Timestamp("2019-11-01 08:37:58")).all()


def test_main_spellings_first_then_every_other():
    text = pd.Series(["4/12/2016 12:00:00 AM", "2016-04-13", "04/14/16 00:00:00", "x"])
    got = parse_datetimes(text, ("%m/%d/%Y %I:%M:%S %p",))
    assert got.tolist()[:3] == [pd.Timestamp("2016-04-12"), pd.Timestamp("2016-04-13"), pd.Timestamp("2016-04-14")]
    assert pd.isna(got.iloc[3])


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)),
    st.sampled_from(
        [
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M:%S.%f",
            "%m/%d/%y %H:%M:%S",
            "%m/%d/%Y %I:%M:%S %p",
            "%Y-%m-%dT%H:%M:%SZ",
            "%d/%m/%Y %H:%M",
        ]
    ),
)
def test_round_trip_against_strftime(moment, spelling):
    """Any moment written in any of the spellings reads back as that moment (to the spelling's precision)."""
    text = moment.strftime(spelling)
    got = parse_timestamps(pd.Series([text]), day_first=spelling.startswith("%d"))[0].iloc[0]
    expected = dt.datetime.strptime(text, spelling)
    if "%y" in spelling:  # a 2-digit year is 20YY here (strptime makes 69–99 into 19YY)
        expected = expected.replace(year=2000 + expected.year % 100)
    assert got == pd.Timestamp(expected)

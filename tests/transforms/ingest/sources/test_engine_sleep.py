"""DuckDB's sleep sessions of clean Fitabase minuteSleep files (transforms/ingest/sources/_engine_sleep.py) give the
daily sleep rows, record counts and (no) rejects of the path they replace (text cells → row rules →
DailyFromSamples → transforms.ingest.samples.sleep_sessions), and decline every file that path would quarantine a
line of."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms.ingest.sources.test_engine_daily import TODAY, assert_same_rows, ingest
from transforms.ingest.sources import _engine_sleep, _sleep_blocks, fitabase_intraday

NAME = "f/minuteSleep_merged.csv"
LAYOUT = (["Id", "date", "value", "logId"], "date", "value", "sleep", "sleep")
ARGS = ("%m/%d/%Y %I:%M:%S %p", LAYOUT, fitabase_intraday.FORMAT, NAME, TODAY)


def stamp(t: pd.Timestamp) -> str:
    return f"{t.month}/{t.day}/{t.year} {t.strftime('%-I:%M:%S %p')}"


def session_lines(account: int, start: str, values: str, log_id: int) -> list[str]:
    """One line a minute from ``start``; ``values`` one character a minute (1 asleep, 2 restless, 3 awake)."""
    t0 = pd.Timestamp(start)
    return [f"{account},{stamp(t0 + pd.Timedelta(minutes=m))},{v},{log_id}" for m, v in enumerate(values)]


def night(n_minutes: int, seed: int) -> str:
    return "".join(
        "3" if m < 8 else "2" if (m * 7 + seed) % 23 == 0 else "3" if m % 97 == 5 else "1" for m in range(n_minutes)
    )


def nights_file(path) -> list[str]:
    """Three accounts over four nights with what real exports hold: seconds at :30, awake and restless minutes,
    a split night joined across a 45-minute gap and one separated by 90 minutes, an afternoon nap, a morning
    nap shorter than the night, two equal naps, an awake-only session, a night ending at midnight and
    repeated lines."""
    lines = ["Id,date,value,logId"]
    a, b, c = 1503960366, 1644430081, 1927972279
    for n in range(4):
        day = pd.Timestamp("2016-04-12") + pd.Timedelta(days=n)
        lines += session_lines(
            a, str(day + pd.Timedelta(hours=22, minutes=13 + 5 * n, seconds=30 * (n % 2))), night(430 + n, n), 100 + n
        )
        lines += session_lines(b, str(day + pd.Timedelta(hours=23, minutes=47)), night(200, n + 1), 200 + n)
        gap = 45 if n % 2 else 90
        lines += session_lines(b, str(day + pd.Timedelta(hours=23, minutes=47 + 200 + gap)), night(180, n + 2), 300 + n)
    lines += session_lines(a, "2016-04-13 14:20:00", "3" * 5 + "1" * 35, 400)  # a nap after main_sleep_end_hour
    lines += session_lines(a, "2016-04-14 10:00:00", "1" * 40, 401)  # a morning nap before it
    lines += session_lines(c, "2016-04-13 09:00:00", "1" * 30, 500)  # two equal naps, no night: a tie
    lines += session_lines(c, "2016-04-13 12:00:00", "1" * 30, 501)
    lines += session_lines(c, "2016-04-14 03:00:00", "3" * 20, 502)  # awake only: no session
    lines += session_lines(c, "2016-04-14 23:00:00", "1" * 60, 503)  # ends at midnight: the next day's
    lines += lines[40:45] + lines[600:602]  # Fitabase repeats lines
    path.write_text("\n".join(lines) + "\n")
    return lines


@pytest.mark.parametrize("batch_rows", [1 << 20, 1, 37])  # one batch; a session across many; batches mid-session
@pytest.mark.parametrize("shuffled", [False, True])  # in account order, or sorted by DuckDB first
def test_clean_nights_give_the_daily_rows_of_the_ordinary_path(tmp_path, monkeypatch, batch_rows, shuffled):
    monkeypatch.setattr(_engine_sleep, "BATCH_ROWS", batch_rows)
    path = tmp_path / "minuteSleep_merged.csv"
    lines = nights_file(path)
    if shuffled:
        body = lines[1:]
        random.Random(7).shuffle(body)
        path.write_text("\n".join([lines[0], *body]) + "\n")
    assert _engine_sleep.daily_sleep(path, *ARGS) is not None
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch, name=NAME)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch, name=NAME)
    assert_same_rows(engine, ordinary)
    assert engine_read == ordinary_read == len(lines) - 1 and engine_rejects.empty and ordinary_rejects.empty
    assert engine["locator"].eq("sleep sessions").all()
    assert set(engine["metric"]) == {"sleep_minutes", "sleep_efficiency_pct", "sleep_midpoint_min", "nap_minutes"}


DIRTY = {  # each, put in a clean file, makes the ordinary path quarantine or re-spell a line
    "value 0": "1503960366,4/13/2016 1:00:00 AM,0,100",
    "value 4": "1503960366,4/13/2016 1:00:00 AM,4,100",
    "value 1.5": "1503960366,4/13/2016 1:00:00 AM,1.5,100",
    "empty value": "1503960366,4/13/2016 1:00:00 AM,,100",
    "text value": "1503960366,4/13/2016 1:00:00 AM,asleep,100",
    "nan": "1503960366,4/13/2016 1:00:00 AM,nan,100",
    "empty id": ",4/13/2016 1:00:00 AM,1,100",
    "id with spaces": " 1503960366 ,4/13/2016 1:00:00 AM,1,100",
    "Excel spelling": "1503960366,4/13/16 1:00,1,100",
    "no time": "1503960366,,1,100",
    "before 2000": "1503960366,4/13/1999 1:00:00 AM,1,100",
    "in the future": "1503960366,4/13/2031 1:00:00 AM,1,100",
    "two days after today": "1503960366,6/3/2024 12:00:00 AM,1,100",
    "missing logId": "1503960366,4/13/2016 1:00:00 AM,1",
    "extra field": "1503960366,4/13/2016 1:00:00 AM,1,100,7",
}
HARMLESS = {
    "crlf": None,
    "value 1.0": "1503960366,4/13/2016 1:00:00 AM,1.0,100",
    "quoted time": '1503960366,"4/13/2016 1:01:00 AM",2,100',
    "zero-padded": "1503960366,04/13/2016 01:02:00 AM,1,100",
    "empty logId": "1503960366,4/13/2016 1:03:00 AM,1,",
    "text logId": "1503960366,4/13/2016 1:04:00 AM,3,n/a",
    "blank line": "",
    "late on the day after today": "1503960366,6/2/2024 11:59:30 PM,1,100",  # its session ends on today + 2
}


def with_line(path, kind: str, text: str | None, at: int = 300) -> None:
    lines = nights_file(path)
    if text is not None:
        lines[at] = text
    end = "\r\n" if kind == "crlf" else "\n"
    path.write_bytes((end.join(lines) + end).encode())


@pytest.mark.parametrize("kind", list(DIRTY))
def test_every_line_the_ordinary_path_would_judge_makes_it_decline(tmp_path, monkeypatch, kind):
    path = tmp_path / "minuteSleep_merged.csv"
    with_line(path, kind, DIRTY[kind])
    assert _engine_sleep.daily_sleep(path, *ARGS) is None
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch, name=NAME)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch, name=NAME)
    assert_same_rows(engine, ordinary)
    pd.testing.assert_frame_equal(engine_rejects, ordinary_rejects)
    assert engine_read == ordinary_read


@pytest.mark.parametrize("kind", list(HARMLESS))
def test_the_engine_reads_every_harmless_spelling_as_the_ordinary_path_does(tmp_path, monkeypatch, kind):
    path = tmp_path / "minuteSleep_merged.csv"
    with_line(path, kind, HARMLESS[kind])
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch, name=NAME)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch, name=NAME)
    assert_same_rows(engine, ordinary)
    assert engine_rejects.empty and ordinary_rejects.empty and engine_read == ordinary_read
    if kind != "late on the day after today":  # a daily row on today + 2: the observation rules' business
        assert _engine_sleep.daily_sleep(path, *ARGS) is not None


def test_a_session_ending_two_days_after_today_is_left_to_the_ordinary_path(tmp_path):
    path = tmp_path / "minuteSleep_merged.csv"
    with_line(path, "late", HARMLESS["late on the day after today"])
    assert _engine_sleep.daily_sleep(path, *ARGS) is None


minutes = st.text(alphabet="1123", min_size=1, max_size=90)
sessions = st.lists(
    st.tuples(
        st.sampled_from([1503960366, 1644430081]),
        st.integers(0, 3 * 1440 - 1),  # start minute over three days
        st.sampled_from([0, 30, 17]),  # seconds: Fitabase writes :00 and :30; any must work
        minutes,
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sessions=sessions,
    dirty=st.lists(st.sampled_from(sorted(DIRTY)), max_size=2),
    shuffle=st.randoms(),
    in_order=st.booleans(),
    batch_rows=st.sampled_from([1, 7, 50, 1 << 20]),
    block_bytes=st.sampled_from([64, 700, 8 << 20]),
)
def test_fuzz_whenever_the_engine_accepts_a_file_the_ordinary_path_agrees(
    tmp_path, monkeypatch, sessions, dirty, shuffle, in_order, batch_rows, block_bytes
):
    """Random sessions (overlapping, touching, gaps around session_gap_minutes, any seconds), lines in account
    order or any order, in batches of any size, sometimes a dirty line (then, in account order, the block reader
    ``_sleep_blocks`` with blocks of any size): the paths give the same rows, rejects and counts."""
    monkeypatch.setattr(_engine_sleep, "BATCH_ROWS", batch_rows)
    monkeypatch.setattr(_sleep_blocks, "BLOCK_BYTES", block_bytes)
    lines = []
    for k, (account, minute, second, values) in enumerate(sessions):
        start = pd.Timestamp("2016-04-12") + pd.Timedelta(minutes=minute, seconds=second)
        lines += session_lines(account, str(start), values, k)
    if in_order:  # as Fitabase writes them: each account's lines together, in order of time
        lines.sort(key=lambda line: (line.split(",")[0], pd.Timestamp(line.split(",")[1])))
    else:
        shuffle.shuffle(lines)
    for kind in dirty:
        lines.insert(shuffle.randrange(len(lines) + 1), DIRTY[kind])
    path = tmp_path / "minuteSleep_merged.csv"
    path.write_text("\n".join(["Id,date,value,logId", *lines]) + "\n")
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch, name=NAME)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch, name=NAME)
    assert_same_rows(engine, ordinary)
    pd.testing.assert_frame_equal(by_line(engine_rejects), by_line(ordinary_rejects))
    assert engine_read == ordinary_read


def by_line(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejects in order of line: the ordinary path lists a block's parse rejects before its sample rules' ones,
    and the block reader's blocks are smaller."""
    line = rejects["locator"].str.removeprefix("line ").astype(int)
    return rejects.iloc[line.argsort(kind="stable")].reset_index(drop=True)


def test_a_session_whose_first_batch_holds_no_asleep_minute_keeps_its_fractions(tmp_path, monkeypatch):
    """Found by the fuzz: a batch with no asleep row gave integer minutes, and the half minute of an overlap in a
    later batch was truncated when added to them."""
    monkeypatch.setattr(_engine_sleep, "BATCH_ROWS", 1)
    path = tmp_path / "minuteSleep_merged.csv"
    lines = ["Id,date,value,logId"] + session_lines(1503960366, "2016-04-12 00:00:00", "2", 0)
    lines += session_lines(1503960366, "2016-04-12 00:00:30", "11", 1)  # asleep [0:30, 1:30) ∪ [1:30, 2:30)
    path.write_text("\n".join(lines) + "\n")
    table, n = _engine_sleep.sessions(path, ARGS[0], *LAYOUT[:3], TODAY)
    assert n == 3 and table["asleep"].tolist() == [2.0] and table["intervals"].tolist() == [3]
    lines[2:] = session_lines(1503960366, "2016-04-12 00:00:30", "1", 1) + session_lines(
        1503960366, "2016-04-12 00:01:00", "1", 2
    )  # asleep [0:30, 1:30) ∪ [1:00, 2:00) = 1.5 minutes
    path.write_text("\n".join(lines) + "\n")
    assert _engine_sleep.sessions(path, ARGS[0], *LAYOUT[:3], TODAY)[0]["asleep"].tolist() == [1.5]
    engine, _, _ = ingest(path, True, monkeypatch, name=NAME)
    ordinary, _, _ = ingest(path, False, monkeypatch, name=NAME)
    assert_same_rows(engine, ordinary)

"""A large minuteSleep file with bad lines, read in blocks (transforms/ingest/sources/_sleep_blocks.py), gives the
daily rows, rejects (reasons, line numbers, raw text) and record counts of the ordinary path (text cells → row rules
→ DailyFromSamples → sleep_sessions), with only the blocks holding a bad line judged by the ordinary rules."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms.ingest.sources.test_engine_daily import TODAY, assert_same_rows, ingest
from tests.transforms.ingest.sources.test_engine_sleep import ARGS, DIRTY, NAME, by_line, nights_file, session_lines
from tests.transforms.ingest.sources.test_engine_sleep import sessions as fuzz_sessions
from transforms.ingest.sources import _engine_sleep, _fitabase_tables, _sleep_blocks
from transforms.ingest.sources._engine_daily import passes_observation_rules


def in_file_order(lines: list[str]) -> list[str]:
    """Data lines as Fitabase writes them: each account's lines together, in order of time."""
    return sorted(lines, key=lambda line: (line.split(",")[0], pd.Timestamp(line.split(",")[1])))


AT = pd.Timestamp("2016-04-13 01:00")  # the time of DIRTY's lines, in account 1503960366's first night


def file_with(path, extra: list[str]) -> list[str]:
    """nights_file's lines in file order with ``extra`` inserted where account 1503960366's lines reach 4/13/2016
    1:00 AM, so an extra line that is read keeps the file in order."""
    lines = nights_file(path)
    body = in_file_order(lines[1:])
    at = next(
        i for i, line in enumerate(body) if line.startswith("1503960366,") and pd.Timestamp(line.split(",")[1]) >= AT
    )
    body[at:at] = extra
    path.write_text("\n".join([lines[0], *body]) + "\n")
    return [lines[0], *body]


@pytest.fixture
def used(monkeypatch):
    """Whether the block reader gave the file's results (not None) at each call."""
    calls: list[bool] = []
    read = _sleep_blocks.read

    def spy(*args):
        found = read(*args)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(_sleep_blocks, "read", spy)
    return calls


def assert_same_as_ordinary(path, monkeypatch, **people):
    blocks, blocks_rejects, blocks_read = ingest(path, True, monkeypatch, name=NAME, **people)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch, name=NAME, **people)
    assert_same_rows(blocks, ordinary)
    pd.testing.assert_frame_equal(by_line(blocks_rejects), by_line(ordinary_rejects))
    assert blocks_read == ordinary_read
    return blocks, blocks_rejects


@pytest.mark.parametrize("kind", list(DIRTY))
def test_a_bad_line_is_quarantined_and_the_rest_folded_as_the_ordinary_path_does(tmp_path, monkeypatch, used, kind):
    path = tmp_path / "minuteSleep_merged.csv"
    lines = file_with(path, [DIRTY[kind]])
    rows, rejects = assert_same_as_ordinary(path, monkeypatch)
    assert used == [True]
    assert rows["locator"].eq("sleep sessions").all() and len(rows) > 20
    if len(rejects):  # a re-spelled line ("Excel spelling", "id with spaces") is read, not quarantined
        at = lines.index(DIRTY[kind])
        assert rejects["locator"].tolist() == [f"line {at + 1}"]
        assert rejects["raw"].tolist() == [lines[at]]  # as written, a missing or an extra field too


@pytest.mark.parametrize("block_bytes", [256, 4096])
def test_blocks_cut_through_sessions_and_bad_lines_in_several(tmp_path, monkeypatch, used, block_bytes):
    """Blocks of a few lines: sessions continue across clean and judged blocks, bad lines fall in several."""
    monkeypatch.setattr(_sleep_blocks, "BLOCK_BYTES", block_bytes)
    path = tmp_path / "minuteSleep_merged.csv"
    file_with(path, [DIRTY["value 4"], DIRTY["extra field"], DIRTY["in the future"], DIRTY["Excel spelling"]])
    lines = path.read_text().splitlines()
    lines.insert(1500, lines[1500].replace(",1,", ",one,"))  # in account 1644430081's lines
    path.write_text("\n".join(lines) + "\n")
    rows, rejects = assert_same_as_ordinary(path, monkeypatch)
    assert used == [True] and len(rejects) == 4
    assert rows["locator"].eq("sleep sessions").all()


def test_a_truncated_last_line_costs_only_the_last_block(tmp_path, monkeypatch, used):
    """An export cut off mid-line (a copy interrupted): the last line is ragged. DuckDB meets it while streaming
    (an Arrow IOError, once uncaught: the whole file failed); the engine declines and the block reader judges only
    the last block."""
    monkeypatch.setattr(_sleep_blocks, "BLOCK_BYTES", 4096)
    path = tmp_path / "minuteSleep_merged.csv"
    lines = file_with(path, [])
    text = path.read_text()
    path.write_text(text[: len(text) - 12])
    assert _engine_sleep.daily_sleep(path, *ARGS) is None
    judged = []
    judge = _fitabase_tables._judge_chunk
    monkeypatch.setattr(
        _fitabase_tables, "_judge_chunk", lambda frame, *a: judged.append(len(frame)) or judge(frame, *a)
    )
    ingest(path, True, monkeypatch, name=NAME)
    assert used == [True] and 0 < sum(judged) < 200 < len(lines)
    _, rejects = assert_same_as_ordinary(path, monkeypatch)
    assert rejects["locator"].tolist() == [f"line {len(lines)}"] and "field" in rejects["reason"].iloc[0]


def test_lines_out_of_account_order_go_back_to_the_ordinary_path(tmp_path, monkeypatch, used):
    path = tmp_path / "minuteSleep_merged.csv"
    lines = nights_file(path)  # nights of two accounts interleaved
    lines[300] = DIRTY["value 4"]
    path.write_text("\n".join(lines) + "\n")
    assert_same_as_ordinary(path, monkeypatch)
    assert used == [False]


def test_two_accounts_of_one_participant_go_back_to_the_ordinary_path(tmp_path, monkeypatch, used):
    from transforms.ingest.identity import ParticipantMap

    path = tmp_path / "minuteSleep_merged.csv"
    file_with(path, [DIRTY["value 4"]])
    table = tmp_path / "participants.csv"
    table.write_text("participant_id,source,source_account_id\nP01,fitabase,1503960366\nP01,fitabase,1644430081\n")
    people = ParticipantMap.load(table, b"test key")
    rows, _ = assert_same_as_ordinary(path, monkeypatch, people=people)
    assert used == [False] and (rows["participant_id"] == "P01").any()


QUARANTINED = sorted(set(DIRTY) - {"Excel spelling", "id with spaces"})  # the others are read, re-spelled


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sessions=fuzz_sessions,
    bad=st.lists(st.tuples(st.sampled_from(QUARANTINED), st.floats(0, 1)), min_size=1, max_size=4),
    block_bytes=st.sampled_from([200, 2048, 8 << 20]),
)
def test_fuzz_bad_lines_anywhere_in_a_file_in_order(tmp_path, monkeypatch, used, sessions, bad, block_bytes):
    """Random sessions in file order, bad lines anywhere, blocks of any size: the block reader reads the file, and
    gives the ordinary path's rows, rejects and counts."""
    monkeypatch.setattr(_sleep_blocks, "BLOCK_BYTES", block_bytes)
    lines = []
    for k, (account, minute, second, values) in enumerate(sessions):
        start = pd.Timestamp("2016-04-12") + pd.Timedelta(minutes=minute, seconds=second)
        lines += session_lines(account, str(start), values, k)
    lines = in_file_order(lines)
    for kind, where in bad:
        lines.insert(int(where * len(lines)), DIRTY[kind])
    path = tmp_path / "minuteSleep_merged.csv"
    path.write_text("\n".join(["Id,date,value,logId", *lines]) + "\n")
    rows, rejects = assert_same_as_ordinary(path, monkeypatch)
    assert len(rejects) == len(bad)
    # left to the ordinary path only when no session makes a daily row or one breaks an observation rule (as the
    # engine, e.g. a one-minute nap at noon: a midpoint of 720.5 minutes)
    assert used[-1] or rows.empty or not passes_observation_rules(rows, TODAY)

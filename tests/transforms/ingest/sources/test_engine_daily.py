"""The DuckDB reader of clean level and amount files (transforms/ingest/sources/_engine_daily.py) gives the daily rows,
record counts and (no) rejects of the path it replaces (Arrow or text cells → row rules → DailyFromSamples),
and declines every file that path would quarantine a line of."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quality.rules import apply_row_rules
from transforms.ingest.identity import ParticipantMap
from transforms.ingest.inputs import plain_file
from transforms.ingest.parse import parse_input
from transforms.ingest.records import OBSERVATION_COLUMNS
from transforms.ingest.samples import DailyFromSamples
from transforms.ingest.sources import (
    _arrow_csv,
    _engine_daily,
    _fitabase_tables,
    fitabase_intraday,
    fitabase_minute_steps,
)
from transforms.ingest.sources._tabular import level_samples

NAME = "f/heartrate_seconds_merged.csv"
TODAY = dt.date(2024, 6, 1)
PEOPLE = ParticipantMap.load(None, b"test key")
HR_LAYOUT = (["Id", "Time", "Value"], "Time", "Value", "heart_rate_mean_bpm", "level")


def ingest(
    path, engine: bool, monkeypatch, module=fitabase_intraday, name: str = NAME, people: ParticipantMap = PEOPLE
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(daily rows, rejects, records read) of one file as the ingestion runs it (parse → rules → daily), with
    the DuckDB readers on for every size or off."""
    monkeypatch.setattr(module, "ENGINE_MIN_BYTES", 0 if engine else math.inf)
    daily = DailyFromSamples(module.FORMAT, name)
    observations, rejects, read = [], [], 0
    for chunk in parse_input(plain_file(path, name), module, people, None, TODAY):
        chunk = apply_row_rules(chunk, module.FORMAT, TODAY)
        daily.add(chunk.samples)
        observations.append(chunk.observations)
        rejects.append(chunk.rejects)
        read += chunk.n_records or 0
    rows = pd.concat([*observations, daily.finish()], ignore_index=True)
    rows = rows[OBSERVATION_COLUMNS].sort_values(["participant_id", "day", "metric"]).reset_index(drop=True)
    return rows, pd.concat(rejects, ignore_index=True), read


def assert_same_rows(engine: pd.DataFrame, ordinary: pd.DataFrame) -> None:
    """Equal rows; the means to 1e-12 relative (DuckDB sums the hours in another order than numpy)."""
    pd.testing.assert_frame_equal(engine.drop(columns="value"), ordinary.drop(columns="value"), check_dtype=False)
    np.testing.assert_allclose(engine["value"], ordinary["value"], rtol=1e-12)


def minutes_file(path, people: int = 3, days: int = 2, step_minutes: int = 1, fraction: bool = False) -> list[str]:
    lines = ["Id,Time,Value"]
    for p in range(people):
        for m in range(0, days * 1440, step_minutes):
            t = pd.Timestamp("2016-04-12") + pd.Timedelta(minutes=m, seconds=(p * 7 + m) % 60)
            value = 55 + (m * 7 + p) % 40 + (0.25 * (m % 4) if fraction else 0)
            lines.append(f"{1503960366 + p * 7919},{t.month}/{t.day}/{t.year} {t.strftime('%-I:%M:%S %p')},{value:g}")
    path.write_text("\n".join(lines) + "\n")
    return lines


@pytest.mark.parametrize("fraction", [False, True])
def test_a_clean_file_gives_the_daily_rows_of_the_ordinary_path(tmp_path, monkeypatch, fraction):
    path = tmp_path / "heartrate_seconds_merged.csv"
    minutes_file(path, people=4, days=3, step_minutes=2, fraction=fraction)  # every 2nd minute: coverage 1/2
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch)
    assert engine["locator"].str.startswith("aggregate of").all() and len(engine) == 4 * 3
    assert_same_rows(engine, ordinary)
    assert engine_read == ordinary_read == 4 * 3 * 720 and engine_rejects.empty and ordinary_rejects.empty
    assert set(engine["coverage"]) == {1.0}  # 30 of 60 minutes is a valid hour (valid_hour_min_share 0.5)


def test_it_is_used_on_a_clean_file_and_declined_on_a_dirty_one(tmp_path):
    path = tmp_path / "heartrate_seconds_merged.csv"
    lines = minutes_file(path, people=2, days=1)
    args = ("%m/%d/%Y %I:%M:%S %p", HR_LAYOUT, "fitabase_intraday", NAME, TODAY)
    assert _engine_daily.daily_rows(path, *args) is not None
    lines[100] = lines[100].rsplit(",", 1)[0] + ",400"  # beyond the metric's valid range: a row rule's reject
    path.write_text("\n".join(lines) + "\n")
    assert _engine_daily.daily_rows(path, *args) is None


DIRTY_LINES = {  # each, put in a clean file, makes the ordinary path quarantine or re-spell a line
    "empty id": ",4/12/2016 7:21:00 AM,70",
    "id with a tab": "\t1503960366,4/12/2016 7:21:00 AM,70",
    "id with spaces": " 1503960366 ,4/12/2016 7:21:00 AM,70",
    "quoted id with a line break": '"15039\n60366",4/12/2016 7:21:00 AM,70',
    "text value": "1503960366,4/12/2016 7:21:00 AM,abc",
    "empty value": "1503960366,4/12/2016 7:21:00 AM,",
    "nan": "1503960366,4/12/2016 7:21:00 AM,nan",
    "infinity": "1503960366,4/12/2016 7:21:00 AM,inf",
    "negative": "1503960366,4/12/2016 7:21:00 AM,-5",
    "too high": "1503960366,4/12/2016 7:21:00 AM,999",
    "Excel spelling": "1503960366,4/12/16 7:21,70",
    "no time": "1503960366,,70",
    "24-hour clock": "1503960366,4/12/2016 19:21:00,70",
    "before 2000": "1503960366,4/12/1999 7:21:00 AM,70",
    "in the future": "1503960366,4/12/2031 7:21:00 AM,70",
    "two days after today": "1503960366,6/3/2024 12:00:00 AM,70",  # TODAY + 2 days: a sample rule's reject
    "extra field": "1503960366,4/12/2016 7:21:00 AM,70,1",
    "missing field": "1503960366,4/12/2016 7:21:00 AM",
}


@pytest.mark.parametrize("kind", list(DIRTY_LINES))
def test_every_line_the_ordinary_path_would_judge_makes_it_decline(tmp_path, monkeypatch, kind):
    path = tmp_path / "heartrate_seconds_merged.csv"
    lines = minutes_file(path, people=2, days=1)
    lines[500] = DIRTY_LINES[kind]
    path.write_text("\n".join(lines) + "\n")
    args = ("%m/%d/%Y %I:%M:%S %p", HR_LAYOUT, "fitabase_intraday", NAME, TODAY)
    assert _engine_daily.daily_rows(path, *args) is None
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch)
    assert_same_rows(engine, ordinary)
    pd.testing.assert_frame_equal(engine_rejects, ordinary_rejects)
    assert engine_read == ordinary_read


# Hypothesis: files of clean lines with some lines spelled in any of the ways above or the harmless ones below;
# whenever the engine accepts a file, the ordinary path reads the same records, rejects none and folds the same
# daily rows.
HARMLESS = {
    "crlf": None,  # the whole file with Windows line ends
    "quoted value": '1503960366,4/12/2016 7:24:00 AM,"71"',
    "quoted time": '1503960366,"4/12/2016 7:25:00 AM",72',
    "zero-padded": "1503960366,04/12/2016 07:26:00 AM,73",
    "exponent": "1503960366,4/12/2016 7:27:00 AM,7.4e1",
    "decimals": "1503960366,4/12/2016 7:28:00 AM,74.125",
    "value with a space": "1503960366,4/12/2016 7:29:00 AM, 75",
    "blank line": "",
    "the last minute before two days after today": "1503960366,6/2/2024 11:59:00 PM,70",
    "byte-order mark": None,  # a BOM before the header
}


@pytest.mark.parametrize("kind", list(HARMLESS))
def test_the_engine_reads_every_harmless_spelling_as_the_ordinary_path_does(tmp_path, monkeypatch, kind):
    path = tmp_path / "heartrate_seconds_merged.csv"
    lines = minutes_file(path, people=2, days=1, step_minutes=4)
    if HARMLESS[kind] is not None:
        lines[100] = HARMLESS[kind]
    end = "\r\n" if kind == "crlf" else "\n"
    path.write_bytes(("\ufeff" if kind == "byte-order mark" else "").encode() + (end.join(lines) + end).encode())
    args = ("%m/%d/%Y %I:%M:%S %p", HR_LAYOUT, "fitabase_intraday", NAME, TODAY)
    assert _engine_daily.daily_rows(path, *args) is not None
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch)
    assert_same_rows(engine, ordinary)
    assert engine_rejects.empty and ordinary_rejects.empty and engine_read == ordinary_read


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    picks=st.lists(st.sampled_from(sorted(DIRTY_LINES) + sorted(HARMLESS)), min_size=1, max_size=4),
    where=st.lists(st.integers(1, 400), min_size=4, max_size=4),
)
def test_fuzz_whenever_the_engine_accepts_a_file_the_ordinary_path_agrees(tmp_path, monkeypatch, picks, where):
    path = tmp_path / "heartrate_seconds_merged.csv"
    lines = minutes_file(path, people=2, days=1, step_minutes=4)
    crlf = "crlf" in picks
    for kind, at in zip(picks, where, strict=False):
        if kind in ("crlf", "byte-order mark"):
            continue
        lines[at] = DIRTY_LINES.get(kind, HARMLESS.get(kind))
    end = "\r\n" if crlf else "\n"
    path.write_bytes(("\ufeff" if "byte-order mark" in picks else "").encode() + (end.join(lines) + end).encode())
    engine, engine_rejects, engine_read = ingest(path, True, monkeypatch)
    ordinary, ordinary_rejects, ordinary_read = ingest(path, False, monkeypatch)
    assert_same_rows(engine, ordinary)
    pd.testing.assert_frame_equal(engine_rejects, ordinary_rejects)
    assert engine_read == ordinary_read


# Fitabase minute steps (an amount): summed per account·day by the same query.
STEPS_NAME = "f/minuteStepsNarrow_merged.csv"
STEPS_LAYOUT = (["Id", "ActivityMinute", "Steps"], "ActivityMinute", "Steps", "steps", "amount")


def steps_file(path, people: int = 3, days: int = 2, step: int = 40) -> list[str]:
    """Every minute of ``days`` days for ``people`` accounts, some steps in the waking hours."""
    lines = ["Id,ActivityMinute,Steps"]
    for p in range(people):
        for m in range(days * 1440):
            t = pd.Timestamp("2016-04-12") + pd.Timedelta(minutes=m)
            steps = (m * 13 + p * 7) % step if 420 <= m % 1440 <= 1320 else 0
            lines.append(f"{1503960366 + p * 7919},{t.month}/{t.day}/{t.year} {t.strftime('%-I:%M:%S %p')},{steps}")
    path.write_text("\n".join(lines) + "\n")
    return lines


def ingest_steps(path, engine: bool, monkeypatch, people: ParticipantMap = PEOPLE):
    return ingest(path, engine, monkeypatch, fitabase_minute_steps, STEPS_NAME, people)


def test_minute_steps_sum_to_the_daily_rows_of_the_ordinary_path(tmp_path, monkeypatch):
    path = tmp_path / "minuteStepsNarrow_merged.csv"
    steps_file(path, people=3, days=2)
    args = ("%m/%d/%Y %I:%M:%S %p", STEPS_LAYOUT, fitabase_minute_steps.FORMAT, STEPS_NAME, TODAY)
    assert _engine_daily.daily_rows(path, *args) is not None
    engine, engine_rejects, engine_read = ingest_steps(path, True, monkeypatch)
    ordinary, ordinary_rejects, ordinary_read = ingest_steps(path, False, monkeypatch)
    pd.testing.assert_frame_equal(engine, ordinary, check_dtype=False)  # sums of whole steps: exact
    assert engine_read == ordinary_read == 3 * 2 * 1440 and engine_rejects.empty and ordinary_rejects.empty
    assert (engine["metric"] == "steps").all() and engine["coverage"].isna().all() and len(engine) == 3 * 2
    expected = sum((m * 13) % 40 for m in range(1440) if 420 <= m <= 1320)  # account 0, first day
    assert engine["value"].iloc[0] == expected or expected in set(engine["value"])


STEPS_DIRTY = {
    "negative": "1503960366,4/12/2016 7:21:00 AM,-5",
    "over the metric's range": "1503960366,4/12/2016 7:21:00 AM,100001",
    "text": "1503960366,4/12/2016 7:21:00 AM,many",
    "empty": "1503960366,4/12/2016 7:21:00 AM,",
    "Excel spelling": "1503960366,4/12/16 7:21,5",
    "empty id": ",4/12/2016 7:21:00 AM,5",
    "extra field": "1503960366,4/12/2016 7:21:00 AM,5,5",
    "in the future": "1503960366,4/12/2031 7:21:00 AM,5",
}


@pytest.mark.parametrize("kind", list(STEPS_DIRTY))
def test_a_dirty_minute_steps_line_makes_it_decline_and_both_paths_agree(tmp_path, monkeypatch, kind):
    path = tmp_path / "minuteStepsNarrow_merged.csv"
    lines = steps_file(path, people=2, days=1)
    lines[500] = STEPS_DIRTY[kind]
    path.write_text("\n".join(lines) + "\n")
    args = ("%m/%d/%Y %I:%M:%S %p", STEPS_LAYOUT, fitabase_minute_steps.FORMAT, STEPS_NAME, TODAY)
    assert _engine_daily.daily_rows(path, *args) is None
    engine, engine_rejects, engine_read = ingest_steps(path, True, monkeypatch)
    ordinary, ordinary_rejects, ordinary_read = ingest_steps(path, False, monkeypatch)
    pd.testing.assert_frame_equal(engine, ordinary, check_dtype=False)
    pd.testing.assert_frame_equal(engine_rejects, ordinary_rejects)
    assert engine_read == ordinary_read and len(ordinary_rejects) == (kind != "Excel spelling")  # re-spelled, kept


def text_cells_only(monkeypatch) -> None:
    """Switch off the Arrow block reader (``_fitabase_tables._parse_levels_fast``): every block as text cells."""

    def header_mismatch(*_args, **_kwargs):
        raise LookupError("forced")
        yield  # a generator, like the real one

    monkeypatch.setattr(_fitabase_tables, "_parse_levels_fast", header_mismatch)


@pytest.mark.parametrize("kind", ["clean", *STEPS_DIRTY])
def test_minute_steps_in_arrow_blocks_give_the_rows_of_the_text_cells(tmp_path, monkeypatch, kind):
    """A steps file DuckDB declines is read in Arrow blocks as heart rate is: clean blocks straight to samples, a
    block with a bad line judged by the row rules. Same daily rows, rejects (reasons, lines, raw text) and counts
    as the text cells, over many small blocks."""
    monkeypatch.setattr(_arrow_csv, "BLOCK_BYTES", 2048)
    path = tmp_path / "minuteStepsNarrow_merged.csv"
    lines = steps_file(path, people=2, days=1)
    if kind != "clean":
        lines[500] = lines[2100] = STEPS_DIRTY[kind]
    path.write_text("\n".join(lines) + "\n")
    built = []
    monkeypatch.setattr(_fitabase_tables, "level_samples", lambda *a: built.append(a[-1]) or level_samples(*a))
    monkeypatch.setattr(fitabase_minute_steps, "ENGINE_MIN_BYTES", math.inf)
    blocks, blocks_rejects, blocks_read = ingest_steps(path, False, monkeypatch)
    assert len(built) > 10 and set(built) == {"amount"}  # many clean blocks, each straight to samples
    with monkeypatch.context() as patched:
        text_cells_only(patched)
        text, text_rejects, text_read = ingest_steps(path, False, patched)
    pd.testing.assert_frame_equal(blocks, text, check_dtype=False)
    pd.testing.assert_frame_equal(blocks_rejects, text_rejects)
    assert blocks_read == text_read == 2 * 1440
    assert len(blocks_rejects) == (0 if kind in ("clean", "Excel spelling") else 2)


def test_a_day_of_steps_over_the_metric_range_is_left_to_the_ordinary_path(tmp_path, monkeypatch):
    """Every minute within range, but the day's sum over steps' valid_max: the ordinary path folds it after the
    row rules (kept), so the engine, whose daily rows would meet the observation rules, must decline."""
    path = tmp_path / "minuteStepsNarrow_merged.csv"
    lines = steps_file(path, people=1, days=1)
    lines[1:] = [line.rsplit(",", 1)[0] + ",80" for line in lines[1:]]  # 1,440 × 80 = 115,200 > 100,000
    path.write_text("\n".join(lines) + "\n")
    args = ("%m/%d/%Y %I:%M:%S %p", STEPS_LAYOUT, fitabase_minute_steps.FORMAT, STEPS_NAME, TODAY)
    assert _engine_daily.daily_rows(path, *args) is None
    engine, _, _ = ingest_steps(path, True, monkeypatch)
    ordinary, _, _ = ingest_steps(path, False, monkeypatch)
    pd.testing.assert_frame_equal(engine, ordinary, check_dtype=False)
    assert engine["value"].tolist() == [115_200]


def test_hourly_and_minute_steps_of_one_export_are_not_added_up(tmp_path):
    """Two formats, so daily_metrics takes one source for the day instead of summing both resolutions."""
    from transforms.daily_metrics import aggregate_daily

    minute = tmp_path / "minuteStepsNarrow_merged.csv"
    steps_file(minute, people=1, days=1)
    hourly = tmp_path / "hourlySteps_merged.csv"
    minutes = pd.read_csv(minute)
    minutes["hour"] = pd.to_datetime(minutes["ActivityMinute"], format="%m/%d/%Y %I:%M:%S %p").dt.floor("h")
    per_hour = minutes.groupby(["Id", "hour"], as_index=False)["Steps"].sum()
    per_hour["ActivityHour"] = per_hour["hour"].map(lambda t: f"{t.month}/{t.day}/{t.year} {t:%-I:%M:%S %p}")
    per_hour.rename(columns={"Steps": "StepTotal"})[["Id", "ActivityHour", "StepTotal"]].to_csv(hourly, index=False)
    rows = []
    for path, module in ((minute, fitabase_minute_steps), (hourly, fitabase_intraday)):
        daily = DailyFromSamples(module.FORMAT, path.name)
        for chunk in parse_input(plain_file(path, path.name), module, PEOPLE, None, TODAY):
            chunk = apply_row_rules(chunk, module.FORMAT, TODAY)
            daily.add(chunk.samples)
            rows += [chunk.observations]
        rows.append(daily.finish())
    chosen = aggregate_daily(pd.concat(rows, ignore_index=True))
    assert len(chosen) == 1 and chosen["value"].iloc[0] == minutes["Steps"].sum()


def test_accounts_sharing_a_participant_are_left_to_the_per_participant_fold(tmp_path, monkeypatch):
    """participants.csv maps two Fitabase accounts to one participant: the engine's rows are per account, so it
    steps aside and the ordinary path folds the participant's day over both accounts' samples."""
    path = tmp_path / "heartrate_seconds_merged.csv"
    minutes_file(path, people=3, days=1, step_minutes=3)
    table = tmp_path / "participants.csv"
    table.write_text("participant_id,source,source_account_id\nP01,fitabase,1503960366\nP01,fitabase,1503968285\n")
    shared = ParticipantMap.load(table, b"test key")
    assert shared.shared_accounts("fitabase") == {"1503960366", "1503968285"}
    seen = []
    real = _engine_daily.daily_rows
    monkeypatch.setattr(_engine_daily, "daily_rows", lambda *a: seen.append(real(*a)) or seen[-1])
    engine, _, _ = ingest(path, True, monkeypatch, people=shared)
    ordinary, _, _ = ingest(path, False, monkeypatch, people=shared)
    assert len(seen) == 1 and seen[0] is not None  # the engine read it, and its rows were not used
    assert_same_rows(engine, ordinary)
    assert (engine["participant_id"] == "P01").sum() == 1 and engine["n_samples"].max() == 2 * 480


STEPS_HARMLESS = {
    "quoted value": '1503960366,4/12/2016 7:24:00 AM,"7"',
    "zero-padded": "1503960366,04/12/2016 07:26:00 AM,3",
    "decimals": "1503960366,4/12/2016 7:28:00 AM,2.5",
    "blank line": "",
    "a repeated minute": "1503960366,4/12/2016 12:00:00 AM,0",
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    picks=st.lists(st.sampled_from(sorted(STEPS_DIRTY) + sorted(STEPS_HARMLESS)), min_size=1, max_size=4),
    where=st.lists(st.integers(1, 1400), min_size=4, max_size=4),
    crlf=st.booleans(),
)
def test_fuzz_whenever_the_engine_sums_minute_steps_the_ordinary_path_agrees(tmp_path, monkeypatch, picks, where, crlf):
    path = tmp_path / "minuteStepsNarrow_merged.csv"
    lines = steps_file(path, people=1, days=1)
    for kind, at in zip(picks, where, strict=False):
        lines[at] = STEPS_DIRTY.get(kind, STEPS_HARMLESS.get(kind))
    end = "\r\n" if crlf else "\n"
    path.write_bytes((end.join(lines) + end).encode())
    engine, engine_rejects, engine_read = ingest_steps(path, True, monkeypatch)
    ordinary, ordinary_rejects, ordinary_read = ingest_steps(path, False, monkeypatch)
    pd.testing.assert_frame_equal(engine, ordinary, check_dtype=False)
    pd.testing.assert_frame_equal(engine_rejects, ordinary_rejects)
    assert engine_read == ordinary_read

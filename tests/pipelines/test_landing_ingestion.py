"""The per-file ingestion flow (parse → row rules → daily values) on an Apple Health export."""

import datetime as dt
import logging
import math

import pandas as pd
import pytest

from pipelines.landing_ingestion import ingest_file
from tests.transforms.ingest.sources.test_apple_health import EXPORT
from transforms.ingest.identity import ParticipantMap


def test_apple_health_file_end_to_end(tmp_path):
    landing = tmp_path / "landing"
    (landing / "P7").mkdir(parents=True)
    (landing / "P7" / "export.xml").write_text(EXPORT)
    out = ingest_file(
        landing / "P7" / "export.xml",
        landing,
        ParticipantMap.load(None, b"k"),
        None,
        dt.date(2025, 1, 1),
        logging.getLogger("test"),
    )
    rejects = pd.concat(out.rejects)
    assert sorted(rejects["reason"]) == [
        "day 2030-01-01 is in the future",
        "heart_rate_mean_bpm sample 310 outside [25, 250]",
    ]
    assert out.read == 15 and out.ignored == 1 and out.quarantined == 2 and not out.failures
    obs = pd.concat(out.observations)
    daily = obs[obs.day == "2024-03-10"].set_index("metric")["value"]
    assert daily["steps"] == 900  # the iPhone's 880 for the same walk is not added
    assert daily["heart_rate_mean_bpm"] == 72  # (70 + 74) / 2; 310 quarantined
    assert daily["hrv_sdnn_ms"] == 41.5 and daily["resting_hr_bpm"] == 58
    # Core 23:00–01:30 EST (150) + Deep 01:30 EST–03:10 EDT (40 elapsed, not 100) + REM 03:30–07:00 EDT (210)
    assert daily["sleep_minutes"] == 400
    assert (obs["participant_id"] == "P7").all()
    everything = pd.concat([obs.astype(str), rejects.astype(str)], ignore_index=True)
    assert not everything.apply(lambda c: c.str.contains("1979|Sam’s")).any().any()  # <Me> and device names


def test_a_stream_that_breaks_midway_keeps_the_daily_values_of_what_came_before(tmp_path, monkeypatch):
    """An IngestError after some chunks (a file truncated mid-stream): those chunks' samples are still folded
    into daily values, the fault is one file-level reject, and the counts add up."""
    from pipelines import landing_ingestion as ingestion
    from transforms.ingest.errors import MalformedFile

    landing = tmp_path / "landing"
    (landing / "P7").mkdir(parents=True)
    (landing / "P7" / "export.xml").write_text(EXPORT)
    parse_chunks = ingestion.parse_chunks

    def breaks_after_first_chunk(source, *args):
        yield next(iter(parse_chunks(source, *args)))
        raise MalformedFile(source.source_file, "stream ends in the middle of a record")

    monkeypatch.setattr(ingestion, "parse_chunks", breaks_after_first_chunk)
    out = ingest_file(
        landing / "P7" / "export.xml",
        landing,
        ParticipantMap.load(None, b"k"),
        None,
        dt.date(2025, 1, 1),
        logging.getLogger("test"),
    )
    obs = pd.concat(out.observations)
    assert obs[obs.day == "2024-03-10"].set_index("metric")["value"]["steps"] == 900
    assert out.failures == ["P7/export.xml: parse: stream ends in the middle of a record"]
    assert out.status() == "ingested" and out.read == out.accepted() + out.quarantined + out.empty + out.ignored


def test_a_heart_rate_file_gives_the_same_outcome_whichever_reader_reads_it(tmp_path, monkeypatch):
    """The DuckDB reader of clean files (transforms/ingest/sources/_engine_daily.py) and the Arrow/row-rule
    path give ingestion the same daily rows, counts and rejects, through the constraints stage too."""
    from tests.transforms.ingest.sources.test_engine_daily import minutes_file
    from transforms.ingest.sources import _engine_daily, fitabase_intraday

    landing = tmp_path / "landing"
    landing.mkdir()
    path = landing / "heartrate_seconds_merged.csv"
    lines = minutes_file(path, people=3, days=2, step_minutes=3)
    folded = []  # what the DuckDB reader returned, call by call
    read_in_duckdb = _engine_daily.daily_rows
    monkeypatch.setattr(
        _engine_daily,
        "daily_rows",
        lambda *a, **k: folded.append(read_in_duckdb(*a, **k)) or folded[-1],
    )

    def outcome(engine: bool):
        monkeypatch.setattr(fitabase_intraday, "ENGINE_MIN_BYTES", 0 if engine else math.inf)
        out = ingest_file(
            path, landing, ParticipantMap.load(None, b"k"), None, dt.date(2024, 6, 1), logging.getLogger("test")
        )
        obs = pd.concat(out.observations, ignore_index=True).sort_values(["participant_id", "day"])
        counts = (out.read, out.accepted(), out.quarantined, out.empty, out.ignored, tuple(out.failures))
        return obs.reset_index(drop=True), pd.concat(out.rejects, ignore_index=True), counts

    for dirty in (False, True):
        if dirty:
            lines[7] = "1503960366,4/12/2016 7:21:00 AM,400"
            path.write_text("\n".join(lines) + "\n")
        engine, engine_rejects, engine_counts = outcome(True)
        assert (folded.pop() is None) == dirty  # clean: DuckDB's rows; dirty: declined, read block by block
        ordinary, ordinary_rejects, ordinary_counts = outcome(False)
        assert engine_counts == ordinary_counts and engine_counts[0] == 3 * 2 * 480
        pd.testing.assert_frame_equal(engine.drop(columns="value"), ordinary.drop(columns="value"), check_dtype=False)
        assert engine["value"].to_numpy() == pytest.approx(ordinary["value"].to_numpy(), rel=1e-12)
        pd.testing.assert_frame_equal(engine_rejects, ordinary_rejects)
        assert len(engine) == 3 * 2 and not engine["participant_id"].str.contains("150396").any()  # pseudonyms
        assert engine_counts[2] == (1 if dirty else 0)


def test_a_minute_sleep_file_cut_off_mid_line_keeps_every_other_line(tmp_path, monkeypatch):
    """An interrupted copy: the last line of a large minuteSleep file is cut. DuckDB declines it, the block reader
    (transforms/ingest/sources/_sleep_blocks.py) folds the rest; ingestion quarantines the one line and gives the
    daily rows, counts and rejects of the text-cell path (once the file failed whole: DuckDB's error arrived as an
    Arrow IOError)."""
    from tests.transforms.ingest.sources.test_sleep_blocks import file_with
    from transforms.ingest.sources import fitabase_intraday

    landing = tmp_path / "landing"
    landing.mkdir()
    path = landing / "minuteSleep_merged.csv"
    lines = file_with(path, [])
    text = path.read_text()
    path.write_text(text[: len(text) - 12])

    def outcome(engine: bool):
        monkeypatch.setattr(fitabase_intraday, "ENGINE_MIN_BYTES", 0 if engine else math.inf)
        out = ingest_file(
            path, landing, ParticipantMap.load(None, b"k"), None, dt.date(2024, 6, 1), logging.getLogger("test")
        )
        obs = pd.concat(out.observations, ignore_index=True).sort_values(["participant_id", "day", "metric"])
        counts = (out.status(), out.read, out.accepted(), out.quarantined, tuple(out.failures))
        return obs.reset_index(drop=True), pd.concat(out.rejects, ignore_index=True), counts

    blocks, blocks_rejects, blocks_counts = outcome(True)
    text_cells, text_rejects, text_counts = outcome(False)
    assert blocks_counts == text_counts and blocks_counts[:2] == ("ingested", len(lines) - 1)
    assert blocks_counts[3] == 1 and blocks_rejects["locator"].tolist() == [f"line {len(lines)}"]
    pd.testing.assert_frame_equal(blocks_rejects, text_rejects)
    cols = ["participant_id", "day", "metric"]
    pd.testing.assert_frame_equal(blocks[cols], text_cells[cols])
    assert blocks["value"].to_numpy() == pytest.approx(text_cells["value"].to_numpy(), rel=1e-12)


def test_an_apple_health_export_gives_the_same_outcome_split_or_in_one_pass(tmp_path, monkeypatch):
    """The split read of large exports (transforms/ingest/sources/apple_health.py, ``_read_split``) and one
    expat pass give ingestion the same daily rows, counts and rejects."""
    from tests.transforms.ingest.sources.test_apple_health_split import BAD, GOOD, export, heart
    from transforms.ingest.sources import apple_health

    landing = tmp_path / "landing"
    (landing / "P7").mkdir(parents=True)
    path = landing / "P7" / "export.xml"
    path.write_text(export([heart(m, str(50 + m % 40)) for m in range(0, 3 * 1440, 7)] + (GOOD + BAD) * 30))
    split_reads = []
    helper_chunks = apple_health._helper_chunks
    monkeypatch.setattr(apple_health, "_helper_chunks", lambda *a, **k: split_reads.append(1) or helper_chunks(*a, **k))

    def outcome(split: bool):
        monkeypatch.setattr(apple_health, "SPLIT_MIN_BYTES", 0 if split else math.inf)
        out = ingest_file(
            path, landing, ParticipantMap.load(None, b"k"), None, dt.date(2025, 1, 1), logging.getLogger("test")
        )
        obs = pd.concat(out.observations, ignore_index=True).sort_values(["metric", "day"], ignore_index=True)
        counts = (out.read, out.accepted(), out.quarantined, out.empty, out.ignored, tuple(out.failures))
        return obs, pd.concat(out.rejects, ignore_index=True), counts

    split, split_rejects, split_counts = outcome(True)
    one, one_rejects, one_counts = outcome(False)
    assert split_reads == [1]
    pd.testing.assert_frame_equal(split, one)
    pd.testing.assert_frame_equal(split_rejects, one_rejects)
    assert split_counts == one_counts and one_counts[2] == len(BAD) * 30
    assert set(one["metric"]) >= {"heart_rate_mean_bpm", "steps", "sleep_minutes"}

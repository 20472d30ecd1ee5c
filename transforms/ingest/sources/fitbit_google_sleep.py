"""Fitbit's sleep tables in the Google format of its Takeout (``Health Fitness Data_GoogleData/``), one
participant per file:

| file | becomes |
|---|---|
| ``UserSleeps_*.csv`` (one row per sleep: ``sleep_start``, ``sleep_end`` in UTC with ``start_utc_offset``/``end_utc_offset``, ``minutes_asleep``, ``minutes_in_sleep_period``) | per local day of ``sleep_end``: the longest sleep ending before ``main_sleep_end_hour`` (ingest.toml) is the main sleep: ``sleep_minutes`` = minutes_asleep (Fitbit's count), ``sleep_efficiency_pct`` = 100 × minutes_asleep / minutes_in_sleep_period, ``sleep_midpoint_min`` on the local clock; the others' minutes_asleep go to ``nap_minutes`` |
| ``UserSleepScores_*.csv`` (``score_time`` UTC with ``score_utc_offset``, ``overall_score``) | ``sleep_score`` on the local day of score_time |
| ``UserSleepStages_*.csv`` | ignored: the stage intervals of the sleeps UserSleeps already counts |

Fitbit writes ``+00:00`` as the offset of sleeps whose zone it did not keep (the stages of the same sleep carry
the real one, e.g. ``-06:00``): a ``+00:00`` offset is replaced by the participant's zone (participants.csv
``timezone``; unset, UTC, so nothing changes). A repeated ``sleep_id`` is quarantined as a duplicate. The same
nights in ``Global Export Data/sleep-*.json`` (``fitbit_takeout_sleep``) are another source: the daily table takes
one of the two per day (sources.toml priority), never both.
"""

from __future__ import annotations

import pandas as pd

from transforms import vocabulary
from transforms.ingest.sources._ignored import ignored_csv_records
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, header_names, read_csv_strings

FORMAT = "fitbit_google_sleep"
SCOPE = "person"
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S")
SLEEPS = [
    "sleep_id",
    "sleep_type",
    "minutes_in_sleep_period",
    "minutes_asleep",
    "start_utc_offset",
    "sleep_start",
    "end_utc_offset",
    "sleep_end",
]
SCORES = ["sleep_id", "sleep_score_id", "score_utc_offset", "score_time", "overall_score"]
STAGES = ["sleep_id", "sleep_stage_id", "sleep_stage_type", "sleep_stage_start", "sleep_stage_end"]


def detect(name: str, head: str) -> bool:
    return any(has_columns_of(head, known, share=0.8) for known in (SLEEPS, SCORES, STAGES))


def parse(source, ctx):
    names = set(header_names(source.head()))
    if set(STAGES) <= names:
        return ignored_csv_records(
            source, ctx.source_file, STAGES, FORMAT, "sleep stage intervals: the sleeps file counts these sleeps"
        )
    if set(SCORES[:4]) <= names or "overall_score" in names:
        return _scores(source, ctx)
    return _sleeps(source, ctx)


def _local(chk, frame: pd.DataFrame, stamp: str, offset: str, zone: str) -> pd.Series:
    """The stamp (UTC) on the local clock: its row's offset, a ``+00:00`` one read as the participant's zone."""
    from transforms.ingest.sources._tabular import utc_to_local

    utc = chk.utc(stamp)
    text = frame[offset].astype("string").fillna("").str.strip()
    parts = text.str.extract(r"^([+-])(\d{2}):?(\d{2})$")
    minutes = (parts[0].map({"+": 1, "-": -1}) * (pd.to_numeric(parts[1]) * 60 + pd.to_numeric(parts[2]))).astype(
        "float64"
    )
    chk.fail_where(minutes.isna(), "unparseable " + offset)
    by_zone = utc_to_local(utc, zone)
    return (utc + pd.to_timedelta(minutes, unit="m")).where(minutes != 0, by_zone)


def _sleeps(source, ctx):
    table = read_csv_strings(source, ctx.source_file, SLEEPS, FORMAT)
    frame = table.frame
    chk = RecordChecker(frame)
    start = _local(chk, frame, "sleep_start", "start_utc_offset", ctx.timezone)
    end = _local(chk, frame, "sleep_end", "end_utc_offset", ctx.timezone)
    chk.fail_where(end <= start, "sleep_end not after sleep_start")
    asleep = chk.number("minutes_asleep", lo=0, hi=1440)
    period = chk.number("minutes_in_sleep_period", lo=0, hi=1440)
    chk.fail_where(asleep > period, "minutes_asleep exceeds minutes_in_sleep_period")
    day = end.dt.normalize()
    first = ~frame["sleep_id"].duplicated()
    end_hour = vocabulary.ingest_rules().main_sleep_end_hour
    can_be_main = chk.good & first & (end < day + pd.Timedelta(hours=end_hour))
    ranked = pd.DataFrame({"day": day, "asleep": asleep})[can_be_main].sort_values(
        ["day", "asleep"], ascending=[True, False]
    )
    main_ids = set(frame.loc[ranked.index[~ranked["day"].duplicated()], "sleep_id"])
    main = frame["sleep_id"].isin(main_ids)
    midpoint = (start + (end - start) / 2 - day).dt.total_seconds() / 60
    values = {
        "sleep_minutes": asleep.where(main),
        "nap_minutes": asleep.where(~main),
        "sleep_efficiency_pct": (100 * asleep / period).where(main & (period > 0)),
        "sleep_midpoint_min": midpoint.where(main),
    }
    base = frame[["_locator"]].assign(day=day, _id=frame["sleep_id"])
    return csv_result(table, chk, ["_id"], base, values, FORMAT, ctx.source_file, observed_at=start)


def _scores(source, ctx):
    table = read_csv_strings(source, ctx.source_file, SCORES, FORMAT)
    frame = table.frame
    chk = RecordChecker(frame)
    at = _local(chk, frame, "score_time", "score_utc_offset", ctx.timezone)
    score = chk.number("overall_score", lo=0, hi=100)
    base = frame[["_locator"]].assign(day=at.dt.normalize(), _id=frame["sleep_id"])
    return csv_result(table, chk, ["_id"], base, {"sleep_score": score}, FORMAT, ctx.source_file)

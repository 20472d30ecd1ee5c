"""Withings Sleep Analyzer export, one participant per file.

``sleep.csv`` (one row per night; German app: ``von,bis,leicht (s),tief (s),rem (s),wach (s),Aufwachen,…``,
English: ``from,to,light (s),deep (s),rem (s),awake (s),…``; times ISO with offset). On the local day of
``bis``/``to`` (a night belongs to the day it ends), the longest session ending before ``main_sleep_end_hour``
is the main sleep: ``sleep_minutes`` = (light + deep + REM) / 60, ``sleep_efficiency_pct`` = 100 × asleep /
(to − from, elapsed time from the offsets), ``sleep_midpoint_min``, ``resting_hr_bpm`` = "Heart rate (min)"
(the night's lowest heart rate, as Oura reports it); other sessions add to ``nap_minutes``.

``raw_sleep-monitor_*.csv`` (per-minute heart rate, respiratory rate, sleep state, snoring as JSON arrays) are
recognised and counted as ignored: the nightly summary carries what this project uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.errors import SchemaDrift
from transforms.ingest.records import ParseResult
from transforms.ingest.sources._oura import local_times
from transforms.ingest.sources._tabular import RecordChecker, csv_result, data_columns, read_csv_strings

FORMAT = "withings_sleep"
SCOPE = "person"
ALIASES = {
    "von": "from",
    "bis": "to",
    "leicht (s)": "light (s)",
    "tief (s)": "deep (s)",
    "wach (s)": "awake (s)",
    "Aufwachen": "wake up",
}
REQUIRED = ["from", "to", "light (s)", "deep (s)", "rem (s)"]  # English names (German ones are aliased)


def detect(name: str, head: str) -> bool:
    header = head.lstrip("\ufeff").split("\n", 1)[0]
    summary = ("von,bis" in header or header.startswith("from,to")) and "rem (s)" in header
    raw = header.strip() == "start,duration,value" and name.startswith("raw_sleep-monitor")
    return summary or raw


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, [], FORMAT)
    frame = table.frame.rename(columns=ALIASES)
    if list(frame.columns[:3]) == ["start", "duration", "value"]:
        return ParseResult(n_records=table.n_records, n_ignored=table.n_records)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaDrift(ctx.source_file, missing, data_columns(frame))
    table.frame = frame
    chk = RecordChecker(frame)
    start, start_offset = local_times(frame["from"])
    end, end_offset = local_times(frame["to"])
    chk.fail_where(start.isna() | end.isna(), "unparseable from/to")
    stages = pd.concat([chk.number(c, lo=0, hi=86_400) for c in ("light (s)", "deep (s)", "rem (s)")], axis=1)
    asleep = stages.sum(axis=1) / 60
    elapsed = (end - pd.to_timedelta(end_offset, unit="m")) - (start - pd.to_timedelta(start_offset, unit="m"))
    minutes = elapsed.dt.total_seconds() / 60
    chk.fail_where(minutes <= 0, "to is not after from")
    day = end.dt.normalize()
    mid_local = start - pd.to_timedelta(start_offset, unit="m") + elapsed / 2 + pd.to_timedelta(end_offset, unit="m")
    main = _main_sessions(day, end, asleep, chk.good)
    lowest = chk.number("Heart rate (min)", required=False) if "Heart rate (min)" in frame else asleep * np.nan
    values = {
        "sleep_minutes": asleep.where(main),
        "nap_minutes": asleep.where(~main),
        "sleep_efficiency_pct": (100 * asleep / minutes).where(main),
        "sleep_midpoint_min": ((mid_local - day).dt.total_seconds() / 60).where(main),
        "resting_hr_bpm": lowest.where(main),
    }
    base = frame[["_locator"]].assign(day=day, _start=frame["from"])
    return csv_result(table, chk, ["_start"], base, values, FORMAT, ctx.source_file)


def _main_sessions(day: pd.Series, end: pd.Series, asleep: pd.Series, good: pd.Series) -> pd.Series:
    cutoff = day + pd.Timedelta(hours=vocabulary.ingest_rules().main_sleep_end_hour)
    candidate = good & (end < cutoff)
    ranked = asleep.where(candidate).groupby(day).transform("max")
    first = ~pd.concat([day, asleep.where(candidate)], axis=1).duplicated()
    return (candidate & (asleep == ranked) & first).fillna(False).astype(bool)

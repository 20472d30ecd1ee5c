"""WHOOP app export, one participant per file: ``physiological_cycles.csv`` and ``sleeps.csv``.

Times are local wall-clock (``2024-06-23 20:24:26``) with the offset in ``Cycle timezone`` (``UTC-04:00``).
A night belongs to the local day of its ``Wake onset``.

* physiological_cycles: ``resting_hr_bpm`` = Resting heart rate (bpm), ``hrv_rmssd_ms`` = Heart rate
  variability (ms) (WHOOP reports RMSSD), ``readiness_score`` = Recovery score %, all measured in the sleep
  that opens the cycle and dated by its Wake onset (the cycle start when there is none). The sleep columns of
  this file are left to sleeps.csv, which has the same values and the naps. The current cycle has no end
  time; it is used like the others. A cycle with none of these values (no sleep recorded) counts as empty.
* sleeps: ``Nap`` false → main sleep: ``sleep_minutes`` = Asleep duration (min), ``sleep_efficiency_pct`` =
  Sleep efficiency %, ``sleep_midpoint_min`` from Sleep onset and Wake onset (elapsed time from the offsets,
  so a DST night is right); ``Nap`` true → ``nap_minutes``. A sleep without durations counts as empty.

A repeated cycle start (cycles) or sleep onset (sleeps) is quarantined as a duplicate. The export's
``workouts.csv`` and ``journal_entries.csv`` are recognised and counted as ignored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.ingest.errors import SchemaDrift
from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, data_columns, read_csv_strings

FORMAT = "whoop_csv"
SCOPE = "person"
TIME = ("%Y-%m-%d %H:%M:%S",)
SLEEP_TIMES = ["Sleep onset", "Wake onset"]  # what sleeps.csv cannot do without


def detect(name: str, head: str) -> bool:
    header = head.lstrip("\ufeff").split("\n", 1)[0]
    return "Cycle start time" in header and "Cycle timezone" in header


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, ["Cycle start time", "Cycle timezone"], FORMAT)
    frame = table.frame
    if "Nap" not in frame.columns and "Recovery score %" not in frame.columns:
        return ParseResult(n_records=table.n_records, n_ignored=table.n_records)  # workouts, journal
    missing = [c for c in SLEEP_TIMES if c not in frame.columns] if "Nap" in frame.columns else []
    if missing:
        raise SchemaDrift(ctx.source_file, missing, data_columns(frame))
    chk = RecordChecker(frame)
    cycle_start = chk.datetime("Cycle start time", TIME)
    wake = chk.datetime("Wake onset", TIME, required=False) if "Wake onset" in frame else cycle_start * np.nan
    day = wake.fillna(cycle_start).dt.normalize()

    def num(col):
        if col not in frame:
            return pd.Series(np.nan, index=frame.index)
        return pd.to_numeric(frame[col].where(frame[col] != ""), errors="coerce")

    if "Nap" in frame.columns:
        onset = chk.datetime("Sleep onset", TIME, required=False)
        offset = _offset_minutes(frame["Cycle timezone"])
        chk.fail_where(offset.isna() & (frame["Cycle timezone"] != ""), "unreadable Cycle timezone")
        nap = frame["Nap"].str.lower().eq("true")
        asleep = num("Asleep duration (min)")
        midpoint = (onset + (wake - onset) / 2 - day).dt.total_seconds() / 60
        values = {
            "sleep_minutes": asleep.where(~nap),
            "nap_minutes": asleep.where(nap),
            "sleep_efficiency_pct": num("Sleep efficiency %").where(~nap),
            "sleep_midpoint_min": midpoint.where(~nap & asleep.notna()),
        }
        key = "Sleep onset"
    else:
        values = {
            "resting_hr_bpm": num("Resting heart rate (bpm)"),
            "hrv_rmssd_ms": num("Heart rate variability (ms)"),
            "readiness_score": num("Recovery score %"),
        }
        key = "Cycle start time"
    empty = chk.good & pd.concat(values, axis=1).isna().all(axis=1)
    base = frame[["_locator"]].assign(day=day, _key=frame[key])
    result = csv_result(
        table, chk, ["_key"], base[~empty], {m: v[~empty] for m, v in values.items()}, FORMAT, ctx.source_file
    )
    result.n_empty = int(empty.sum())
    return result


def _offset_minutes(zone: pd.Series) -> pd.Series:
    """``UTC-04:00`` → −240."""
    m = zone.str.extract(r"UTC([+-])(\d{2}):?(\d{2})")
    sign = np.where(m[0] == "-", -1.0, 1.0)
    return sign * (pd.to_numeric(m[1]) * 60 + pd.to_numeric(m[2]))

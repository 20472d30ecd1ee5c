"""Intraday samples → daily observations, in bounded memory.

Streaming parsers hand over chunks of samples (``records.SAMPLE_SCHEMA``); ``DailyFromSamples.add`` folds
each chunk into small partial aggregates and ``finish`` turns them into daily observations:

* **level** (heart rate, HRV, resting HR records): value = mean of the day's samples (Σ/n over all chunks).
  For ``heart_rate_mean_bpm`` the day's ``coverage`` = valid hours / 24, an hour being valid when the
  minutes holding a sample reach ``valid_hour_min_share`` × the format's nominal samples per hour (60 for
  minute-level heart rate, 6 for the Apple Watch's background readings); minutes are kept exactly as 60-bit
  masks per hour, so chunk boundaries never double-count.
* **amount** (steps): summed per clock hour and device source; within each hour only the best-ranked
  source counts (``source_rank``, lower is better: a watch before a phone). A sample belongs to the hour it
  starts in. This is the Health app's "one source per time span" rule at hourly resolution, so an iPhone
  and a Watch carried together are not counted twice.
* **sleep** intervals (value 1 asleep, 0 in bed awake) of one source are joined into sessions when less
  than ``session_gap_minutes`` apart. A session belongs to the local day it ends. Per participant·day only
  the best-ranked source with sleep is used. The longest session ending before ``main_sleep_end_hour`` is
  the main sleep: ``sleep_minutes`` = union of its asleep intervals, ``sleep_efficiency_pct`` = 100 ×
  asleep / in-bed span, where the span runs from the first to the last interval of the session, widened
  by any in-bed interval of another source that overlaps it (an iPhone "InBed" around Watch stages);
  ``sleep_midpoint_min`` = midpoint of that span, minutes after local midnight of the day (negative before
  midnight). Other sessions' asleep minutes sum to ``nap_minutes``.
  Durations use each record's own UTC offset, so a night across a DST change is not off by an hour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.records import (
    AMOUNT,
    LEVEL,
    SLEEP,
    empty_observations,
    label_codes,
    sample_kinds,
    typed_observations,
)

HEART_RATE = "heart_rate_mean_bpm"


def _absolute(local: pd.Series, offset_min: pd.Series) -> pd.Series:
    """UTC instants from local wall-clock times and their offsets (offset unknown: local taken as is)."""
    return local - pd.to_timedelta(offset_min.fillna(0.0), unit="m")


class DailyFromSamples:
    def __init__(self, source: str, source_file: str, heart_rate_per_hour: int = 60):
        self.source, self.source_file = source, source_file
        self.heart_rate_per_hour = heart_rate_per_hour
        self.rules = vocabulary.ingest_rules()
        self._levels: list[pd.DataFrame] = []
        self._minutes: list[pd.DataFrame] = []
        self._amounts: list[pd.DataFrame] = []
        self._sleep: list[pd.DataFrame] = []

    def add(self, samples: pd.DataFrame) -> None:
        if samples.empty:
            return
        kind = sample_kinds(samples)
        if (kind == LEVEL).all():
            self._add_levels(samples)
            return
        level = samples[kind == LEVEL]
        if len(level):
            self._add_levels(level)
        amount = samples[kind == AMOUNT]
        if len(amount):
            self._amounts.append(
                amount.assign(hour=amount["start"].dt.floor("h"))
                .groupby(["participant_id", "metric", "hour", "source_rank"], observed=True)["value"]
                .agg(["sum", "count"])
                .reset_index()
            )
        sleep = samples[kind == SLEEP]
        if len(sleep):
            self._sleep.append(
                sleep[
                    ["participant_id", "start", "end", "utc_offset_min", "end_utc_offset_min", "value", "source_rank"]
                ]
            )

    def _add_levels(self, level: pd.DataFrame) -> None:
        """Σ value and n per participant·day·metric, and per participant·hour the minute mask of heart rate,
        by integer keys reduced over runs (no sort when the chunk is already in key order, as exports are)."""
        value = level["value"].to_numpy(dtype="float64")
        person, people = label_codes(level["participant_id"])
        metric, metrics = label_codes(level["metric"])
        seconds = level["start"].to_numpy().astype("datetime64[s]").astype(np.int64)
        keep = np.isfinite(value) & (person >= 0) & (metric >= 0)
        if not keep.all():
            value, person, metric, seconds = value[keep], person[keep], metric[keep], seconds[keep]
        if not len(value):
            return
        day = seconds // 86400
        series = person * len(metrics) + metric
        first, order = _runs(series, day)
        sums = np.add.reduceat(value if order is None else value[order], first)
        counts = np.diff(np.r_[first, len(value)])
        at = first if order is None else order[first]
        self._levels.append(
            pd.DataFrame(
                {
                    "participant_id": people[person[at]],
                    "day": (day[at] * 86400).astype("datetime64[s]"),
                    "metric": metrics[metric[at]],
                    "sum": sums,
                    "count": counts,
                }
            )
        )
        heart = np.flatnonzero(metrics == HEART_RATE)
        if len(heart):
            hr = metric == heart[0]
            if not hr.all():
                person, seconds = person[hr], seconds[hr]
            if len(seconds):
                self._minutes.append(_minute_masks(people, person, seconds))

    def finish(self) -> pd.DataFrame:
        parts = [self._finish_levels(), self._finish_amounts(), self._finish_sleep()]
        parts = [p for p in parts if len(p)]
        if not parts:
            return empty_observations()
        return typed_observations(pd.concat(parts, ignore_index=True), self.source, self.source_file)

    def _finish_levels(self) -> pd.DataFrame:
        if not self._levels:
            return pd.DataFrame()
        agg = (
            pd.concat(self._levels)
            .groupby(["participant_id", "day", "metric"], observed=True)[["sum", "count"]]
            .sum()
            .reset_index()
        )
        out = agg.assign(
            value=agg["sum"] / agg["count"],
            coverage=np.nan,
            n_samples=agg["count"].astype("int64"),
            locator="aggregate of " + agg["count"].astype(int).astype(str) + " samples",
        )
        if self._minutes:
            cov = _coverage(pd.concat(self._minutes), self.rules.valid_hour_min_share * self.heart_rate_per_hour)
            hr = out["metric"] == HEART_RATE
            keyed = out.loc[hr, ["participant_id", "day"]].merge(cov, on=["participant_id", "day"], how="left")
            out.loc[hr, "coverage"] = keyed["coverage"].to_numpy()
        return out[["participant_id", "day", "metric", "value", "coverage", "locator", "n_samples"]]

    def _finish_amounts(self) -> pd.DataFrame:
        if not self._amounts:
            return pd.DataFrame()
        hourly = (
            pd.concat(self._amounts)
            .groupby(["participant_id", "metric", "hour", "source_rank"], observed=True)[["sum", "count"]]
            .sum()
            .reset_index()
            .sort_values(["participant_id", "metric", "hour", "source_rank"])
            .drop_duplicates(["participant_id", "metric", "hour"], keep="first")
        )
        daily = (
            hourly.assign(day=hourly["hour"].dt.normalize())
            .groupby(["participant_id", "day", "metric"], observed=True)
            .agg(value=("sum", "sum"), n=("count", "sum"))
            .reset_index()
        )
        return daily.assign(
            coverage=np.nan,
            locator="aggregate of " + daily["n"].astype(str) + " samples",
            n_samples=daily["n"].astype("int64"),
        )[["participant_id", "day", "metric", "value", "coverage", "locator", "n_samples"]]

    def _finish_sleep(self) -> pd.DataFrame:
        if not self._sleep:
            return pd.DataFrame()
        return sleep_sessions(pd.concat(self._sleep, ignore_index=True), self.rules)


def _runs(major: np.ndarray, minor: np.ndarray):
    """Start positions of runs of equal (major, minor) in key order, and the order (None when the rows are
    already sorted by the key, else a stable argsort)."""
    span = int(minor.max() - minor.min()) + 1
    key = major * span + (minor - minor.min())
    if len(key) > 1 and not (key[1:] >= key[:-1]).all():
        order = np.argsort(key, kind="stable")
        key = key[order]
    else:
        order = None
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return first, order


def _minute_masks(people: np.ndarray, person: np.ndarray, seconds: np.ndarray) -> pd.DataFrame:
    """Per participant·hour, a 60-bit mask of the minutes holding at least one sample."""
    return _or_by_hour(people, person, seconds // 3600, np.left_shift(np.int64(1), (seconds // 60) % 60))


def _or_by_hour(people: np.ndarray, person: np.ndarray, hour: np.ndarray, bits: np.ndarray) -> pd.DataFrame:
    """participant_id, hour, bits: the bitwise OR of ``bits`` per participant code ``person`` and hour (hours
    since the epoch)."""
    first, order = _runs(person, hour)
    masks = np.bitwise_or.reduceat(bits if order is None else bits[order], first)
    at = first if order is None else order[first]
    return pd.DataFrame(
        {"participant_id": people[person[at]], "hour": (hour[at] * 3600).astype("datetime64[s]"), "bits": masks}
    )


def _coverage(minutes: pd.DataFrame, min_minutes: float) -> pd.DataFrame:
    """Share of the day's 24 hours whose minute masks (merged over chunks) reach ``min_minutes``."""
    person, people = label_codes(minutes["participant_id"])
    hour = minutes["hour"].to_numpy().astype("datetime64[s]").astype(np.int64) // 3600
    hours = _or_by_hour(people, person, hour, minutes["bits"].to_numpy())
    valid = np.bitwise_count(hours["bits"].to_numpy().astype(np.uint64)) >= min_minutes
    return (
        hours.assign(day=hours["hour"].dt.normalize(), valid=valid)
        .groupby(["participant_id", "day"], observed=True)["valid"]
        .sum()
        .div(24)
        .rename("coverage")
        .reset_index()
    )


def _widen_by_in_bed(sessions: pd.DataFrame, in_bed: pd.DataFrame) -> pd.DataFrame:
    """Extend each session's span by in-bed intervals of other sources that overlap it. Candidates are
    joined on participant and the day the interval ends (that day or the next), so the join stays linear
    in the number of nights."""
    if in_bed.empty:
        return sessions
    bed = in_bed[["participant_id", "end", "abs_start", "abs_end"]].assign(day=in_bed["end"].dt.normalize())
    keyed = sessions.reset_index()
    pairs = pd.concat(
        [
            keyed.merge(
                bed.assign(day=bed["day"] - pd.Timedelta(days=shift)).drop(columns="end"),
                on=["participant_id", "day"],
                suffixes=("", "_bed"),
            )
            for shift in (0, 1)
        ],
        ignore_index=True,
    )
    pairs = pairs[(pairs["abs_start_bed"] < pairs["abs_end"]) & (pairs["abs_end_bed"] > pairs["abs_start"])]
    if pairs.empty:
        return sessions
    wide = pairs.groupby("session").agg(bed_start=("abs_start_bed", "min"), bed_end=("abs_end_bed", "max"))
    out = sessions.join(wide)
    out["abs_start"] = out[["abs_start", "bed_start"]].min(axis=1)
    out["abs_end"] = out[["abs_end", "bed_end"]].max(axis=1)
    return out.drop(columns=["bed_start", "bed_end"])


def sleep_sessions(intervals: pd.DataFrame, rules) -> pd.DataFrame:
    """Main sleep and nap observations from sleep intervals (see the module docstring)."""
    iv = intervals.copy()
    iv["end_utc_offset_min"] = iv["end_utc_offset_min"].fillna(iv["utc_offset_min"])
    iv["abs_start"] = _absolute(iv["start"], iv["utc_offset_min"])
    iv["abs_end"] = _absolute(iv["end"], iv["end_utc_offset_min"])
    iv = iv[iv["abs_end"] > iv["abs_start"]].sort_values(["participant_id", "source_rank", "abs_start"])
    if iv.empty:
        return pd.DataFrame()
    keys = ["participant_id", "source_rank"]
    gap = pd.Timedelta(minutes=rules.session_gap_minutes)
    running_end = iv.groupby(keys, observed=True)["abs_end"].cummax()
    prev_end = running_end.groupby([iv[k] for k in keys], observed=True).shift()
    new_session = prev_end.isna() | (iv["abs_start"] > prev_end + gap)
    iv["session"] = new_session.cumsum()

    asleep = iv[iv["value"] >= 1].sort_values(["session", "abs_start"])
    covered_until = asleep.groupby("session")["abs_end"].cummax().groupby(asleep["session"]).shift()
    effective_start = asleep["abs_start"].where(covered_until.isna(), np.maximum(asleep["abs_start"], covered_until))
    asleep_min = (asleep["abs_end"] - effective_start).clip(lower=pd.Timedelta(0)).dt.total_seconds() / 60
    asleep_by_session = asleep_min.groupby(asleep["session"]).sum()

    sessions = iv.groupby("session").agg(
        participant_id=("participant_id", "first"),
        source_rank=("source_rank", "first"),
        abs_start=("abs_start", "min"),
        abs_end=("abs_end", "max"),
        local_end=("end", "max"),
        end_offset=("end_utc_offset_min", "last"),
        intervals=("start", "size"),
    )
    sessions["asleep"] = asleep_by_session.reindex(sessions.index).fillna(0.0)
    return sleep_observations(sessions, iv[iv["value"] < 1], rules)


def sleep_observations(sessions: pd.DataFrame, in_bed: pd.DataFrame, rules) -> pd.DataFrame:
    """Main sleep and nap observations from sessions (participant_id, source_rank, abs_start, abs_end, local_end,
    end_offset, intervals, asleep minutes; one row per session) and the in-bed intervals that may widen them
    (module docstring). ``transforms.ingest.sources._engine_sleep`` builds them from DuckDB's typed rows."""
    sessions = sessions[sessions["asleep"] > 0]
    if sessions.empty:
        return pd.DataFrame()
    sessions = sessions.assign(day=sessions["local_end"].dt.normalize())
    best = sessions.groupby(["participant_id", "day"])["source_rank"].transform("min")
    sessions = _widen_by_in_bed(sessions[sessions["source_rank"] == best], in_bed)
    span = (sessions["abs_end"] - sessions["abs_start"]).dt.total_seconds() / 60
    mid_abs = sessions["abs_start"] + (sessions["abs_end"] - sessions["abs_start"]) / 2
    mid_local = mid_abs + pd.to_timedelta(sessions["end_offset"].fillna(0.0), unit="m")
    sessions = sessions.assign(span=span, midpoint=(mid_local - sessions["day"]).dt.total_seconds() / 60)

    can_be_main = sessions["local_end"] < sessions["day"] + pd.Timedelta(hours=rules.main_sleep_end_hour)
    ranked = sessions[can_be_main].sort_values(["participant_id", "day", "asleep"], ascending=[True, True, False])
    main_idx = ranked.drop_duplicates(["participant_id", "day"]).index
    main = sessions.loc[main_idx]
    naps = sessions.drop(index=main_idx)
    rows = [  # the session's intervals stand behind its minutes; efficiency and midpoint derive from them
        main.assign(metric="sleep_minutes", value=main["asleep"], n_samples=main["intervals"]),
        main.assign(metric="sleep_efficiency_pct", value=100 * main["asleep"] / main["span"], n_samples=0),
        main.assign(metric="sleep_midpoint_min", value=main["midpoint"], n_samples=0),
    ]
    if len(naps):
        nap_days = (
            naps.groupby(["participant_id", "day"])
            .agg(value=("asleep", "sum"), n_samples=("intervals", "sum"))
            .reset_index()
        )
        rows.append(nap_days.assign(metric="nap_minutes"))
    out = pd.concat(rows, ignore_index=True)
    return out.assign(coverage=np.nan, locator="sleep sessions", n_samples=out["n_samples"].astype("int64"))[
        ["participant_id", "day", "metric", "value", "coverage", "locator", "n_samples"]
    ]

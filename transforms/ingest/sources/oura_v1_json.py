"""Oura Cloud API v1 JSON (``/v1/sleep``, ``/v1/activity``, ``/v1/readiness``; retired in 2024, but studies
keep their dumps), one participant per file: ``{"sleep": [...], "activity": [...], "readiness": [...]}`` with
any of the three keys, records dated by ``summary_date``.

| kind | metrics |
|---|---|
| sleep | on the local day ``bedtime_end`` falls on (a night belongs to the day it ends; v1's ``summary_date`` is the day before, "one day prior to the date when the sleep period ended" in Oura's v1 documentation, and is used, plus one day, only when ``bedtime_end`` is missing). The ``is_longest`` period is the main sleep: ``sleep_minutes`` = total / 60, ``sleep_efficiency_pct`` = efficiency, ``sleep_midpoint_min`` from bedtime_start and bedtime_end, ``resting_hr_bpm`` = hr_lowest, ``hrv_rmssd_ms`` = rmssd, ``respiratory_rate_brpm`` = breath_average, ``temperature_deviation_c`` = temperature_delta, ``sleep_score`` = score; other periods' total adds to ``nap_minutes`` |
| activity | on ``summary_date``: ``steps``; ``active_minutes`` = medium + high (minutes); ``sedentary_minutes`` = inactive; coverage = 1 − non_wear / 1440 |
| readiness | ``readiness_score`` = score, on the day of the sleep period it scores (same summary_date and period_id), else summary_date + 1 day |

A second record of the same kind, summary_date and period_id is quarantined as a duplicate. Locators are JSON
paths, ``$.sleep[3]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.ingest.errors import MalformedFile
from transforms.ingest.records import ParseResult, empty_observations, rejects_frame, split_duplicates
from transforms.ingest.sources._oura import numbers, period_values
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json,
    text_column,
)

FORMAT = "oura_v1_json"
SCOPE = "person"
KINDS = ("sleep", "activity", "readiness")
ONE_DAY = pd.Timedelta(days=1)


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("{") and '"summary_date"' in head and any(f'"{k}"' in head for k in KINDS)


def parse(source, ctx) -> ParseResult:
    doc = read_json(source, ctx.source_file)
    if not isinstance(doc, dict) or not any(isinstance(doc.get(k), list) for k in KINDS):
        raise MalformedFile(ctx.source_file, "no Oura v1 lists (expected 'sleep', 'activity' or 'readiness')")
    n_records = sum(len(v) for v in doc.values() if isinstance(v, list))
    n_ignored = sum(len(v) for k, v in doc.items() if isinstance(v, list) and k not in KINDS)
    observations, rejects, raws, sleep_days = [], [], {}, None
    for kind in KINDS:  # sleep first: readiness takes its day from the sleep period it scores
        records = doc.get(kind)
        if not isinstance(records, list):
            continue
        path = f"$.{kind}"
        raw = raws[path] = JsonRaw(records, path)
        frame = json_frame(records, path)
        chk = RecordChecker(frame)
        frame["summary_date"] = text_column(frame, "summary_date")
        summary = chk.datetime("summary_date", ("%Y-%m-%d",))
        period = frame.get("period_id", pd.Series(0, index=frame.index)).fillna(0).astype(str)
        if kind == "sleep":
            day, values = _sleep(frame, chk, summary)
            sleep_days = pd.DataFrame({"summary": summary, "period": period, "day": day})[chk.good]
            coverage = None
        elif kind == "activity":
            day, values = summary, _activity(frame, chk)
            coverage = (1 - numbers(frame, "non_wear") / 1440).clip(0, 1)
        else:
            day, values, coverage = (
                _readiness_day(summary, period, sleep_days),
                {"readiness_score": numbers(frame, "score")},
                None,
            )
        base = frame[["_locator"]].assign(day=day.dt.normalize(), _key=summary.astype(str) + "/" + period)[chk.good]
        kept, dups = split_duplicates(base, key=["_key"], locator="_locator")
        bad = ~chk.good
        rejects += [
            rejects_frame(
                ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
            ),
            rejects_frame(ctx.source_file, FORMAT, dups["_locator"], dups["reason"], raw(dups["_locator"])),
        ]
        observations.append(
            melt_observations(
                kept,
                {m: v[kept.index] for m, v in values.items()},
                FORMAT,
                ctx.source_file,
                coverage=coverage[kept.index] if coverage is not None else None,
            )
        )
    return ParseResult(
        observations=pd.concat(observations, ignore_index=True) if observations else empty_observations(),
        rejects=concat_rejects(rejects),
        n_records=n_records,
        n_ignored=n_ignored,
        raw_records=lambda locators: _raw(raws, locators),
        notes=[
            f"records ignored: {k}: a kind we do not read" for k in doc if isinstance(doc[k], list) and k not in KINDS
        ],
    )


def _sleep(frame: pd.DataFrame, chk, summary: pd.Series) -> tuple[pd.Series, dict[str, pd.Series]]:
    """v1 periods in v2 terms (``_oura.period_values``), plus the fields only v1 has."""
    longest = numbers(frame, "is_longest")
    v2 = pd.DataFrame(
        {
            "bedtime_start": text_column(frame, "bedtime_start"),
            "bedtime_end": text_column(frame, "bedtime_end"),
            "total_sleep_duration": numbers(frame, "total"),
            "efficiency": numbers(frame, "efficiency"),
            "lowest_heart_rate": numbers(frame, "hr_lowest"),
            "average_hrv": numbers(frame, "rmssd"),
            "type": np.where(longest.fillna(1) >= 1, "long_sleep", "sleep"),
        },
        index=frame.index,
    )
    day, values = period_values(v2, chk)
    day = day.where(day.notna(), summary + ONE_DAY)
    main = v2["type"] == "long_sleep"
    values |= {
        "respiratory_rate_brpm": numbers(frame, "breath_average").where(main),
        "temperature_deviation_c": numbers(frame, "temperature_delta").where(main),
        "sleep_score": numbers(frame, "score").where(main),
    }
    return day, values


def _activity(frame: pd.DataFrame, chk) -> dict[str, pd.Series]:
    for column in ("low", "medium", "high", "inactive", "rest", "non_wear"):
        if column in frame.columns:
            minutes = pd.to_numeric(frame[column], errors="coerce")
            chk.fail_where((minutes < 0) | (minutes > 1440), f"{column} outside [0, 1440] min")
    return {
        "steps": numbers(frame, "steps"),
        "active_minutes": numbers(frame, "medium") + numbers(frame, "high"),
        "sedentary_minutes": numbers(frame, "inactive"),
    }


def _readiness_day(summary: pd.Series, period: pd.Series, sleep_days: pd.DataFrame | None) -> pd.Series:
    """The day of the sleep period a readiness record scores, else summary_date + 1 day."""
    fallback = summary + ONE_DAY
    if sleep_days is None or sleep_days.empty:
        return fallback
    keys = sleep_days.drop_duplicates(["summary", "period"]).set_index(["summary", "period"])["day"]
    matched = pd.Series(keys.reindex(pd.MultiIndex.from_arrays([summary, period])).to_numpy(), index=summary.index)
    return matched.where(matched.notna(), fallback)


def _raw(raws: dict, locators) -> pd.Series:
    out = []
    for loc in locators:
        path = str(loc).rsplit("[", 1)[0]
        out.append(raws[path]([loc]).iloc[0] if path in raws else "")
    return pd.Series(out, dtype="string")

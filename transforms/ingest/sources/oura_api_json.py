"""Oura API v2 JSON, one participant per file: a collector's dump keyed by endpoint
(``{"daily_activity": {"data": [...]}, "daily_sleep": …}``) or one endpoint's raw response
(``{"data": [...], "next_token": null}``).

| endpoint | metrics (on the record's ``day``) |
|---|---|
| daily_activity | steps; active_minutes = (high + medium activity time) / 60; sedentary_minutes = sedentary_time / 60; coverage = 1 − non_wear_time / 86400 |
| daily_readiness | readiness_score = score; temperature_deviation_c |
| daily_sleep | sleep_score = score |
| sleep (periods) | see ``_oura``: main sleep, naps, resting HR (lowest HR, 255 = none), HRV RMSSD |

Records repeating an ``id`` are quarantined as duplicates (collectors often append the same window twice);
the first is kept. Records of other endpoints are counted as ignored. Locators are JSON paths,
``$.daily_activity.data[3]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.ingest.errors import MalformedFile
from transforms.ingest.records import ParseResult, empty_observations, rejects_frame, split_duplicates
from transforms.ingest.sources._oura import period_values
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json,
    text_column,
)

FORMAT = "oura_api_json"
SCOPE = "person"
ENDPOINTS = ("daily_activity", "daily_readiness", "daily_sleep", "sleep")


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    if not body.startswith("{"):
        return False
    keyed = any(f'"{e}"' in head for e in ENDPOINTS) and '"data"' in head
    raw_response = '"data"' in head and ('"contributors"' in head or '"bedtime_start"' in head)
    return keyed or raw_response


def _endpoint_of(records: list[dict]) -> str | None:
    first = records[0] if records else {}
    if "bedtime_start" in first:
        return "sleep"
    if "steps" in first or "class_5_min" in first:
        return "daily_activity"
    contributors = first.get("contributors") or {}
    if "hrv_balance" in contributors or "temperature_deviation" in first:
        return "daily_readiness"
    if "deep_sleep" in contributors:
        return "daily_sleep"
    return None


def _collections(doc) -> list[tuple[str | None, str, list]]:
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        return [(_endpoint_of(doc["data"]), "$.data", doc["data"])]
    if isinstance(doc, dict):
        out = []
        for key, value in doc.items():
            data = value.get("data") if isinstance(value, dict) else value
            if isinstance(data, list):
                out.append(
                    (
                        key if key in ENDPOINTS else None,
                        f"$.{key}.data" if isinstance(value, dict) else f"$.{key}",
                        data,
                    )
                )
        return out
    return []


def parse(source, ctx) -> ParseResult:
    doc = read_json(source, ctx.source_file)
    collections = _collections(doc)
    if not collections:
        raise MalformedFile(ctx.source_file, "no Oura endpoint data (expected 'data' lists)")
    observations, rejects, n_records, n_ignored, raws = [], [], 0, 0, {}
    for endpoint, path, records in collections:
        n_records += len(records)
        if endpoint is None:
            n_ignored += len(records)
            continue
        raw = JsonRaw(records, path)
        raws[path] = raw
        frame = json_frame(records, path)
        chk = RecordChecker(frame)
        ids = frame.get("id", pd.Series("", index=frame.index)).fillna("").astype(str)
        if endpoint == "sleep":
            day, values = period_values(frame, chk)
        else:
            frame["day"] = text_column(frame, "day")
            day = chk.datetime("day", ("%Y-%m-%d",))
            for column in ACTIVITY_SECONDS if endpoint == "daily_activity" else ():
                if column in frame.columns:  # a part of a metric: its own physical range
                    seconds = pd.to_numeric(frame[column], errors="coerce")
                    chk.fail_where((seconds < 0) | (seconds > 86_400), f"{column} outside [0, 86400] s")
            values = _daily_values(endpoint, frame)
        bad = ~chk.good
        base = frame[["_locator"]].assign(day=day.dt.normalize(), _id=ids).loc[chk.good]
        keyed = base[base["_id"] != ""]
        kept, dups = split_duplicates(keyed, key=["_id"], locator="_locator")
        kept = pd.concat([kept, base[base["_id"] == ""]])
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
                coverage=_coverage(endpoint, frame)[kept.index],
            )
        )
    observations = pd.concat(observations, ignore_index=True) if observations else empty_observations()
    return ParseResult(
        observations=observations,
        rejects=concat_rejects(rejects),
        n_records=n_records,
        n_ignored=n_ignored,
        raw_records=_RawByPath(raws),
    )


ACTIVITY_SECONDS = (
    "high_activity_time",
    "medium_activity_time",
    "low_activity_time",
    "sedentary_time",
    "non_wear_time",
    "resting_time",
)


def _daily_values(endpoint: str, frame: pd.DataFrame) -> dict[str, pd.Series]:
    num = lambda col: pd.to_numeric(frame.get(col, pd.Series(np.nan, index=frame.index)), errors="coerce")  # noqa: E731
    if endpoint == "daily_activity":
        return {
            "steps": num("steps"),
            "active_minutes": (num("high_activity_time") + num("medium_activity_time")) / 60,
            "sedentary_minutes": num("sedentary_time") / 60,
        }
    if endpoint == "daily_readiness":
        return {"readiness_score": num("score"), "temperature_deviation_c": num("temperature_deviation")}
    return {"sleep_score": num("score")}


def _coverage(endpoint: str, frame: pd.DataFrame) -> pd.Series:
    if endpoint == "daily_activity" and "non_wear_time" in frame.columns:
        return (1 - pd.to_numeric(frame["non_wear_time"], errors="coerce") / 86400).clip(0, 1)
    return pd.Series(np.nan, index=frame.index)


class _RawByPath:
    def __init__(self, raws: dict):
        self.raws = raws

    def __call__(self, locators) -> pd.Series:
        out = []
        for loc in locators:
            path = str(loc).rsplit("[", 1)[0]
            out.append(self.raws[path]([loc]).iloc[0] if path in self.raws else "")
        return pd.Series(out, dtype="string")

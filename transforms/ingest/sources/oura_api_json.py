"""Oura JSON, one participant per file: the API v2 (a collector's dump keyed by endpoint,
``{"daily_activity": {"data": [...]}, "daily_sleep": …}``, or one endpoint's raw response
``{"data": [...], "next_token": null}``) and the Oura app's data export (``oura_<kind>_<time>.json``, one kind
per file as ``{"daily_sleep": [...]}``).

| kind | metrics |
|---|---|
| daily_activity, daily_readiness, daily_sleep, daily_spo2 | as in ``_oura`` (on the record's ``day``) |
| sleep (periods) | see ``_oura``: main sleep, naps, resting HR (lowest HR, 255 = none), HRV RMSSD |
| heartrate / heart_rate | ``heart_rate_mean_bpm`` and its coverage from the samples, stamped in UTC, on the participant's local day (participants.csv ``timezone``) |
| bedtime, sleep_time, daily_stress, workout, session, tag, … | no metric of ours: counted as ignored, the kind named |

Records repeating an ``id`` are quarantined as duplicates (collectors often append the same window twice);
the first is kept. Locators are JSON paths, ``$.daily_activity.data[3]``. The older Oura Cloud v1 JSON
(``summary_date``) is ``oura_v1_json``.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms.ingest.errors import MalformedFile
from transforms.ingest.records import ParseResult, empty_observations, empty_samples, rejects_frame, split_duplicates
from transforms.ingest.sources._oura import DAILY_KINDS, daily_coverage, daily_values, heart_rate_samples, period_values
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
HEART_RATE_SAMPLES_PER_HOUR = 12  # Oura measures daytime heart rate every 5 minutes
HEART_RATE_KINDS = ("heartrate", "heart_rate")
ENDPOINTS = (*DAILY_KINDS, "sleep", *HEART_RATE_KINDS)
IGNORED_KINDS = {
    "bedtime": "bedtime recommendations (a suggestion, not a measurement)",
    "sleep_time": "bedtime recommendations (a suggestion, not a measurement)",
    "daily_stress": "daily stress seconds: no metric of ours",
    "daily_resilience": "resilience level: no metric of ours",
    "daily_cardiovascular_age": "cardiovascular age: no metric of ours",
    "vo2_max": "VO2 max: no metric of ours",
    "workout": "workouts: no daily metric of ours",
    "session": "guided sessions: no metric of ours",
    "tag": "tags: no metric of ours",
    "enhanced_tag": "tags: no metric of ours",
    "rest_mode_period": "rest mode periods: no metric of ours",
    "ring_configuration": "ring configuration: no metric",
    "personal_info": "personal information: never read",
}
_KEYED = re.compile(r'"(' + "|".join(map(re.escape, (*ENDPOINTS, *IGNORED_KINDS))) + r')"\s*:\s*(\[|\{\s*"data")')


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    if not body.startswith("{") or '"summary_date"' in head:  # summary_date: the v1 API (oura_v1_json)
        return False
    keyed = any(f'"{e}"' in head for e in ENDPOINTS) and '"data"' in head
    raw_response = '"data"' in head and ('"contributors"' in head or '"bedtime_start"' in head)
    return keyed or raw_response or _KEYED.search(body) is not None


def _endpoint_of(records: list[dict]) -> str | None:
    first = records[0] if records and isinstance(records[0], dict) else {}
    if "bedtime_start" in first:
        return "sleep"
    if "steps" in first or "class_5_min" in first:
        return "daily_activity"
    if "bpm" in first:
        return "heartrate"
    if "spo2_percentage" in first:
        return "daily_spo2"
    contributors = first.get("contributors") or {}
    if "hrv_balance" in contributors or "temperature_deviation" in first:
        return "daily_readiness"
    if "deep_sleep" in contributors:
        return "daily_sleep"
    return None


def _collections(doc) -> list[tuple[str | None, str, str, list]]:
    """(kind we read or None, the key as written, JSON path, records) per list in the document."""
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        return [(_endpoint_of(doc["data"]), "data", "$.data", doc["data"])]
    if isinstance(doc, dict):
        out = []
        for key, value in doc.items():
            data = value.get("data") if isinstance(value, dict) else value
            if isinstance(data, list):
                path = f"$.{key}.data" if isinstance(value, dict) else f"$.{key}"
                out.append((key if key in ENDPOINTS else None, key, path, data))
        return out
    return []


def parse(source, ctx) -> ParseResult:
    doc = read_json(source, ctx.source_file)
    collections = _collections(doc)
    if not collections:
        raise MalformedFile(ctx.source_file, "no Oura endpoint data (expected 'data' lists)")
    observations, samples, rejects, n_records, n_ignored, n_empty, raws, notes = [], [], [], 0, 0, 0, {}, []
    for endpoint, key, path, records in collections:
        n_records += len(records)
        if endpoint is None:
            n_ignored += len(records)
            notes.append(f"records ignored: {key}: {IGNORED_KINDS.get(key, 'a kind we do not read')}")
            continue
        raw = JsonRaw(records, path)
        raws[path] = raw
        frame = json_frame(records, path)
        chk = RecordChecker(frame)
        if endpoint in HEART_RATE_KINDS:
            samples.append(heart_rate_samples(frame, chk, ctx.timezone, FORMAT, ctx.source_file))
            rejects.append(_bad(chk, frame, raw, ctx.source_file))
            continue
        ids = frame.get("id", pd.Series("", index=frame.index)).fillna("").astype(str)
        if endpoint == "sleep":
            day, values = period_values(frame, chk)
            coverage = pd.Series(float("nan"), index=frame.index)
        else:
            frame["day"] = text_column(frame, "day")
            day = chk.datetime("day", ("%Y-%m-%d",))
            values, coverage = daily_values(endpoint, frame, chk), daily_coverage(endpoint, frame)
        empty = chk.good & pd.concat(values, axis=1).isna().all(axis=1)  # a record without a value: counted as empty
        n_empty += int(empty.sum())
        base = frame[["_locator"]].assign(day=day.dt.normalize(), _id=ids).loc[chk.good & ~empty]
        keyed = base[base["_id"] != ""]
        kept, dups = split_duplicates(keyed, key=["_id"], locator="_locator")
        kept = pd.concat([kept, base[base["_id"] == ""]])
        rejects += [
            _bad(chk, frame, raw, ctx.source_file),
            rejects_frame(ctx.source_file, FORMAT, dups["_locator"], dups["reason"], raw(dups["_locator"])),
        ]
        observations.append(
            melt_observations(
                kept,
                {m: v[kept.index] for m, v in values.items()},
                FORMAT,
                ctx.source_file,
                coverage=coverage[kept.index],
            )
        )
    return ParseResult(
        observations=pd.concat(observations, ignore_index=True) if observations else empty_observations(),
        samples=pd.concat(samples, ignore_index=True) if samples else empty_samples(),
        rejects=concat_rejects(rejects),
        n_records=n_records,
        n_ignored=n_ignored,
        n_empty=n_empty,
        raw_records=_RawByPath(raws),
        notes=notes,
    )


def _bad(chk, frame: pd.DataFrame, raw, source_file: str) -> pd.DataFrame:
    bad = ~chk.good
    return rejects_frame(
        source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
    )


class _RawByPath:
    def __init__(self, raws: dict):
        self.raws = raws

    def __call__(self, locators) -> pd.Series:
        out = []
        for loc in locators:
            path = str(loc).rsplit("[", 1)[0]
            out.append(self.raws[path]([loc]).iloc[0] if path in self.raws else "")
        return pd.Series(out, dtype="string")

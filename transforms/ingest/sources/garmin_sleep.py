"""Garmin Connect export ``DI-Connect-Wellness/*_sleepData.json``: one record per night, one participant per file.

A night is dated by ``calendarDate``, Garmin's own day of waking. Its window runs from
``sleepStartTimestampGMT`` to ``sleepEndTimestampGMT`` (UTC, ``2024-10-29T21:12:00.0``); asleep = deep + light +
REM seconds (``deepSleepSeconds``, ``lightSleepSeconds``, ``remSleepSeconds``, REM absent on older watches).

| metric | value |
|---|---|
| sleep_minutes | asleep / 60 |
| sleep_efficiency_pct | 100 × asleep / window |
| sleep_midpoint_min | midpoint of the window on the local clock, minutes after midnight of the day of waking (negative before midnight): from the ``…Local`` timestamps when the file has them, else from the UTC ones in the participant's time zone (participants.csv ``timezone``) |
| sleep_score | ``sleepScores.overallScore`` (or ``sleepScores.overall.value``) |
| respiratory_rate_brpm | ``averageRespiration`` |
| spo2_pct | ``spo2SleepSummary.averageSPO2`` |

coverage = measured share of the window: (asleep + ``awakeSleepSeconds``) / window, so ``unmeasurableSeconds``
lower it.

Nights with no stage seconds at all are **quarantined** with the reason, whatever Garmin calls them: the watch
measured no sleep in that window (``sleepWindowConfirmationType`` ``OFF_WRIST``: not worn; ``UNCONFIRMED``: a
window Garmin guessed and nothing was measured). Quarantine, not an empty count, so that non-wear nights show in
``quality.quarantine`` and the quality report by reason, per participant. Nights with stage seconds are kept
whatever their confirmation type (an ``UNCONFIRMED`` window with stages was measured; only its bounds were not
confirmed by the wearer), their coverage saying how much of the window was measured. A second night of the
same ``calendarDate`` is quarantined as a duplicate.
"""

from __future__ import annotations

import pandas as pd

from transforms.ingest.records import ParseResult, rejects_frame, split_duplicates
from transforms.ingest.sources._garmin import DAY_FORMATS, TIME_FORMATS, number
from transforms.ingest.sources._tabular import (
    JsonRaw,
    RecordChecker,
    concat_rejects,
    json_frame,
    melt_observations,
    read_json_records,
    text_column,
    utc_to_local,
)

FORMAT = "garmin_sleep"
SCOPE = "person"
STAGES = ("deepSleepSeconds", "lightSleepSeconds", "remSleepSeconds")


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"calendarDate"' in head and '"sleepStartTimestampGMT"' in head


def parse(source, ctx) -> ParseResult:
    records = read_json_records(source, ctx.source_file)
    raw = JsonRaw(records)
    frame = json_frame(records)
    for column in ("calendarDate", "sleepStartTimestampGMT", "sleepEndTimestampGMT", "sleepWindowConfirmationType"):
        frame[column] = text_column(frame, column)
    chk = RecordChecker(frame)
    day = chk.datetime("calendarDate", DAY_FORMATS).dt.normalize()
    start = chk.datetime("sleepStartTimestampGMT", TIME_FORMATS)
    end = chk.datetime("sleepEndTimestampGMT", TIME_FORMATS)
    chk.fail_where(end <= start, "sleepEndTimestampGMT not after sleepStartTimestampGMT")
    window = (end - start).dt.total_seconds()
    chk.fail_where(window > 86_400, "sleep window longer than a day")
    stages = pd.concat([number(frame, c) for c in STAGES], axis=1)
    chk.fail_where((stages < 0).any(axis=1), "negative stage seconds")
    asleep = stages.sum(axis=1, min_count=1)
    awake = number(frame, "awakeSleepSeconds").fillna(0)
    chk.fail_where(asleep.fillna(0) + awake > window + 60, "stage seconds exceed the sleep window")
    kind = frame["sleepWindowConfirmationType"].where(
        frame["sleepWindowConfirmationType"] != "", "no confirmation type"
    )
    chk.fail_where(
        asleep.fillna(0) <= 0,
        "Garmin measured no sleep in this window ("
        + kind
        + "): no stage seconds; the watch was not worn or not measuring",
    )

    local_start, local_end = _local_window(frame, start, end, ctx.timezone)
    midpoint = (local_start + (local_end - local_start) / 2 - day).dt.total_seconds() / 60
    scores = frame.get("sleepScores.overallScore", frame.get("sleepScores.overall", pd.Series(index=frame.index)))
    score = pd.to_numeric(scores.map(lambda v: v.get("value") if isinstance(v, dict) else v), errors="coerce")
    values = {
        "sleep_minutes": asleep / 60,
        "sleep_efficiency_pct": 100 * asleep / window,
        "sleep_midpoint_min": midpoint,
        "sleep_score": score,
        "respiratory_rate_brpm": number(frame, "averageRespiration"),
        "spo2_pct": number(frame, "spo2SleepSummary.averageSPO2"),
    }
    coverage = ((asleep + awake) / window).clip(0, 1)

    base = frame[["_locator"]].assign(day=day).loc[chk.good]
    kept, dups = split_duplicates(base, key=["day"], locator="_locator")
    idx = kept.index
    observations = melt_observations(
        kept,
        {m: v[idx] for m, v in values.items()},
        FORMAT,
        ctx.source_file,
        observed_at=start[idx],
        coverage=coverage[idx],
    )
    bad = ~chk.good
    rejects = concat_rejects(
        [
            rejects_frame(
                ctx.source_file, FORMAT, frame.loc[bad, "_locator"], chk.reason[bad], raw(frame.loc[bad, "_locator"])
            ),
            rejects_frame(ctx.source_file, FORMAT, dups["_locator"], dups["reason"], raw(dups["_locator"])),
        ]
    )
    return ParseResult(observations=observations, rejects=rejects, n_records=len(records), raw_records=raw)


def _local_window(frame: pd.DataFrame, start: pd.Series, end: pd.Series, zone: str) -> tuple[pd.Series, pd.Series]:
    """The window on the watch's clock: its ``…Local`` timestamps where present, else UTC in ``zone``."""
    from transforms.ingest import dates

    local = {}
    for key, utc in (("sleepStartTimestampLocal", start), ("sleepEndTimestampLocal", end)):
        converted = utc_to_local(utc, zone)
        if key in frame.columns:
            given = dates.parse_datetimes(text_column(frame, key), TIME_FORMATS)
            converted = given.where(given.notna(), converted)
        local[key] = converted
    return local["sleepStartTimestampLocal"], local["sleepEndTimestampLocal"]

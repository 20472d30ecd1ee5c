"""StudentLife EMA responses (``Stress_u00.json``, ``Sleep_u00.json``, …), one participant per file: a JSON list
of responses with ``resp_time`` (Unix seconds) and the answers by question id.

* Stress ``level``: 1 "A little stressed", 2 "Definitely stressed", 3 "Stressed out", 4 "Feeling good",
  5 "Feeling great" — not monotone, so recoded to ``ema_stress`` 0 (feeling great) … 4 (stressed out).
* Sleep ``rate``: 1 very good … 4 very bad → ``ema_sleep_quality`` = 4 − rate (3 very good … 0 very bad);
  ``hour``: 1 "<3" (taken as 3, censored), 2 = 3.5 h, … 19 = 12 h (half-hour steps) → ``ema_sleep_duration_h``.
* Other EMA types (Mood, PAM, …) are counted as ignored. A response holding no answer (the app's
  ``"null"`` records with only a location) is quarantined.

Local day and time from ``resp_time`` in the participant's time zone (participants.csv ``timezone``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.ingest.records import ParseResult, rejects_frame
from transforms.ingest.sources._tabular import (
    NOT_AN_OBJECT,
    JsonRaw,
    json_frame,
    melt_observations,
    read_json_records,
    utc_to_local,
)

FORMAT = "studentlife_ema"
SCOPE = "person"
USES_LANDING_CONFIG = True
STRESS = {1: 2.0, 2: 3.0, 3: 4.0, 4: 1.0, 5: 0.0}
ANSWER_KEYS = {"level", "rate", "hour", "social", "happy", "happyornot", "sad", "sadornot", "picture_idx"}


def detect(name: str, head: str) -> bool:
    return head.lstrip("\ufeff").lstrip().startswith("[") and '"resp_time"' in head


def parse(source, ctx) -> ParseResult:
    records = read_json_records(source, ctx.source_file)
    raw = JsonRaw(records)
    frame = json_frame(records)

    def num(col):
        return pd.to_numeric(frame[col], errors="coerce") if col in frame else pd.Series(np.nan, index=frame.index)

    answered = frame.reindex(columns=sorted(ANSWER_KEYS)).notna().any(axis=1)
    epoch = num("resp_time")
    when = pd.to_datetime(epoch.where(epoch.between(0, 4.1e9)), unit="s")  # beyond 2100: unreadable
    ours = frame.reindex(columns=["level", "rate", "hour"]).notna().any(axis=1)
    bad_time = answered & when.isna()
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    reasons[~answered] = "response holds no answer"
    if NOT_AN_OBJECT in frame.columns:
        reasons[frame[NOT_AN_OBJECT]] = "record is not a JSON object"
    reasons[bad_time] = "missing or unreadable resp_time"
    local = utc_to_local(when.where(~bad_time), ctx.timezone)
    hour = num("hour")
    values = {
        "ema_stress": num("level").map(STRESS),
        "ema_sleep_quality": 4 - num("rate"),
        "ema_sleep_duration_h": np.where(hour == 1, 3.0, 3.0 + (hour - 1) * 0.5),
    }
    values = {m: pd.Series(v, index=frame.index).where(ours) for m, v in values.items()}
    use = answered & ~bad_time & ours
    base = frame[["_locator"]].assign(day=local.dt.normalize()).loc[use]
    observations = melt_observations(
        base, {m: v[use] for m, v in values.items()}, FORMAT, ctx.source_file, observed_at=local[use]
    )
    bad = reasons.notna()
    rejects = rejects_frame(
        ctx.source_file, FORMAT, frame.loc[bad, "_locator"], reasons[bad], raw(frame.loc[bad, "_locator"])
    )
    return ParseResult(
        observations=observations,
        rejects=rejects,
        n_records=len(frame),
        n_ignored=int((answered & ~bad_time & ~ours).sum()),
        raw_records=raw,
    )

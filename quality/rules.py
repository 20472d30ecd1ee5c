"""Row-level quarantine rules, applied to a parsed file before anything is written.

A rule moves offending records to quarantine with a reason; the rest of the file is accepted. This is
the split with table checks (``quality.validation``): a *record* that is impossible on its own (a resting
heart rate of 300, an item answer of 7 on a 0–3 scale, a day in the future) is quarantined here, so the
published tables hold only plausible values; a *table* property that no single record shows (duplicate
keys, inconsistent windows) is a check that fails the partition.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest.records import (
    AMOUNT,
    LEVEL,
    SLEEP,
    ParseResult,
    empty_rejects,
    per_label,
    raw_text,
    rejects_frame,
    sample_kinds,
    sample_locators,
)

EARLIEST_PLAUSIBLE_DAY = pd.Timestamp("2000-01-01")


def _raw_for(result: ParseResult, locators: pd.Series) -> pd.Series:
    return raw_text(result.raw_records, locators)


def _day_reasons(day: pd.Series, today: dt.date) -> pd.Series:
    latest = pd.Timestamp(today) + pd.Timedelta(days=1)
    reason = pd.Series(pd.NA, index=day.index, dtype="string")
    for bad, what in ((day > latest, " is in the future"), (day < EARLIEST_PLAUSIBLE_DAY, " is before 2000")):
        if bad.any():  # texts for the failing rows only
            reason[bad] = "day " + day[bad].dt.strftime("%Y-%m-%d") + what
    return reason


def observation_reasons(obs: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why each observation must be quarantined (NA when it is acceptable)."""
    specs = vocabulary.metrics()
    known = obs["metric"].isin(list(specs))
    lo = obs["metric"].map({m: s.valid_min for m, s in specs.items()}).astype("float64")
    hi = obs["metric"].map({m: s.valid_max for m, s in specs.items()}).astype("float64")
    value = obs["value"]
    reason = _day_reasons(obs["day"], today)
    bad = known & ((value < lo) | (value > hi)) & reason.isna()  # out of range
    if bad.any():  # texts for the failing rows only
        reason[bad] = (
            obs.loc[bad, "metric"]
            + "="
            + value[bad].map("{:g}".format).astype("string")
            + " outside ["
            + lo[bad].map("{:g}".format).astype("string")
            + ", "
            + hi[bad].map("{:g}".format).astype("string")
            + "]"
        )
    reason = reason.where(reason.notna() | known, "unknown metric " + obs["metric"])
    reason = reason.where(reason.notna() | np.isfinite(value), "value is not finite")
    return reason


def response_reasons(responses: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why each item answer must be quarantined: not an item of the instrument, not a whole number, or
    outside the item's answer range."""
    specs = vocabulary.instruments()
    inst = responses["instrument"]
    n_items = inst.map({c: s.n_items for c, s in specs.items()}).astype("float64")
    lo = inst.map({c: s.item_min for c, s in specs.items()}).astype("float64")
    hi = inst.map({c: s.item_max for c, s in specs.items()}).astype("float64")
    item, value = responses["item"].astype("float64"), responses["value"]
    reason = _day_reasons(responses["day"], today)
    label = inst + " item " + responses["item"].astype("string")
    checks = [
        (n_items.isna(), "unknown instrument " + inst),
        (
            (item < 1) | (item > n_items),
            label + " does not exist (" + n_items.map("{:g}".format).astype("string") + " items)",
        ),
        (value != np.round(value), label + "=" + value.map("{:g}".format).astype("string") + " is not a whole number"),
        (
            (value < lo) | (value > hi),
            label
            + "="
            + value.map("{:g}".format).astype("string")
            + " outside "
            + lo.map("{:g}".format).astype("string")
            + "–"
            + hi.map("{:g}".format).astype("string"),
        ),
    ]
    for mask, text in checks:
        reason = reason.where(reason.notna() | ~mask.fillna(False), text)
    return reason


def sample_reasons(samples: pd.DataFrame, today: dt.date) -> pd.Series:
    """Why each intraday sample must be quarantined: a level or amount outside its metric's range, a
    sleep interval that does not end after it starts or lasts over a day, a time in the future or before
    2000. Vectorised masks; reason texts are built for the failing samples only."""
    specs = vocabulary.metrics()
    lo = per_label(samples["metric"], {m: s.valid_min for m, s in specs.items()})
    hi = per_label(samples["metric"], {m: s.valid_max for m, s in specs.items()})
    value = samples["value"].to_numpy(dtype="float64")
    kind = sample_kinds(samples)
    start = samples["start"].to_numpy()
    latest = np.datetime64(pd.Timestamp(today) + pd.Timedelta(days=2), "s")
    future = start >= latest
    early = start < np.datetime64(EARLIEST_PLAUSIBLE_DAY, "s")
    measured = (kind == LEVEL) | (kind == AMOUNT)
    unknown = measured & np.isnan(lo)
    out_of_range = measured & ~unknown & ((value < lo) | (value > hi))
    sleep = kind == SLEEP
    not_after = too_long = np.zeros(len(samples), dtype=bool)
    if sleep.any():
        start_off = np.nan_to_num(samples["utc_offset_min"].to_numpy(dtype="float64"))
        end_off = samples["end_utc_offset_min"].fillna(samples["utc_offset_min"]).fillna(0.0).to_numpy(dtype="float64")
        minutes = (
            (samples["end"].to_numpy() - start).astype("timedelta64[s]").astype("float64") / 60 - end_off + start_off
        )
        not_after = sleep & ~(minutes > 0)
        too_long = sleep & (minutes > 24 * 60)
    bad = future | early | unknown | out_of_range | not_after | too_long
    reason = pd.Series(pd.NA, index=samples.index, dtype="string")
    metric = samples["metric"].to_numpy(dtype=object) if bad.any() else None
    for i in np.flatnonzero(bad):  # only the failing samples
        day = pd.Timestamp(start[i]).strftime("%Y-%m-%d")
        reason.iloc[i] = (
            f"day {day} is in the future"
            if future[i]
            else f"day {day} is before 2000"
            if early[i]
            else f"unknown metric {metric[i]}"
            if unknown[i]
            else f"{metric[i]} sample {value[i]:g} outside [{lo[i]:g}, {hi[i]:g}]"
            if out_of_range[i]
            else "sleep interval does not end after it starts"
            if not_after[i]
            else "sleep interval longer than 24 h"
        )
    return reason


def _with_default_index(frame: pd.DataFrame) -> pd.DataFrame:
    return frame if frame.index.equals(pd.RangeIndex(len(frame))) else frame.reset_index(drop=True)


def apply_row_rules(result: ParseResult, source_format: str, today: dt.date | None = None) -> ParseResult:
    """Move records that break a row rule from ``result``'s accepted frames to its rejects.

    Observations are judged one by one. Questionnaire answers are judged per administration: one bad
    item quarantines that instrument's whole administration from that record (scoring it without the item
    would silently change its meaning), with every failing item named in the reason.
    """
    today = today or dt.date.today()
    rejects = [result.rejects]

    obs = result.observations
    if len(obs):
        reason = observation_reasons(obs, today)
        bad = reason.notna()
        if bad.any():
            bad_obs = obs[bad]
            rejects.append(
                rejects_frame(
                    bad_obs["source_file"].iloc[0],
                    source_format,
                    bad_obs["locator"],
                    reason[bad],
                    _raw_for(result, bad_obs["locator"]),
                )
            )
            obs = obs[~bad]

    resp = result.responses
    if len(resp):
        reason = response_reasons(resp, today)
        bad = reason.notna()
        if bad.any():
            unit = ["participant_id", "instrument", "administered_at", "locator"]
            bad_units = resp.loc[bad, unit].assign(reason=reason[bad])
            grouped = bad_units.groupby(unit, dropna=False, sort=False)["reason"].agg("; ".join).reset_index()
            drop = resp[unit].merge(grouped[unit], how="left", indicator=True)["_merge"].eq("both").to_numpy()
            rejects.append(
                rejects_frame(
                    resp["source_file"].iloc[0],
                    source_format,
                    grouped["locator"],
                    grouped["reason"],
                    _raw_for(result, grouped["locator"]),
                )
            )
            resp = resp[~drop]

    samples = result.samples
    if len(samples):
        reason = sample_reasons(samples, today)
        bad = reason.notna()
        if bad.any():
            bad_samples = samples[bad]
            locators = sample_locators(bad_samples)
            rejects.append(
                rejects_frame(
                    bad_samples["source_file"].iloc[0], source_format, locators, reason[bad], _raw_for(result, locators)
                )
            )
            samples = samples[~bad]

    parts = [r for r in rejects if len(r)]
    return ParseResult(
        observations=obs.reset_index(drop=True),
        responses=resp.reset_index(drop=True),
        rejects=pd.concat(parts, ignore_index=True) if parts else empty_rejects(),
        samples=_with_default_index(samples),
        n_records=result.n_records,
        n_empty=result.n_empty,
        n_ignored=result.n_ignored,
        raw_records=result.raw_records,
        notes=result.notes,
    )

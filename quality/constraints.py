"""Defence in depth before every write: a file's canonical frames, after the row rules, are checked against
the target tables' constraints, so no parser bug can abort a write (or the other files written with it).

Each frame is cast to its table's types (``transforms.ingest.records`` schemas; a value that cannot be cast becomes
missing) and every record lacking a column the table declares NOT NULL (``*_REQUIRED``), or with a day outside
the accepted range (2000-01-01 … tomorrow), moves to the rejects with its locator and a reason such as
``internal: fitbit_takeout_sleep parser produced no day``. A record without a locator is named by its row
number in the parser's output (``output row 7``). Rejects themselves are completed, never dropped: a missing
locator or reason is filled in. Such records point at a bug to fix; they never cost the user the run.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from quality.rules import EARLIEST_PLAUSIBLE_DAY
from transforms.ingest.records import (
    OBSERVATION_REQUIRED,
    OBSERVATION_SCHEMA,
    REJECT_REQUIRED,
    REJECT_SCHEMA,
    RESPONSE_REQUIRED,
    RESPONSE_SCHEMA,
    ParseResult,
    empty_rejects,
    raw_text,
    rejects_frame,
)


def _typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the schema's columns in its dtypes; uncastable cells become missing. Columns already in
    their dtype (the usual case) are shared, not copied."""
    cells = {}
    for column, dtype in schema.items():
        values = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
        if str(values.dtype) == dtype or (dtype == "string" and isinstance(values.dtype, pd.CategoricalDtype)):
            cells[column] = values
        elif dtype.startswith("datetime64"):
            cells[column] = _as_datetimes(values).astype(dtype)
        elif dtype in ("float64", "int64", "Int64"):
            number = pd.to_numeric(values, errors="coerce").astype("float64")
            if dtype == "Int64":
                cells[column] = pd.array(number.where(number == np.round(number)), dtype="Int64")
            elif dtype == "int64":
                number = number.where(number == np.round(number))
                cells[column] = pd.array(number, dtype="Int64") if number.isna().any() else number.astype("int64")
            else:
                cells[column] = number
        else:
            cells[column] = values.astype("string")
    return pd.DataFrame(cells, index=frame.index, copy=False)


def _as_datetimes(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.tz_localize(None) if isinstance(values.dtype, pd.DatetimeTZDtype) else values
    return pd.to_datetime(values, errors="coerce", format="mixed")


def _missing(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Per record and required column: missing (NA, NaN or empty text)."""
    out = {}
    for column in columns:
        values = frame[column]
        miss = values.isna().to_numpy(dtype=bool)
        if pd.api.types.is_string_dtype(values.dtype) or isinstance(values.dtype, pd.CategoricalDtype):
            miss |= (values.astype("string").str.strip() == "").fillna(True).to_numpy(dtype=bool)
        out[column] = miss
    return pd.DataFrame(out, index=frame.index)


def _reasons(frame: pd.DataFrame, required: tuple[str, ...], source_format: str, today: dt.date) -> pd.Series:
    """Why each record cannot be written (NA when it can)."""
    missing = _missing(frame, required)
    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    bad = missing.any(axis=1).to_numpy()
    for i in np.flatnonzero(bad):  # only the faulty records: a handful, and only when a parser has a bug
        names = [c for c in required if missing[c].iat[i]]
        reason.iat[i] = f"internal: {source_format} parser produced no {', '.join(names)}"
    if "value" in frame.columns:
        infinite = ~bad & np.isinf(frame["value"].to_numpy(dtype="float64", na_value=np.nan))
        reason[infinite] = f"internal: {source_format} parser produced a value that is not finite"
    day = frame["day"]
    latest = pd.Timestamp(today) + pd.Timedelta(days=1)
    outside = reason.isna() & ((day < EARLIEST_PLAUSIBLE_DAY) | (day > latest)).fillna(False)
    reason[outside] = (
        "internal: "
        + source_format
        + " parser produced day "
        + day[outside].dt.strftime("%Y-%m-%d")
        + ", outside 2000-01-01 … tomorrow"
    )
    return reason


def _split(
    frame: pd.DataFrame,
    schema: dict[str, str],
    required: tuple[str, ...],
    source_format: str,
    source_file: str,
    today: dt.date,
    raw_records,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(writable records in the schema's types, rejects for the others)."""
    if frame.empty:
        return _typed(frame, schema), empty_rejects()
    typed = _typed(frame, schema)
    reason = _reasons(typed, required, source_format, today)
    bad = reason.notna().to_numpy()
    if not bad.any():
        return typed, empty_rejects()
    faulty = typed[bad]
    has_locator = faulty["locator"].notna() & (faulty["locator"].astype("string").str.strip() != "")
    rows = pd.Series(np.flatnonzero(bad), index=faulty.index)
    locators = faulty["locator"].astype("string").where(has_locator, "output row " + rows.astype("string"))
    raws = raw_text(raw_records, locators).to_numpy(dtype=object)
    described = faulty.astype("string").fillna("NULL").to_dict("records")
    raws = [
        r if isinstance(r, str) and r else "; ".join(f"{k}={v}" for k, v in d.items())[:4000]
        for r, d in zip(raws, described)
    ]
    return typed[~bad].reset_index(drop=True), rejects_frame(source_file, source_format, locators, reason[bad], raws)


def complete_rejects(rejects: pd.DataFrame, source_format: str, source_file: str) -> pd.DataFrame:
    """Rejects in their schema's types with every NOT NULL column filled in (a reject is never dropped)."""
    if rejects.empty:
        return _typed(rejects, REJECT_SCHEMA)
    out = _typed(rejects, REJECT_SCHEMA)
    missing = _missing(out, REJECT_REQUIRED)
    if missing.to_numpy().any():
        out = out.copy()
        out.loc[missing["source_file"].to_numpy(), "source_file"] = source_file
        out.loc[missing["locator"].to_numpy(), "locator"] = "(no locator)"
        out.loc[missing["reason"].to_numpy(), "reason"] = f"internal: {source_format} parser gave no reason"
    out["source_format"] = out["source_format"].fillna(source_format)
    return out


def enforce_table_constraints(
    result: ParseResult, source_format: str, source_file: str, today: dt.date | None = None
) -> ParseResult:
    """``result`` with every observation and response the warehouse would refuse moved to its rejects."""
    today = today or dt.date.today()
    obs, obs_rejects = _split(
        result.observations,
        OBSERVATION_SCHEMA,
        OBSERVATION_REQUIRED,
        source_format,
        source_file,
        today,
        result.raw_records,
    )
    resp, resp_rejects = _split(
        result.responses, RESPONSE_SCHEMA, RESPONSE_REQUIRED, source_format, source_file, today, result.raw_records
    )
    parts = [r for r in (result.rejects, obs_rejects, resp_rejects) if len(r)]
    rejects = pd.concat(parts, ignore_index=True) if parts else empty_rejects()
    return ParseResult(
        observations=obs,
        responses=resp,
        rejects=complete_rejects(rejects, source_format, source_file),
        samples=result.samples,
        n_records=result.n_records,
        n_empty=result.n_empty,
        n_ignored=result.n_ignored,
        raw_records=result.raw_records,
        notes=result.notes,
    )

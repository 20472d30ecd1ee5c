"""What the Garmin Connect "export your data" files share (``DI_CONNECT/…``): bare JSON arrays of records dated by
``calendarDate`` (the local day), times as ``2024-10-29T21:12:00.0`` (``…GMT`` keys are UTC, ``…Local`` keys the
watch's wall clock), and nested lists of typed entries (``{"type": "TOTAL", "averageStressLevel": 31}``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S")
DAY_FORMATS = ("%Y-%m-%d",)


def typed_values(frame: pd.DataFrame, column: str, type_key: str, type_value: str, value_key: str) -> pd.Series:
    """From a column of lists of typed entries, per record the ``value_key`` of the entry whose ``type_key`` is
    ``type_value`` (NaN when absent or not a number). Daily records: one small list each."""
    cells = frame.get(column, pd.Series(None, index=frame.index, dtype="object"))

    def pick(cell):
        if isinstance(cell, list):
            for entry in cell:
                if isinstance(entry, dict) and entry.get(type_key) == type_value:
                    return entry.get(value_key)
        return None

    return pd.to_numeric(cells.map(pick), errors="coerce").astype("float64")


def number(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as numbers (NaN when absent, null or not a number)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")

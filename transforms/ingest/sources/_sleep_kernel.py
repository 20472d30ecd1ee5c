"""Compiled passes over one-minute sleep intervals for ``_engine_sleep`` (formulas in its docstring), kept apart so
that importing the ingestion code does not import numba."""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def in_account_order(code: np.ndarray, seconds: np.ndarray, n_codes: int) -> bool:
    """Whether each account code's rows are together and in order of time."""
    seen = np.zeros(n_codes, dtype=np.bool_)
    for i in range(len(code)):
        if i == 0 or code[i] != code[i - 1]:
            if seen[code[i]]:
                return False
            seen[code[i]] = True
        elif seconds[i] < seconds[i - 1]:
            return False
    return True


@nb.njit(cache=True)
def _starts_session(code: np.ndarray, seconds: np.ndarray, i: int, gap: int) -> bool:
    return i == 0 or code[i] != code[i - 1] or seconds[i] > seconds[i - 1] + 60 + gap


@nb.njit(cache=True)
def sessions(code: np.ndarray, seconds: np.ndarray, asleep: np.ndarray, gap: int):
    """Per session, in row order: account code, first start, last end (s + 60), interval count, asleep minutes
    Σ min(60, s − previous asleep s) / 60 (60 for the account's first asleep interval)."""
    n = len(code)
    count = 0
    for i in range(n):
        if _starts_session(code, seconds, i, gap):
            count += 1
    owner = np.empty(count, dtype=np.int64)
    start = np.empty(count, dtype=np.int64)
    end = np.empty(count, dtype=np.int64)
    intervals = np.zeros(count, dtype=np.int64)
    minutes = np.zeros(count, dtype=np.float64)
    k = -1
    last_asleep = 0
    have_asleep = False
    for i in range(n):
        if _starts_session(code, seconds, i, gap):
            k += 1
            owner[k] = code[i]
            start[k] = seconds[i]
            if i == 0 or code[i] != code[i - 1]:
                have_asleep = False
        intervals[k] += 1
        end[k] = seconds[i] + 60
        if asleep[i]:
            added = min(60, seconds[i] - last_asleep) if have_asleep else 60
            minutes[k] += added / 60
            last_asleep = seconds[i]
            have_asleep = True
    return owner, start, end, intervals, minutes

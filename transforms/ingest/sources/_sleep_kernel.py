"""Compiled passes over one-minute sleep intervals for ``_engine_sleep`` (formulas in its docstring), kept apart so
that importing the ingestion code does not import numba.

``fold_batch`` takes the rows batch by batch, carrying what it needs across batches in ``state`` (has a previous
row, its account code, its start, whether the account had an asleep interval, that interval's start) and ``seen``
(the account codes already passed), so memory follows the batch, not the file."""

from __future__ import annotations

import numba as nb
import numpy as np

STATE_SIZE = 5


@nb.njit(cache=True)
def fold_batch(code, seconds, asleep, gap, state, seen):
    """One batch of rows in file order. Returns (in_order, the sessions starting in this batch as owner, start,
    end, intervals, asleep minutes; and what the rows before the batch's first new session add to the previous
    batch's last session: intervals, asleep minutes, end). ``in_order`` False: an account's rows are not
    together or not in order of time (the caller then sorts the whole file); the other outputs are then empty."""
    n = len(code)
    has_prev, prev_code, prev_s = state[0], state[1], state[2]
    count = 0
    for i in range(n):
        if has_prev == 0 or code[i] != prev_code:
            if seen[code[i]]:
                empty_i = np.empty(0, dtype=np.int64)
                return False, empty_i, empty_i, empty_i, empty_i, np.empty(0, dtype=np.float64), 0, 0.0, 0
            seen[code[i]] = True
            count += 1
        elif seconds[i] < prev_s:
            empty_i = np.empty(0, dtype=np.int64)
            return False, empty_i, empty_i, empty_i, empty_i, np.empty(0, dtype=np.float64), 0, 0.0, 0
        elif seconds[i] > prev_s + 60 + gap:
            count += 1
        has_prev, prev_code, prev_s = 1, code[i], seconds[i]
    owner = np.empty(count, dtype=np.int64)
    start = np.empty(count, dtype=np.int64)
    end = np.empty(count, dtype=np.int64)
    intervals = np.zeros(count, dtype=np.int64)
    minutes = np.zeros(count, dtype=np.float64)
    head_intervals, head_minutes, head_end = 0, 0.0, 0
    has_prev, prev_code, prev_s, have_asleep, last_asleep = state[0], state[1], state[2], state[3], state[4]
    k = -1
    for i in range(n):
        new_account = has_prev == 0 or code[i] != prev_code
        if new_account or seconds[i] > prev_s + 60 + gap:
            k += 1
            owner[k] = code[i]
            start[k] = seconds[i]
            if new_account:
                have_asleep = 0
        added = 0.0
        if asleep[i]:
            added = (min(60, seconds[i] - last_asleep) if have_asleep else 60) / 60
            last_asleep = seconds[i]
            have_asleep = 1
        if k < 0:
            head_intervals += 1
            head_minutes += added
            head_end = seconds[i] + 60
        else:
            intervals[k] += 1
            minutes[k] += added
            end[k] = seconds[i] + 60
        has_prev, prev_code, prev_s = 1, code[i], seconds[i]
    state[0], state[1], state[2], state[3], state[4] = has_prev, prev_code, prev_s, have_asleep, last_asleep
    return True, owner, start, end, intervals, minutes, head_intervals, head_minutes, head_end

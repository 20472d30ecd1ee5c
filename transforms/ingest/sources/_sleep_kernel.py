"""Vectorised passes over one-minute sleep intervals for ``_engine_sleep`` (formulas in its docstring), batch by
batch: what a batch needs of the rows before it is carried in a ``Carry`` (the previous row's account code and
start, whether the account had an asleep interval and that interval's start) and in ``seen`` (the account codes
already passed), so memory follows the batch, not the file. numpy rather than a compiled loop: a compiled
function's first call in a process costs more than the whole pass over a large file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Carry:
    has_prev: bool = False
    prev_code: int = -1
    prev_s: int = 0
    have_asleep: bool = False
    last_asleep: int = 0


@dataclass
class Batch:
    """The sessions starting in a batch (owner, start, end, intervals, asleep minutes), and what the rows before
    its first new session add to the previous batch's last session (head_*)."""

    owner: np.ndarray
    start: np.ndarray
    end: np.ndarray
    intervals: np.ndarray
    minutes: np.ndarray
    head_intervals: int
    head_minutes: float
    head_end: int


def fold_batch(code: np.ndarray, seconds: np.ndarray, asleep: np.ndarray, gap: int, carry: Carry, seen: np.ndarray):
    """One batch of rows in file order: its ``Batch``, or None when an account's rows are not together or not in
    order of time (the caller then sorts the whole file). Updates ``carry`` and ``seen``."""
    n = len(code)
    prev_code = np.empty(n, dtype=code.dtype)
    prev_code[0], prev_code[1:] = carry.prev_code, code[:-1]
    prev_s = np.empty(n, dtype=seconds.dtype)
    prev_s[0], prev_s[1:] = carry.prev_s, seconds[:-1]
    new_account = code != prev_code
    new_account[0] |= not carry.has_prev
    accounts = code[new_account]
    if seen[accounts].any() or len(np.unique(accounts)) != len(accounts):
        return None
    if (seconds < prev_s)[~new_account].any():
        return None
    seen[accounts] = True
    new_session = new_account | (seconds > prev_s + 60 + gap)
    session = np.cumsum(new_session)  # 0: the rows continuing the previous batch's last session
    starts = np.flatnonzero(new_session)
    lasts = np.r_[starts[1:], n] - 1
    at = np.flatnonzero(asleep)
    added = np.full(len(at), 60, dtype=np.int64)
    if len(at):
        account_run = np.cumsum(new_account)  # which account of the batch a row belongs to (0: the carried one)
        before = np.empty(len(at), dtype=seconds.dtype)
        before[0], before[1:] = carry.last_asleep, seconds[at[:-1]]
        same = np.empty(len(at), dtype=bool)
        same[0] = carry.have_asleep and account_run[at[0]] == 0
        same[1:] = account_run[at[1:]] == account_run[at[:-1]]
        added = np.where(same, np.minimum(60, seconds[at] - before), 60)
    # (with no asleep row numpy's bincount gives integers: float, or a later batch's minutes would be truncated)
    minutes = np.bincount(session[at], weights=added / 60, minlength=len(starts) + 1).astype(np.float64, copy=False)
    intervals = np.bincount(session, minlength=len(starts) + 1)
    head = starts[0] if len(starts) else n
    out = Batch(
        owner=code[starts],
        start=seconds[starts],
        end=seconds[lasts] + 60,
        intervals=intervals[1:],
        minutes=minutes[1:],
        head_intervals=int(intervals[0]),
        head_minutes=float(minutes[0]),
        head_end=int(seconds[head - 1]) + 60 if head else 0,
    )
    last_account_start = np.flatnonzero(new_account)[-1] if new_account.any() else -1
    if len(at) and at[-1] >= last_account_start:
        carry.have_asleep, carry.last_asleep = True, int(seconds[at[-1]])
    elif last_account_start >= 0:
        carry.have_asleep = False
    carry.has_prev, carry.prev_code, carry.prev_s = True, int(code[-1]), int(seconds[-1])
    return out

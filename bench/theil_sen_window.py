"""The drift kernel's sliding Theil–Sen slope, against the structures that could replace it, one thread each:

    .venv/bin/python bench/theil_sen_window.py [--series 2000] [--days 730]

For each day D the slope is the median of the pairwise slopes (x_j − x_i) / (j − i), i < j, of the trend window
(``trend_days`` in transforms/config/windows.toml, 28 days: 378 pairs). Three ways on the same random series:

  sliding_merge          the production structure (transforms.stats.kernels ``_first_trend_pairs``,
                         ``_slide_slopes``): the slopes kept sorted; each day the leaving day's are filtered out and
                         the arriving day's sorted and merged in, in one pass, and the median is a lookup
  recompute_select       no kept structure: every day's slopes computed afresh, the median selected (``np.median``,
                         introselect)
  slots_select           the slopes kept unsorted in fixed slots (the arriving day's 27 overwrite the leaving day's),
                         the median selected from a copy each day

Prints each one's time per window and its largest difference from ``recompute_select`` (all three must agree): the
bound on the drift kernel's trend part, whatever the structure tried here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms import vocabulary
from transforms.stats import kernels


@nb.njit
def sliding_merge(values, tw, out):
    n_series, n_days = values.shape
    cap = tw * (tw - 1) // 2
    inv = np.empty(tw)
    for i in range(1, tw):
        inv[i] = 1.0 / i
    sl, sl2 = np.empty(cap), np.empty(cap)
    org, org2 = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
    new_sl, new_org = np.empty(tw + 1), np.empty(tw, dtype=np.int64)
    for s in range(n_series):
        row = values[s]
        m, npos, nneg = kernels._first_trend_pairs(row, 0, tw, inv, sl, org)
        out[s, 0] = kernels._quantile(sl, m, 0.5)
        for end in range(tw + 1, n_days + 1):
            m, npos, nneg = kernels._slide_slopes(
                row, end - tw - 1, end - 1, end - tw, inv, sl, org, m, sl2, org2, new_sl, new_org, npos, nneg
            )
            sl, sl2 = sl2, sl
            org, org2 = org2, org
            out[s, end - tw] = kernels._quantile(sl, m, 0.5)


@nb.njit
def recompute_select(values, tw, out):
    n_series, n_days = values.shape
    buf = np.empty(tw * (tw - 1) // 2)
    for s in range(n_series):
        row = values[s]
        for k in range(n_days - tw + 1):
            m = 0
            for i in range(k, k + tw):
                for j in range(i + 1, k + tw):
                    buf[m] = (row[j] - row[i]) / (j - i)
                    m += 1
            out[s, k] = np.median(buf[:m])


@nb.njit
def slots_select(values, tw, out):
    n_series, n_days = values.shape
    slots = np.empty((tw, tw - 1))  # slots[j % tw, j − i − 1]: the slope from day i to the later day j
    work = np.empty(tw * (tw - 1) // 2)
    for s in range(n_series):
        row = values[s]
        for j in range(tw):
            for i in range(j):
                slots[j % tw, j - i - 1] = (row[j] - row[i]) / (j - i)
        for k in range(n_days - tw + 1):
            last = k + tw - 1
            if k > 0:
                for i in range(k, last):
                    slots[last % tw, last - i - 1] = (row[last] - row[i]) / (last - i)
            m = 0
            for j in range(k + 1, k + tw):
                for t in range(j - k):
                    work[m] = slots[j % tw, t]
                    m += 1
            out[s, k] = np.median(work[:m])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=2000)
    ap.add_argument("--days", type=int, default=730)
    args = ap.parse_args()
    nb.set_num_threads(1)
    tw = vocabulary.windows().trend_days
    values = np.random.default_rng(1).normal(60, 5, (args.series, args.days)).round(1)  # ties, as in real data
    print(f"{args.series:,} series × {args.days} days, trend window {tw} days ({tw * (tw - 1) // 2} slopes), 1 thread")
    results = {}
    for method in (sliding_merge, recompute_select, slots_select):
        out = np.empty((args.series, args.days - tw + 1))
        method(values[:2], tw, out[:2])  # compile before the clock
        t0 = time.perf_counter()
        method(values, tw, out)
        seconds = time.perf_counter() - t0
        results[method.__name__] = out
        print(f"{method.__name__:<18} {seconds:7.2f} s  {seconds / out.size * 1e9:7.0f} ns per window")
    for name, out in results.items():
        print(f"{name} largest difference from recompute_select: {np.abs(out - results['recompute_select']).max():.1e}")


if __name__ == "__main__":
    main()

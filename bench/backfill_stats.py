"""Full statistics backfill: baselines + drift + proxies for a large cohort, against a plain per-participant
scipy loop on a 500-participant subset of the same data.

    .venv/bin/python bench/backfill_stats.py [--participants 10000] [--days 730] [--chunk 500]
                                             [--ref-participants 500] [--ref-days 20] [--stages]

All participants report the same 8 metrics. The production path (transforms.stats.baselines / drift / proxies)
runs over every participant·metric·day, a chunk of participants at a time. The reference recomputes, with
numpy and scipy one window at a time (median, scaled MAD, p10/p90, KS, Mann–Whitney, Wasserstein, Theil–Sen,
Mann–Kendall, the shift test), the last ``--ref-days`` days of ``--ref-participants`` participants: its time
per window gives the speed-up, and the largest absolute difference over those windows must be ~0.

``--stages`` also prints where the backfill's time goes, summed over the chunks: each compiled kernel
(``transforms.stats.kernels`` / ``sequential``) and the numpy/pandas steps around them (the timers wrap module
functions, so they add only a call each).
"""

from __future__ import annotations

import argparse
import os
import time

import duckdb
import numpy as np
import pandas as pd
from _measure import peak_rss_mb
from scipy import stats

from transforms import vocabulary
from transforms.stats.baselines import compute_baselines
from transforms.stats.drift import compute_drift
from transforms.stats.proxies import compute_proxies
from transforms.stats.significance import ar1_inflation
from transforms.synthetic.cohort import CohortSpec, simulate
from warehouse import reads

METRICS = (
    "resting_hr_bpm",
    "hrv_rmssd_ms",
    "sleep_minutes",
    "sleep_efficiency_pct",
    "sleep_midpoint_min",
    "steps",
    "active_minutes",
    "sedentary_minutes",
)
COMPARED = (
    "baseline_median",
    "recent_median",
    "ks_stat",
    "ks_p",
    "mw_p",
    "wasserstein",
    "slope_per_week",
    "trend_p",
    "shift_p",
)


def cohort_arrays(participants: int, days: int, seed: int):
    cohort = simulate(CohortSpec(participants=participants, days=days, seed=seed, episode_fraction=0.3))
    d = cohort.daily
    arrays = {
        "resting_hr_bpm": d["resting_hr_bpm"],
        "hrv_rmssd_ms": d["hrv_rmssd_ms"],
        "sleep_minutes": d["sleep_minutes"],
        "sleep_efficiency_pct": np.round(100 * d["sleep_minutes"] / d["time_in_bed"], 1),
        "sleep_midpoint_min": np.round(d["sleep_midpoint_min"], 1),
        "steps": d["steps"],
        "active_minutes": d["very_active_minutes"] + d["fairly_active_minutes"],
        "sedentary_minutes": d["sedentary_minutes"],
    }
    return cohort, {m: np.where(cohort.worn, arrays[m], np.nan) for m in METRICS}


def long_frame(cohort, arrays, rows: np.ndarray) -> pd.DataFrame:
    ids = cohort.people["participant_id"].to_numpy()[rows]
    parts = []
    for metric in METRICS:
        values = arrays[metric][rows]
        p, t = np.nonzero(~np.isnan(values))
        parts.append(
            pd.DataFrame({"participant_id": ids[p], "day": cohort.dates[t], "metric": metric, "value": values[p, t]})
        )
    return pd.concat(parts, ignore_index=True)


def reference_window(x_base, x_recent, x_trend, win):
    """One window the plain way: numpy and scipy on that window's values only."""
    b, r = x_base[~np.isnan(x_base)], x_recent[~np.isnan(x_recent)]
    t = np.arange(len(x_trend), dtype=float)[~np.isnan(x_trend)]
    y = x_trend[~np.isnan(x_trend)]
    out = dict.fromkeys(COMPARED, np.nan)
    if len(b):
        out["baseline_median"] = np.median(b)
    if len(r):
        out["recent_median"] = np.median(r)
    if len(r) >= win.min_recent_days and len(b) >= win.min_baseline_days:
        mad = stats.median_abs_deviation(b, scale=1) * 1.4826
        ks = stats.ks_2samp(r, b)
        out.update(
            ks_stat=ks.statistic,
            ks_p=ks.pvalue,
            mw_p=stats.mannwhitneyu(r, b).pvalue,
            wasserstein=stats.wasserstein_distance(r, b) / mad if mad > 0 else np.nan,
        )
        # shift test, the formula of transforms.stats.significance.shift_test written out
        pairs = np.sum(~np.isnan(x_base[:-1]) & ~np.isnan(x_base[1:]))
        mean = b.mean()
        num = np.nansum((x_base[:-1] - mean) * (x_base[1:] - mean)) / pairs
        r1 = np.clip(num / (((b - mean) ** 2).sum() / len(b)), -1, 1)
        phi_hat = (len(b) * r1 + 1) / (len(b) - 3)
        phi = np.clip(phi_hat + win.autocorr_margin_se * np.sqrt(max(1 - phi_hat**2, 0.05) / pairs), 0, 0.95)
        f_r, f_b = (
            ar1_inflation(np.array([len(r)]), np.array([phi]))[0],
            ar1_inflation(np.array([len(b)]), np.array([phi]))[0],
        )
        g = int(np.floor(0.2 * len(b)))
        sb = np.sort(b)
        se = np.std(np.clip(sb, sb[g], sb[len(b) - g - 1]), ddof=1) / 0.6 * np.sqrt(f_r / len(r) + f_b / len(b))
        tstat = (stats.trim_mean(r, 0.2) - stats.trim_mean(b, 0.2)) / se
        out["shift_p"] = 2 * stats.t.sf(abs(tstat), max(len(r) / f_r + len(b) / f_b - 2, 1)) if se > 0 else np.nan
    if len(y) >= win.min_trend_days:
        out["slope_per_week"] = 7 * stats.theilslopes(y, t).slope
        s = sum(np.sign(y[j] - y[i]) for i in range(len(y)) for j in range(i + 1, len(y)))
        _, counts = np.unique(y, return_counts=True)
        n = len(y)
        var = (n * (n - 1) * (2 * n + 5) - sum(c * (c - 1) * (2 * c + 5) for c in counts)) / 18
        out["trend_p"] = 2 * stats.norm.sf(abs((s - np.sign(s)) / np.sqrt(var))) if var > 0 else np.nan
    return out


STAGES = {  # module → functions timed by --stages
    "transforms.stats.baselines": ("build_panel", "baseline_block", "baseline_frame"),  # the frame: its gather too
    "transforms.stats.drift": (
        "build_panel",
        "baseline_block",
        "drift_block",
        "sequential_block",
        "gather",
        "shift_test",
        "ks_pvalues",
        "mannwhitney_pvalues",
        "bh_by_codes",
        "alarm_thresholds",
    ),
}
KERNEL_STAGES = ("baseline_block", "drift_block", "sequential_block")


def time_stages() -> dict[str, float]:
    """Wrap the functions of STAGES with timers; returns the seconds per stage, filled as they run."""
    import functools
    import importlib

    seconds: dict[str, float] = {}
    for module_name, names in STAGES.items():
        module = importlib.import_module(module_name)
        for name in names:
            fn = getattr(module, name)
            label = f"{module_name.rsplit('.', 1)[-1]}.{name}"

            @functools.wraps(fn)
            def timed(*a, _fn=fn, _label=label, **k):
                t = time.perf_counter()
                try:
                    return _fn(*a, **k)
                finally:
                    seconds[_label] = seconds.get(_label, 0.0) + time.perf_counter() - t

            setattr(module, name, timed)
    return seconds


def proxy_inputs(con, base: pd.DataFrame, drift: pd.DataFrame, start, end) -> pd.DataFrame:
    """The proxies asset's input, by its own query (warehouse/sql/drift_for_proxies.sql: drift LEFT JOIN
    baselines), run by an in-memory DuckDB over the chunk's frames instead of the warehouse's tables."""
    con.register("chunk_baselines", base[["participant_id", "day", "metric", "sufficient"]])
    con.register("chunk_drift", drift[["participant_id", "day", "metric", "robust_z"]])
    con.execute("CREATE SCHEMA IF NOT EXISTS analytics")
    con.execute("CREATE OR REPLACE VIEW analytics.baselines AS SELECT * FROM chunk_baselines")
    con.execute("CREATE OR REPLACE VIEW analytics.drift AS SELECT * FROM chunk_drift")
    return reads.drift_for_proxies(con, start.date(), end.date())


def rows_for_first_chunk(args) -> range:
    return range(min(args.chunk, args.participants))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--ref-participants", type=int, default=500)
    ap.add_argument("--ref-days", type=int, default=20)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--stages", action="store_true", help="print where the time goes")
    args = ap.parse_args()
    stage_seconds = time_stages() if args.stages else None
    win = vocabulary.windows()
    cohort, arrays = cohort_arrays(args.participants, args.days, args.seed)
    start, end = cohort.dates[win.lookback_days - 1], cohort.dates[-1]
    n_days_out = (end - start).days + 1
    compute_drift(long_frame(cohort, arrays, np.arange(2)), start, start, win)  # numba compile, not timed
    if stage_seconds is not None:
        stage_seconds.clear()
    stage_seconds_extra = {"long_frame (bench input)": 0.0, "proxies (join + compute_proxies)": 0.0}

    join_db = duckdb.connect()
    t0 = time.perf_counter()
    rows_out = {"baselines": 0, "drift": 0, "proxies": 0}
    keep_for_reference = None
    for first in range(0, args.participants, args.chunk):  # chunks of participants bound memory
        rows = np.arange(first, min(first + args.chunk, args.participants))
        t_stage = time.perf_counter()
        daily = long_frame(cohort, arrays, rows)
        stage_seconds_extra["long_frame (bench input)"] += time.perf_counter() - t_stage
        base = compute_baselines(daily, start, end, win)
        drift = compute_drift(daily, start, end, win)
        t_stage = time.perf_counter()
        prox = compute_proxies(proxy_inputs(join_db, base, drift, start, end), win.min_proxy_components)
        stage_seconds_extra["proxies (join + compute_proxies)"] += time.perf_counter() - t_stage
        rows_out["baselines"] += len(base)
        rows_out["drift"] += len(drift)
        rows_out["proxies"] += len(prox)
        if first == 0:
            keep_for_reference, first_chunk_seconds = drift, time.perf_counter() - t0
    seconds = time.perf_counter() - t0
    windows = args.participants * len(METRICS) * n_days_out
    print(
        f"{os.cpu_count()} cores; cohort {args.participants:,} participants × {args.days} days × {len(METRICS)} metrics"
    )
    print(
        f"full backfill (baselines + drift + proxies): {seconds:.1f} s for {windows:,} participant·metric·day windows "
        f"({seconds / windows * 1e6:.2f} µs/window), rows {rows_out}, peak RSS {peak_rss_mb():.0f} MB"
    )
    if stage_seconds is not None:
        stage_seconds.update(stage_seconds_extra)
        kernels = sum(v for k, v in stage_seconds.items() if k.endswith(KERNEL_STAGES))
        print(f"where the time goes (summed over chunks; compiled kernels {kernels:.1f} s of {seconds:.1f} s):")
        for label, value in sorted(stage_seconds.items(), key=lambda kv: -kv[1]):
            print(f"  {label:<40} {value:6.1f} s")
        print(
            f"  {'the rest (frames, the drift frame, chunk loop)':<40} {seconds - sum(stage_seconds.values()):6.1f} s"
        )

    ref_rows = np.arange(min(args.ref_participants, args.chunk, args.participants))  # within the first chunk
    ref_ids = set(cohort.people["participant_id"].to_numpy()[ref_rows])
    ours = keep_for_reference[keep_for_reference["participant_id"].isin(ref_ids)]
    ref_days = cohort.dates[-args.ref_days :]
    ours = ours[ours["day"].isin(ref_days)].set_index(["participant_id", "metric", "day"]).sort_index()
    B, R, T = win.baseline_days, win.recent_days, win.trend_days
    t0 = time.perf_counter()
    worst = dict.fromkeys(COMPARED, 0.0)
    n_ref = 0
    for p in ref_rows:  # the plain way: one participant, one metric, one day at a time
        pid = cohort.people["participant_id"].iloc[p]
        for metric in METRICS:
            x = arrays[metric][p]
            for day in ref_days:
                d = cohort.dates.get_loc(day)
                ref = reference_window(x[d - R - B + 1 : d - R + 1], x[d - R + 1 : d + 1], x[d - T + 1 : d + 1], win)
                n_ref += 1
                if (pid, metric, day) not in ours.index:
                    continue
                row = ours.loc[(pid, metric, day)]
                for col in COMPARED:
                    a, b = row[col], ref[col]
                    if np.isnan(a) != np.isnan(b):
                        worst[col] = np.inf
                    elif not np.isnan(a):
                        worst[col] = max(worst[col], abs(a - b))
    ref_seconds = time.perf_counter() - t0
    per_ref = ref_seconds / n_ref
    per_ours = first_chunk_seconds / (len(rows_for_first_chunk(args)) * len(METRICS) * n_days_out)
    print(
        f"reference per-participant scipy loop: {n_ref:,} windows ({len(ref_rows)} participants × {len(METRICS)} "
        f"metrics × last {args.ref_days} days) in {ref_seconds:.1f} s = {per_ref * 1e6:.0f} µs/window"
    )
    print(
        f"production path on the same first {len(rows_for_first_chunk(args))} participants: {first_chunk_seconds:.1f} s "
        f"= {per_ours * 1e6:.2f} µs/window (all {n_days_out} days, baselines + drift + proxies)"
    )
    print(
        f"speed-up per window: {per_ref / per_ours:.0f}×; a participant's full {n_days_out}-day backfill: "
        f"reference {per_ref * len(METRICS) * n_days_out:.2f} s vs {per_ours * len(METRICS) * n_days_out * 1000:.2f} ms"
    )
    print("largest absolute difference vs reference: " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))


if __name__ == "__main__":
    main()

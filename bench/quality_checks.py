"""Time each table's GX suite (all its checks, as the pipeline runs them) on a 1,000,000-row partition range.

    .venv/bin/python bench/quality_checks.py [--rows 1000000]

Rows are realistic and valid (so every expectation evaluates every row); one line per table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import numpy as np
import pandas as pd

from quality.checks import run_suite


def frames(n: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    metrics = np.array(["resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes", "steps"])
    units = {"resting_hr_bpm": "bpm", "hrv_rmssd_ms": "ms", "sleep_minutes": "min", "steps": "count"}
    per = n // len(metrics)
    people = per // 365 + 1
    pid = np.repeat([f"P{i:05d}" for i in range(people)], 365)[:per]
    day = np.tile(pd.date_range("2024-01-01", periods=365).values, people)[:per]
    metric = np.repeat(metrics, per)
    value = np.select([metric == "resting_hr_bpm", metric == "hrv_rmssd_ms", metric == "sleep_minutes"],
                      [rng.normal(60, 5, len(metric)), rng.normal(45, 8, len(metric)), rng.normal(420, 40, len(metric))],
                      rng.normal(8000, 2000, len(metric)).clip(0))
    keys = pd.DataFrame({"participant_id": np.tile(pid, 4), "day": np.tile(day, 4), "metric": metric})
    daily = keys.assign(value=value, unit=pd.Series(metric).map(units).to_numpy(), source="src", n_obs=1,
                        coverage=rng.uniform(0.6, 1, len(metric)))
    obs = daily.assign(observed_at=pd.NaT, source_file="f.csv", locator=[f"line {i}" for i in range(len(daily))])
    median = value
    baselines = keys.assign(window_days=56, n_days=30, median=median, mad=np.abs(rng.normal(3, 1, len(metric))),
                            p10=median - 5, p90=median + 5, sufficient=True)
    p = rng.uniform(0, 1, len(metric))
    flagged = p < 0.01
    drift = keys.assign(value=value, baseline_median=median, robust_z=rng.normal(0, 1, len(metric)),
                        recent_median=median, recent_z=rng.normal(0, 1, len(metric)), n_recent=14, ks_stat=p / 2,
                        ks_p=p, q_value=np.minimum(p * 2, 1), flagged=flagged & (p * 2 < 0.05),
                        direction=np.where(flagged & (p * 2 < 0.05), "up", None))
    instruments = np.array(["phq9", "gad7", "pss10", "who5"])
    inst = instruments[np.arange(n) % 4]
    score = np.select([inst == "phq9", inst == "gad7", inst == "pss10"], [5.0, 4.0, 12.0], 60.0)
    severity = np.select([inst == "phq9", inst == "gad7", inst == "pss10"], ["mild", "minimal", "low"], "adequate")
    scores = pd.DataFrame({"participant_id": [f"P{i // 100:06d}" for i in range(n)], "instrument": inst,
                           "administered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 100, "h"),
                           "day": pd.Timestamp("2024-01-01"), "score": score, "severity": severity,
                           "items_answered": 5, "items_expected": 5, "prorated": False, "source_file": "q.csv"})
    return {"observations": obs, "daily_metrics": daily, "questionnaire_scores": scores, "baselines": baselines,
            "drift": drift}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    run_suite("daily_metrics", frames(1000, rng)["daily_metrics"], dt.date(2025, 1, 1))  # GX import and context
    print(f"{os.cpu_count()} cores")
    for table, frame in frames(args.rows, rng).items():
        t0 = time.perf_counter()
        results = run_suite(table, frame, dt.date(2025, 1, 1))
        seconds = time.perf_counter() - t0
        n_exp = sum(len(c.expectations) for c, _ in results)
        failed = [c.name for c, o in results if not o.passed]
        print(f"{table:<22} {len(frame):>9,} rows  {len(results):>2} checks ({n_exp:>2} expectations)  "
              f"{seconds:6.2f} s  {len(frame) / seconds / 1e6:5.2f} M rows/s  failed: {failed or 'none'}")


if __name__ == "__main__":
    main()

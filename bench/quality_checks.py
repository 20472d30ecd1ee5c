"""Time each table's GX suite (all its checks, as the pipeline runs them) on a 1,000,000-row partition range.

    .venv/bin/python bench/quality_checks.py [--rows 1000000]

Rows are valid (so every expectation evaluates every row): daily inputs are generated, and baselines,
drift, proxies and questionnaire change come from the production transforms. One line per table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import numpy as np
import pandas as pd

from quality.validation import validate
from transforms import vocabulary
from transforms.questionnaires.change import questionnaire_change
from transforms.stats.baselines import compute_baselines
from transforms.stats.drift import compute_drift
from transforms.stats.proxies import compute_proxies


def frames(n: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Input tables of ~n rows; baselines, drift, proxies and questionnaire change are computed by the
    production transforms from them, so every derived column is as the pipeline writes it."""
    metrics = np.array(["resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes", "steps"])
    units = {"resting_hr_bpm": "bpm", "hrv_rmssd_ms": "ms", "sleep_minutes": "min", "steps": "count"}
    win = vocabulary.windows()
    people = max(1, n // (len(metrics) * 250))
    n_days = -(-n // (len(metrics) * people)) + win.lookback_days - 1
    dates = pd.date_range("2024-01-01", periods=n_days)
    pid = np.repeat([f"P{i:05d}" for i in range(people)], n_days)
    day = np.tile(dates.values, people)
    metric = np.repeat(metrics, len(pid))
    value = np.select(
        [metric == "resting_hr_bpm", metric == "hrv_rmssd_ms", metric == "sleep_minutes"],
        [rng.normal(60, 5, len(metric)), rng.normal(45, 8, len(metric)), rng.normal(420, 40, len(metric))],
        rng.normal(8000, 2000, len(metric)).clip(0),
    )
    keys = pd.DataFrame({"participant_id": np.tile(pid, 4), "day": np.tile(day, 4), "metric": metric})
    daily_all = keys.assign(
        value=value,
        unit=pd.Series(metric).map(units).to_numpy(),
        source="src",
        n_obs=1,
        coverage=rng.uniform(0.6, 1, len(metric)),
    )
    daily = daily_all.iloc[:n]
    obs = daily.assign(observed_at=pd.NaT, source_file="f.csv", locator=[f"line {i}" for i in range(len(daily))])
    start = dates[win.lookback_days - 1]
    baselines = compute_baselines(daily_all, start, dates[-1], win)
    drift = compute_drift(daily_all, start, dates[-1], win)
    suff = baselines.set_index(["participant_id", "day", "metric"])["sufficient"].rename("baseline_sufficient")
    proxies = compute_proxies(
        drift[["participant_id", "day", "metric", "robust_z"]].join(suff, on=["participant_id", "day", "metric"]),
        win.min_proxy_components,
    )
    instruments = np.array(["phq9", "gad7", "pss10", "who5"])
    inst = instruments[np.arange(n) % 4]
    tops = np.select([inst == "phq9", inst == "gad7", inst == "pss10"], [27, 21, 40], 25)
    score = np.floor(rng.uniform(0, 1, n) * (tops + 1)) * np.where(inst == "who5", 4, 1)
    specs = vocabulary.instruments()
    severity = np.empty(n, dtype=object)
    for code in instruments:  # four instruments: a loop over kinds, not rows
        rows = inst == code
        lowers = np.array([lo for lo, _ in specs[code].bands])
        labels = np.array([label for _, label in specs[code].bands], dtype=object)
        severity[rows] = labels[np.searchsorted(lowers, score[rows], side="right") - 1]
    scores = pd.DataFrame(
        {
            "participant_id": [f"P{i // 100:06d}" for i in range(n)],
            "instrument": inst,
            "administered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 100, "D"),
            "score": score,
            "severity": severity,
            "items_answered": 5,
            "items_expected": 5,
            "prorated": False,
            "source_file": "q.csv",
        }
    )
    scores["day"] = scores["administered_at"].dt.normalize()
    return {
        "observations": obs,
        "daily_metrics": daily,
        "questionnaire_scores": scores,
        "questionnaire_change": questionnaire_change(scores),
        "baselines": baselines.iloc[:n],
        "drift": drift.iloc[:n],
        "proxies": proxies,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    validate("daily_metrics", frames(1000, rng)["daily_metrics"], dt.date(2025, 1, 1))  # GX import and context
    print(f"{os.cpu_count()} cores")
    for table, frame in frames(args.rows, rng).items():
        t0 = time.perf_counter()
        results = validate(table, frame, dt.date(2025, 1, 1))
        seconds = time.perf_counter() - t0
        n_exp = sum(len(c.expectations) for c, _ in results)
        failed = [c.name for c, o in results if not o.passed]
        print(
            f"{table:<22} {len(frame):>9,} rows  {len(results):>2} checks ({n_exp:>2} expectations)  "
            f"{seconds:6.2f} s  {len(frame) / seconds / 1e6:5.2f} M rows/s  failed: {failed or 'none'}"
        )


if __name__ == "__main__":
    main()

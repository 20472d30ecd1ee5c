"""Drift detection judged on a realistic cohort: ours, today's flags before the detector, NightSignal, an
RHR-Diff-style rule, and the same detector with the true baseline known (the bound), side by side.

    .venv/bin/python bench/drift_eval.py                      # 400 participants × 240 days, seed 17 (~2 min)
    .venv/bin/python bench/drift_eval.py --participants 60 --plot docs/figures/drift_frontier.png
    .venv/bin/python bench/drift_eval.py --set baseline_days=168 --detectors ours
                                           # a variant of the windows: its thresholds are calibrated first
                                           # (--calibration-series null series per φ and history, ~1 min)

The cohort (transforms.evaluation.cohort): 14 metrics per participant with the real exports' day-to-day
autocorrelation (resting HR and RMSSD φ 0.45, sleep minutes 0, steps 0.15), weekend and seasonal drift, 10 %
missing days and gaps, six 1–5 check-ins; a third of participants with one 14–21-day episode (resting HR
+2 SD, RMSSD −1.5 SD, sleep −1.3 SD, fatigue +1 SD, mood −1 SD). Scores (transforms.evaluation.scoring): an
episode is detected by a flag in its direction from its first day to 14 days after its last; delay = first
such flag − first day; false participant-months = the share of 30-day months untouched by an episode with
any flag (over all metrics, and over resting HR alone).

Every detector runs on the same daily values. Ours and the oracle at each participant budget
(false_alarms_per_year, shared by the metrics); today's flags at each BH level; NightSignal at +2…+10 bpm;
RHR-Diff at z ≥ 1.5…3.5. The two reference rules read resting HR only, so compare them on the resting-HR
columns (their all-metric false months are their resting-HR ones).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from transforms import vocabulary
from transforms.evaluation.calibration import calibrate
from transforms.evaluation.cohort import EvalCohortSpec, simulate
from transforms.evaluation.reference import nightsignal_flags, oracle_flags, rhr_diff_flags, yuen_tukey_flags
from transforms.evaluation.scoring import summarize
from transforms.stats.alarm_thresholds import header_line
from transforms.stats.drift import compute_drift

SHOWN = ("resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes", "ema_fatigue", "ema_mood")
WEARABLE = ("resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes")  # the oracle has no check-ins: compare on these
SHORT = {
    "resting_hr_bpm": "rhr",
    "hrv_rmssd_ms": "rmssd",
    "sleep_minutes": "sleep",
    "ema_fatigue": "fatigue",
    "ema_mood": "mood",
}


DETECTORS = ("ours", "oracle", "today", "NightSignal", "RHR-Diff")


def variant_windows(settings: list[str], n_series: int, folder: Path):
    """The packaged windows with ``key=value`` settings applied and thresholds calibrated for them (written to
    ``folder``): the same calibration as bench/cusum_calibration.py, with fewer series."""
    win = vocabulary.windows()
    changes = {}
    for item in settings:
        key, value = item.split("=", 1)
        changes[key] = type(getattr(win, key))(value)
    win = replace(win, **changes)
    path = folder / "calibration.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header_line(win))
        calibrate(win, n_series=n_series).to_csv(fh, index=False, float_format="%.4f")
    return replace(win, calibration_file=str(path))


def row(detector: str, setting: str, s: dict) -> dict:
    out = {"detector": detector, "setting": setting}
    for m in SHOWN:
        out[f"recall_{SHORT[m]}"] = s["recall_by_metric"].get(m, float("nan"))
    out["recall_wearable"] = sum(out[f"recall_{SHORT[m]}"] for m in WEARABLE) / len(WEARABLE)
    out["recall_all"] = s["recall"]
    out["delay_rhr"] = s["delay_by_metric"].get("resting_hr_bpm", float("nan"))
    out["delay_all"] = s["delay"]
    out["false_months_all"] = s["false_months"]
    out["false_months_rhr"] = s["false_months_rhr"]
    return out


def flagged(drift: pd.DataFrame) -> pd.DataFrame:
    f = drift.loc[drift["flagged"], ["participant_id", "day", "metric", "direction"]]
    return f.astype({"participant_id": str, "metric": str, "direction": str})


def evaluate(cohort, budgets, alphas, bpms, taus, win=None, detectors=DETECTORS) -> pd.DataFrame:
    win = win or vocabulary.windows()
    first, last = cohort.dates[0], cohort.dates[-1]
    n_metrics = len(cohort.spec.metrics)
    rows = []
    for budget in budgets:
        drift = compute_drift(cohort.daily, first, last, replace(win, false_alarms_per_year=budget))
        rows.append(row("ours", f"{budget:g}/yr", summarize(flagged(drift), cohort)))
        if "oracle" in detectors:
            oracle = oracle_flags(cohort, win, budget / n_metrics)
            rows.append(row("oracle", f"{budget:g}/yr", summarize(oracle, cohort)))
        if (
            budget == budgets[0] and "today" in detectors
        ):  # today's flags read the descriptive columns, the same at every budget
            for alpha in alphas:
                flags = yuen_tukey_flags(drift, alpha, 1.0, 3)
                rows.append(row("today (Yuen–Tukey)", f"q<{alpha:g}", summarize(flags, cohort)))
    for bpm in bpms if "NightSignal" in detectors else ():
        rows.append(row("NightSignal", f"+{bpm:g} bpm", summarize(nightsignal_flags(cohort.daily, bpm), cohort)))
    for tau in taus if "RHR-Diff" in detectors else ():
        rows.append(row("RHR-Diff", f"z≥{tau:g}", summarize(rhr_diff_flags(cohort.daily, tau), cohort)))
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {
        "ours": ("tab:blue", "o"),
        "oracle": ("tab:gray", "s"),
        "today (Yuen–Tukey)": ("tab:orange", "^"),
        "NightSignal": ("tab:red", "D"),
        "RHR-Diff": ("tab:purple", "v"),
    }
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    panels = (
        ("recall_rhr", "false_months_rhr", "Resting HR (+2 SD): recall", "false participant-months, resting HR"),
        ("delay_rhr", "false_months_rhr", "Resting HR: median delay (days)", "false participant-months, resting HR"),
        (
            "recall_wearable",
            "false_months_all",
            "Wearable episodes (RHR, RMSSD, sleep): recall",
            "false participant-months, all metrics",
        ),
    )
    for ax, (y, x, title, xlabel) in zip(axes, panels, strict=True):
        for name, (color, marker) in styles.items():
            part = table[table["detector"] == name].sort_values(x)
            if y == "recall_wearable" and name in ("NightSignal", "RHR-Diff"):
                continue  # resting HR only: not comparable over all metrics
            ax.plot(100 * part[x], part[y], marker=marker, color=color, label=name, linewidth=1.5)
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlim(0, 100)
        ax.axvline(5, color="black", linestyle=":", linewidth=1)
        ax.set_title(title)
        ax.set_xlabel(xlabel + " (%)")
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0, 1.02)
    axes[2].set_ylim(0, 1.02)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle("Drift detection on the evaluation cohort (bench/drift_eval.py; dotted: the 5 % operating target)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=400)
    ap.add_argument("--days", type=int, default=240)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--budgets", default="0.1,0.25,0.5,1,2,4,8,16,32", help="participant false-alarm budgets per year")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a windows.toml setting")
    ap.add_argument("--calibration-series", type=int, default=600, help="null series per φ and history (--set)")
    ap.add_argument("--detectors", default=",".join(DETECTORS), help="which detectors to run")
    ap.add_argument("--plot", help="write the frontier PNG here")
    ap.add_argument("--csv", help="write the table here")
    args = ap.parse_args()
    t0 = time.perf_counter()
    cohort = simulate(EvalCohortSpec(participants=args.participants, days=args.days, seed=args.seed))
    budgets = [float(b) for b in args.budgets.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        t1 = time.perf_counter()
        win = variant_windows(args.set, args.calibration_series, Path(folder)) if args.set else vocabulary.windows()
        if args.set:
            print(f"windows with {' '.join(args.set)}: thresholds calibrated in {time.perf_counter() - t1:.0f} s")
        table = evaluate(
            cohort,
            budgets,
            alphas=(0.01, 0.05, 0.2),
            bpms=(2, 3, 4, 5, 6, 7, 8, 10),
            taus=(1.5, 2, 2.5, 3, 3.5),
            win=win,
            detectors=args.detectors.split(","),
        )
    n_eps = len(cohort.episodes)
    print(
        f"cohort {args.participants} participants × {args.days} days (seed {args.seed}), {n_eps} injected episodes "
        f"over {cohort.episodes['metric'].nunique()} metrics; default budget "
        f"{vocabulary.windows().false_alarms_per_year:g} alarms/participant/year"
    )
    with pd.option_context("display.width", 220, "display.max_columns", 30):
        print(table.round(3).to_string(index=False))
    if args.csv:
        table.to_csv(args.csv, index=False)
    if args.plot:
        plot(table, args.plot)
        print(f"wrote {args.plot}")
    print(f"wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

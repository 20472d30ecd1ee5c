"""Calibrate the drift detector's alarm thresholds by simulation and write (or check) the table.

    .venv/bin/python bench/cusum_calibration.py                   # reproduce the packaged table, print the largest
                                                                  # difference from it
    .venv/bin/python bench/cusum_calibration.py --write           # rewrite transforms/config/cusum_calibration.csv
    .venv/bin/python bench/cusum_calibration.py --windows my.toml --out my_calibration.csv
                                                                  # thresholds for other windows (then set
                                                                  # calibration_file = "my_calibration.csv")

The simulation (transforms.evaluation.calibration): per history bucket × true φ, ``--series`` AR(1) null
series of ``--days`` days with 10 % missing days and gaps, the production kernel, and the threshold per
false-alarm rate by bisection on the measured onset rate. Seeded: the same command gives the same table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from transforms import vocabulary
from transforms.evaluation.calibration import calibrate
from transforms.stats.alarm_thresholds import PACKAGED, header_line, read_table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", help="a windows.toml (default: the packaged windows)")
    ap.add_argument("--out", type=Path, help="write the table here")
    ap.add_argument("--write", action="store_true", help="rewrite the packaged table")
    ap.add_argument("--series", type=int, default=2000)
    ap.add_argument("--days", type=int, default=1000)
    args = ap.parse_args()
    win = vocabulary.windows(args.windows)
    t0 = time.perf_counter()
    table = calibrate(win, n_series=args.series, days=args.days)
    seconds = time.perf_counter() - t0
    years = args.series * args.days / 365.25
    print(
        f"{len(table)} thresholds from {args.series} null series × {args.days} days at each of 10 true φ per history bucket (≈{years * 10:,.0f} series-years pooled per bucket) in {seconds:.0f} s"
    )
    wide = table.pivot_table(index=["history_days", "phi"], columns="alarms_per_year", values="threshold")
    print("threshold h by history days × φ (columns: alarm onsets per series-year)")
    print(wide.round(2).to_string())
    worst = (table["measured_rate"] / table["alarms_per_year"]).max()
    print(f"largest measured / nominal onset rate at the chosen h: {worst:.3f}")
    out = PACKAGED if args.write else args.out
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(header_line(win))
            table.to_csv(fh, index=False, float_format="%.4f")
        print(f"wrote {out}")
    elif not args.windows:
        _, packaged = read_table(PACKAGED)
        diff = np.abs(packaged["threshold"].to_numpy() - table["threshold"].round(4).to_numpy()).max()
        print(f"largest difference from the packaged table: {diff:.4f}")


if __name__ == "__main__":
    main()

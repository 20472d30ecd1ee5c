"""False-positive rates on AR(1) null series (no shift): the autocorrelation-adjusted shift test (descriptive
since the sequential detector flags; its own calibration is bench/cusum_calibration.py) vs the
independence-assuming KS, Mann–Whitney and Mann–Kendall tests.

    .venv/bin/python bench/drift_calibration.py [--series 1500] [--days 200]

Days are sampled 35 days apart so the windows barely overlap (transforms.evaluation.shift_calibration.null_rates).
"""

from __future__ import annotations

import argparse

from transforms.evaluation.shift_calibration import null_rates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=1500)
    ap.add_argument("--days", type=int, default=200)
    args = ap.parse_args()
    print("phi    tested  shift_p<.05  shift_p<.01  ks_p<.05  mw_p<.05  trend_p<.05")
    for phi in (0.0, 0.3, 0.5, 0.65, 0.8):
        r = null_rates(phi, seed=int(phi * 100) + 1, n_series=args.series, days=args.days)
        print(
            f"{phi:<5} {r['n']:>7} {r['shift_p<0.05']:12.3f} {r['shift_p<0.01']:12.3f} "
            f"{r['ks_p<0.05']:9.3f} {r['mw_p<0.05']:9.3f} {r['trend_p<0.05']:12.3f}"
        )


if __name__ == "__main__":
    main()

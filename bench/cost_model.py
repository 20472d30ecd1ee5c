"""A cost model from measurements: each stage's time per unit on this machine with 1 core and with all cores,
and from them the predicted wall time of a nightly run and of a full statistics backfill at 10 k, 100 k and
1 M participants, here and on a 16-core machine.

    .venv/bin/python bench/cost_model.py [--nightly-home /tmp/wellness_nightly] [--backfill-participants 1000]
                                         [--parts ingest,nightly,backfill]

``--parts`` measures only some stages (``--parts ingest`` takes about a minute, the nightly part needs
bench/nightly_run.py's warehouse); the predicted wall times need all three.

Measured (each bench run twice: pinned to one core with ``taskset -c 0``, then on every core):
  ingest     bench/ingest_heart_rate.py (a Fitabase heart-rate CSV through the pipeline path) and
             bench/apple_health_parse.py (an Apple Health export.xml): seconds per MB
  nightly    bench/nightly_run.py on its 10,000-participant warehouse: each Dagster step's seconds (per
             participant) and the rest of the wall time (Dagster start-up and bookkeeping, a constant)
  backfill   bench/backfill_stats.py at --backfill-participants × 730 days: baselines + drift + proxies,
             seconds per participant·day
The model: a stage's time is linear in its units (chunks of participants bound memory, so no stage grows
faster than its data), and its share that runs in parallel, p, follows from the two measurements by Amdahl's
law (t_all = t_1 · (1 − p + p / cores)); on c cores a stage takes t_1 · (1 − p + p / c). What it leaves out:
the disk (a 1 M-participant warehouse is ~1 TB), memory bandwidth beyond 2 cores, and Dagster's per-run
bookkeeping, taken as constant. A prediction far from the measured sizes is an extrapolation.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
CORES = os.cpu_count() or 1
SIZES = (10_000, 100_000, 1_000_000)
TARGET_CORES = (CORES, 16)


def run(script: str, *args: str, pinned: bool) -> str:
    cmd = [sys.executable, str(BENCH / script), *args]
    if pinned:
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
    return out.stdout


def parallel_share(t_one: float, t_all: float, cores: int = CORES) -> float:
    """Amdahl: t_all = t_one · (1 − p + p / cores), solved for p and kept within [0, 1]."""
    if t_one <= 0 or cores < 2:
        return 0.0
    return min(1.0, max(0.0, (1 - t_all / t_one) / (1 - 1 / cores)))


def on_cores(t_one: float, p: float, cores: int) -> float:
    return t_one * (1 - p + p / cores)


def ingest(pinned: bool, csv_rows: int, xml_mb: int, folder: Path) -> dict[str, float]:
    """Seconds per MB of the pipeline's CSV and Apple Health paths."""
    csv = run(
        "ingest_heart_rate.py",
        *("--rows", str(csv_rows), "--kinds", "wellness_csv", "--dir", str(folder)),
        pinned=pinned,
    )
    xml = run(
        "apple_health_parse.py",
        *("--mb", str(xml_mb), "--path", str(folder / f"export_{xml_mb}mb.xml"), "--kinds", "wellness_parse"),
        pinned=pinned,
    )
    csv_mb_s = float(re.search(r"wellness_csv\s+[\d.]+ M rows/s\s+([\d.]+) MB/s", csv)[1])
    xml_mb_s = float(re.search(r"wellness_parse\D*?([\d.]+) MB/s", xml)[1])
    return {"ingest CSV (per MB)": 1 / csv_mb_s, "ingest Apple Health XML (per MB)": 1 / xml_mb_s}


def nightly(home: Path, size: tuple[int, int], pinned: bool) -> tuple[float, dict[str, float], int]:
    """(wall seconds, seconds per step, participants) of one measured nightly run."""
    participants, days = size
    out = run(
        "nightly_run.py",
        *("--home", str(home), "--repeat", "1", "--participants", str(participants), "--days", str(days)),
        pinned=pinned,
    )
    wall = float(re.search(r"nightly run .*?: ([\d.]+) s wall", out)[1])
    steps = {m[1]: float(m[2]) for m in re.finditer(r"step (\S+)\s+([\d.]+) s", out)}
    participants = int(re.search(r"([\d,]+) participants × \d+ days", out)[1].replace(",", ""))
    return wall, steps, participants


def backfill(participants: int, pinned: bool) -> float:
    """Seconds per participant·day (8 metrics) of baselines + drift + proxies."""
    out = run(
        "backfill_stats.py",
        *("--participants", str(participants), "--ref-participants", "10", "--ref-days", "3"),
        pinned=pinned,
    )
    seconds = float(re.search(r"full backfill .*?: ([\d.]+) s", out)[1])
    days = int(re.search(r"× (\d+) days", out)[1])
    return seconds / (participants * days)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nightly-home", type=Path, default=Path("/tmp/wellness_nightly"))
    ap.add_argument("--nightly-participants", type=int, default=10_000)
    ap.add_argument("--nightly-days", type=int, default=730)
    ap.add_argument("--backfill-participants", type=int, default=1000)
    ap.add_argument("--csv-rows", type=int, default=3_000_000)
    ap.add_argument("--xml-mb", type=int, default=100)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/wellness_bench"), help="folder for the ingest inputs")
    ap.add_argument("--parts", default="ingest,nightly,backfill", help="which stages to measure")
    args = ap.parse_args()
    print(f"{CORES} cores here; each stage measured on 1 core (taskset -c 0) and on {CORES}", flush=True)

    parts = set(args.parts.split(","))
    rows: list[tuple[str, float, float, str]] = []  # (stage, seconds per unit on 1 core, on all, unit)
    if "ingest" in parts:
        sizes = (args.csv_rows, args.xml_mb, args.dir)
        one, every = ingest(True, *sizes), ingest(False, *sizes)
        rows += [(k, one[k], every[k], "MB") for k in one]
    if "nightly" in parts:
        size = (args.nightly_participants, args.nightly_days)
        wall_1, steps_1, n = nightly(args.nightly_home, size, True)
        wall_n, steps_n, _ = nightly(args.nightly_home, size, False)
        for step in steps_n:
            rows.append((f"nightly step {step} (per participant)", steps_1[step] / n, steps_n[step] / n, "participant"))
        fixed_1, fixed_n = wall_1 - sum(steps_1.values()), wall_n - sum(steps_n.values())
        rows.append(("nightly start-up and bookkeeping (per run)", fixed_1, fixed_n, "run"))
    if "backfill" in parts:
        per_pd_1 = backfill(args.backfill_participants, True)
        per_pd_n = backfill(args.backfill_participants, False)
        rows.append(
            ("backfill baselines + drift + proxies (per participant·day)", per_pd_1, per_pd_n, "participant·day")
        )

    print(f"\n{'stage':<62} {'1 core':>12} {f'{CORES} cores':>12} {'parallel p':>10}  unit")
    shares = {}
    for stage, t1, tn, unit in rows:
        shares[stage] = p = parallel_share(t1, tn)
        scale, label = (1e6, "µs") if t1 < 1e-3 else (1e3, "ms") if t1 < 1 else (1, "s")
        print(f"{stage:<62} {t1 * scale:9.2f} {label:<2} {tn * scale:9.2f} {label:<2} {p:10.2f}  {unit}")
    if not {"nightly", "backfill"} <= parts:
        return

    print(f"\npredicted wall time (measured: nightly {n:,} participants {wall_n:.1f} s on {CORES} cores)")
    print(
        f"{'participants':>12} "
        + " ".join(f"{f'nightly, {c} cores':>20} {f'backfill 730 d, {c} cores':>26}" for c in TARGET_CORES)
    )
    nightly_stages = [r for r in rows if r[0].startswith("nightly step")]
    fixed = next(r for r in rows if r[0].startswith("nightly start-up"))
    bf = rows[-1]
    for size in SIZES:
        cells = []
        for cores in TARGET_CORES:
            t_night = on_cores(fixed[1], shares[fixed[0]], cores) + sum(
                on_cores(t1, shares[s], cores) * size for s, t1, _, _ in nightly_stages
            )
            t_back = on_cores(bf[1], shares[bf[0]], cores) * size * 730
            cells.append(f"{_duration(t_night):>20} {_duration(t_back):>26}")
        print(f"{size:>12,} " + " ".join(cells))


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


if __name__ == "__main__":
    main()

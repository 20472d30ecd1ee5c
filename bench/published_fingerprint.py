"""The demo's published tables by content: `wellness demo` in a fresh WELLNESS_HOME and Dagster instance (fixed
pseudonym key, so participant pseudonyms are stable), then one line per table of analytics.duckdb with its
row count and order-independent content hash (run ids and run times left out), and one digest over all.

    .venv/bin/python bench/published_fingerprint.py [--participants 50 --days 120 --seed 7] [--home DIR]

Two commits that print the same digest publish the same tables (how a refactor shows it changed nothing).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.settings import dagster_yaml
from warehouse.published import table_fingerprints

PSEUDONYM_KEY = "5e" * 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", type=Path, help="folder for the run (default: a new temporary folder)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="wellness_fingerprint_"))
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(dagster_yaml(dagster_home))
    env = {
        **os.environ,
        "WELLNESS_HOME": str(home / "wellness"),
        "DAGSTER_HOME": str(dagster_home),
        "WELLNESS_PSEUDONYM_KEY": PSEUDONYM_KEY,
    }
    command = [str(Path(sys.executable).parent / "wellness"), "demo"]
    command += ["--participants", str(args.participants), "--days", str(args.days), "--seed", str(args.seed)]
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    tables = table_fingerprints(home / "wellness" / "analytics.duckdb")
    overall = hashlib.sha256()
    for name, (columns, rows, digest) in sorted(tables.items()):
        print(f"{name:<36} {rows:>9,} rows  hash {digest}")
        overall.update(repr((name, columns, rows, digest)).encode())
    print(
        f"demo {args.participants} × {args.days} seed {args.seed}: {len(tables)} tables, digest {overall.hexdigest()[:16]}"
    )


if __name__ == "__main__":
    main()

"""Wall time of a backfill in the distributed profile with 1 and with 2 Celery workers (docs/deploy.md).

    .venv/bin/python bench/distributed_backfill.py [--participants 10] [--days 30] [--workers 1,2]

For each worker count: a fresh deployment on loopback (tests/pipelines/cluster.py: a new PostgreSQL database
as the Dagster instance, dagster-daemon, N workers on RabbitMQ, a new lake), ingestion of the same generated
landing folder with `dagster job launch`, then `wellness backfill` over every day of the cohort, timed from
submission until the backfill and its runs have finished (the publication of analytics.duckdb included).
Beside it, the embedded profile's `wellness run` over the same folder (in-process, one run). Prints one line
per configuration. Needs PostgreSQL on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672 (or WELLNESS_TEST_PG_URL /
WELLNESS_TEST_BROKER).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

KEY = "7a" * 32


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=10)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()

    from dagster import DagsterInstance, RunsFilter

    from pipelines.runner import run_pipeline
    from pipelines.settings import Paths
    from tests.pipelines.cluster import BIN, Cluster, unavailable_reason, wait_for_run
    from transforms.synthetic.cohort import CohortSpec, simulate
    from transforms.synthetic.vendor_files import write_cohort

    reason = unavailable_reason()
    if reason:
        sys.exit(f"cannot start a deployment here: {reason}")
    root = Path(tempfile.mkdtemp(prefix="wellness_distributed_"))
    embedded = Paths(root / "embedded")
    write_cohort(
        simulate(CohortSpec(participants=args.participants, days=args.days, seed=21)),
        embedded.landing,
        embedded.ground_truth,
    )
    os.environ["WELLNESS_PSEUDONYM_KEY"] = KEY
    t0 = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        outcome = run_pipeline(embedded, instance=instance, echo=lambda *_: None)
    embedded_s = time.perf_counter() - t0
    start, end = outcome.start, outcome.end
    print(f"{os.cpu_count()} cores; {args.participants} participants × {args.days} days ({start} … {end})")
    print(f"embedded   in-process, one run (wellness run, ingestion included): {embedded_s:6.1f} s")

    for n in [int(w) for w in args.workers.split(",")]:
        cluster = Cluster(root / f"workers{n}", KEY)
        shutil.copytree(embedded.landing, cluster.home / "landing")
        cluster.create_database()
        try:
            cluster.start_daemon()
            for i in range(n):
                cluster.start_worker(f"w{i + 1}")
            t0 = time.perf_counter()
            assert cluster.launch_job("ingest_landing") == "SUCCESS", f"ingestion failed; logs in {cluster.logs}"
            ingest_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            out = cluster.command(
                str(BIN / "wellness"), "backfill", "--start", str(start), "--end", str(end), "--wait", timeout=3600
            )
            backfill_id = out.stdout.split("submitted backfill ")[1].split(":")[0]
            with cluster.instance() as instance:
                runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
                statuses = {wait_for_run(instance, r.run_id, 600) for r in runs}
            backfill_s = time.perf_counter() - t0
            print(
                f"distributed {n} worker{'s' if n > 1 else ' '}: backfill {backfill_s:6.1f} s "
                f"({len(runs)} runs, {', '.join(sorted(statuses))}); ingestion run {ingest_s:.1f} s"
            )
        finally:
            cluster.stop()
            cluster.drop_database()
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

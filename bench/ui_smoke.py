"""Smoke test of `make dev`: start it, ask the webserver over HTTP (GraphQL) which schedules, sensors, jobs
and assets it serves, launch a 30-day backfill the way the UI's Materialize button does, print one line
each, stop it.

    .venv/bin/python bench/ui_smoke.py [--port 3000] [--timeout 180] [--no-backfill]

Runs `make dev` exactly as a user would, with WELLNESS_HOME and DAGSTER_HOME pointed at a temporary folder
(a copy of dagster_home/dagster.yaml), so it never touches ./data. For the backfill it first generates and
ingests a small cohort (`wellness generate`, `wellness run`). Exit status 0 when the UI answered on
127.0.0.1, listed nightly_refresh_schedule, landing_sensor and after_ingestion_sensor, and the backfill
completed in at most two runs (the per-day assets over the range; the windowed assets over the range and the
days after it whose windows read it), not one run per day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {"schedules": {"nightly_refresh_schedule"}, "sensors": {"landing_sensor", "after_ingestion_sensor"}}
QUERY = """{ repositoriesOrError { ... on RepositoryConnection { nodes { name
  schedules { name cronSchedule executionTimezone scheduleState { status } }
  sensors { name sensorState { status } }
  jobs { name }
  assetNodes { id } } } } }"""


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def repositories(port: int, timeout_s: float) -> list[dict]:
    """The served repositories, once the code location has loaded (the webserver answers before that)."""
    start = time.monotonic()
    while True:
        answer = graphql(port, QUERY)
        nodes = ((answer.get("data") or {}).get("repositoriesOrError") or {}).get("nodes")
        if nodes:
            return nodes
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"the code location did not load: {json.dumps(answer)[:2000]}")
        time.sleep(1)


BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
BACKFILL_STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status numPartitions runs(limit: 1000) { runId status assetSelection { path } tags { key value } } } } }"""
DAILY_ASSETS = ["daily_metrics", "questionnaire_scores", "questionnaire_change", "baselines", "drift", "proxies"]


def ui_backfill(port: int, days: list[str], timeout_s: float) -> tuple[dict, float]:
    """Launch what Assets → select → Materialize → date range launches, wait for it to finish."""
    params = {
        "assetSelection": [{"path": [a]} for a in DAILY_ASSETS],
        "partitionNames": days,
        "title": "ui smoke backfill",
    }
    start = time.monotonic()
    launched = graphql(port, BACKFILL, {"params": params})["data"]["launchPartitionBackfill"]
    if launched["__typename"] != "LaunchBackfillSuccess":
        raise RuntimeError(f"backfill not launched: {launched}")
    while time.monotonic() - start < timeout_s:
        state = graphql(port, BACKFILL_STATUS, {"id": launched["backfillId"]})["data"]["partitionBackfillOrError"]
        if state["status"] not in ("REQUESTED",) and all(
            r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in state["runs"]
        ):
            return state, time.monotonic() - start
        time.sleep(2)
    raise TimeoutError(f"backfill {launched['backfillId']} not finished within {timeout_s:.0f} s")


def wait_for_server(port: int, timeout_s: float, proc: subprocess.Popen) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"make dev exited with {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise TimeoutError(f"no answer on 127.0.0.1:{port} within {timeout_s:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--no-backfill", action="store_true", help="only list what the UI serves")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wellness-ui-") as tmp:
        dagster_home = Path(tmp) / "dagster_home"
        dagster_home.mkdir()
        shutil.copy(ROOT / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
        env = {
            **os.environ,
            "WELLNESS_HOME": str(Path(tmp) / "home"),
            "DAGSTER_HOME": str(dagster_home),
            "DEV_PORT": str(args.port),
        }
        if not args.no_backfill:
            wellness = str(ROOT / ".venv" / "bin" / "wellness")
            subprocess.run(
                [wellness, "generate", "--participants", "8", "--days", "60", "--seed", "5", "--start", "2025-01-06"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            subprocess.run([wellness, "run"], env=env, check=True, stdout=subprocess.DEVNULL)
        log = open(Path(tmp) / "dev.log", "w")  # noqa: SIM115 (the server's log, closed after it stops)
        proc = subprocess.Popen(
            ["make", "dev"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            seconds = wait_for_server(args.port, args.timeout, proc)
            print(f"make dev           serving on http://127.0.0.1:{args.port} after {seconds:.1f} s")
            data = repositories(args.port, args.timeout)
            if not args.no_backfill:
                days = [(dt.date(2025, 2, 1) + dt.timedelta(days=k)).isoformat() for k in range(30)]
                backfill, backfill_s = ui_backfill(args.port, days, args.timeout)
        except Exception as err:
            log.flush()
            print(f"ui smoke FAILED: {err}\n--- make dev output ---\n{(Path(tmp) / 'dev.log').read_text()[-4000:]}")
            return 1
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
    found = {"schedules": set(), "sensors": set()}
    for repo in data:
        for s in repo["schedules"]:
            found["schedules"].add(s["name"])
            print(
                f"schedule           {s['name']}  {s['cronSchedule']} {s['executionTimezone']}  "
                f"{s['scheduleState']['status']}"
            )
        for s in repo["sensors"]:
            found["sensors"].add(s["name"])
            print(f"sensor             {s['name']}  {s['sensorState']['status']}")
        print(f"jobs               {', '.join(sorted(j['name'] for j in repo['jobs']))}")
        print(f"assets             {len(repo['assetNodes'])}")
    missing = {kind: EXPECTED[kind] - found[kind] for kind in EXPECTED if EXPECTED[kind] - found[kind]}
    problems = [f"missing {missing}"] if missing else []
    if not args.no_backfill:
        runs = backfill["runs"]
        print(
            f"ui backfill        {len(days)} days x {len(DAILY_ASSETS)} assets: "
            f"{len(runs)} run(s) {', '.join(r['status'] for r in runs)}; backfill {backfill['status']} "
            f"in {backfill_s:.1f} s"
        )
        for r in runs:
            tags = {t["key"]: t["value"] for t in r["tags"]}
            print(
                f"  run {r['runId'][:8]}  {r['status']}  "
                f"{tags.get('dagster/asset_partition_range_start')}…{tags.get('dagster/asset_partition_range_end')}  "
                f"{', '.join(sorted('/'.join(a['path']) for a in r['assetSelection']))}"
            )
        # The per-day assets run over the range in one run; baselines, drift and proxies (whose windows read
        # the previous days, a TimeWindowPartitionMapping) over the range plus the following days in a second.
        if len(runs) > 2 or any(r["status"] != "SUCCESS" for r in runs) or backfill["status"] != "COMPLETED_SUCCESS":
            problems.append("the backfill did not finish in at most two successful runs")
    print("ui smoke           " + ("OK" if not problems else "FAILED, " + "; ".join(problems)))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())

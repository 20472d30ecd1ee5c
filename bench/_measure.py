"""Shared by the bench scripts: peak memory of this process, and timing one measurement in a fresh process
so that its peak RSS is its own."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux keeps that across exec, so a child
    would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report_child(fn, path: Path, imports: list[str] = ()) -> None:
    """In the child: import ``imports``, then run ``fn(path)`` (a dict of counts) and print it as JSON with its
    seconds and peak RSS."""
    import importlib

    for name in imports:
        importlib.import_module(name)
    t0 = time.perf_counter()
    result = fn(path)
    result["seconds"] = time.perf_counter() - t0
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def run_child(script: str, kind: str, path: Path) -> dict:
    """In the parent: ``script --child kind --path path`` in a fresh interpreter; its printed result."""
    out = subprocess.run(
        [sys.executable, script, "--child", kind, "--path", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])

"""Shared by the bench scripts: peak memory of this process, and timing one measurement in a fresh process
so that its peak RSS is its own."""

from __future__ import annotations

import contextlib
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


class ChildrenPeak:
    """The largest peak resident set (VmHWM) of this process's child processes (helpers), read from /proc every
    20 ms while it runs. Not RUSAGE_CHILDREN: a child started by vfork + exec reports its parent's peak."""

    def __init__(self):
        import threading

        self.mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import os

        while not self._stop.wait(0.02):
            for task in Path(f"/proc/{os.getpid()}/task").iterdir():
                try:
                    pids = (task / "children").read_text().split()
                except OSError:
                    continue
                for pid in pids:
                    try:
                        status = Path(f"/proc/{pid}/status").read_text()
                    except OSError:
                        continue
                    for line in status.splitlines():
                        if line.startswith("VmHWM:"):
                            self.mb = max(self.mb, int(line.split()[1]) / 1024)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def report_child(fn, path: Path, imports: list[str] = (), watch_children: bool = False, warm_up=None) -> None:
    """In the child: import ``imports`` (and run ``warm_up(path)``, if given), then run ``fn(path)`` (a dict of
    counts) and print it as JSON with its seconds and peak RSS; with ``watch_children``, also its helper processes'
    peak (the watching thread costs the measured code a little, so only kinds that start helpers turn it on)."""
    import importlib

    for name in imports:
        importlib.import_module(name)
    if warm_up is not None:
        warm_up(path)
    children = ChildrenPeak()
    with children if watch_children else contextlib.nullcontext():
        t0 = time.perf_counter()
        result = fn(path)
        result["seconds"] = time.perf_counter() - t0
    result["peak_rss_mb"] = peak_rss_mb()
    result["helper_peak_rss_mb"] = children.mb
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

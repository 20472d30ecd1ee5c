"""Fitbit ``exercise.json`` (PMData layout; ``exercise-<n>.json`` in Google Takeout), one participant per file:
one record per logged or auto-detected exercise session (``logId``, ``activityName``, ``activeDuration``,
``steps``, ``averageHeartRate``, ``heartRateZones``, …).

No daily metric of ours comes from sessions (active minutes come from the ``*_active_minutes`` series, steps
from ``steps``; adding sessions would count them twice): every record is counted as ignored."""

from __future__ import annotations

from transforms.ingest.sources._ignored import ignored_json_records

FORMAT = "fitbit_takeout_exercise"
SCOPE = "person"
REASON = "exercise sessions map to no daily metric (active minutes come from *_active_minutes.json)"


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"activityName"' in head and '"logId"' in head


def parse(source, ctx):
    return ignored_json_records(source, ctx.source_file, REASON)

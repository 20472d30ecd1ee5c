"""Fitbit ``time_in_heart_rate_zones.json`` (PMData layout; ``time_in_heart_rate_zones-<date>.json`` in Google
Takeout), one participant per file: per day ``{"valuesInZones": {"BELOW_DEFAULT_ZONE_1": 1254.0,
"IN_DEFAULT_ZONE_1": 164.0, …}}`` minutes in Fitbit's default heart-rate zones.

No metric of ours (the zones depend on Fitbit's age-based maximum heart rate, and active minutes come from the
``*_active_minutes`` series): every record is counted as ignored."""

from __future__ import annotations

from transforms.ingest.sources._ignored import ignored_json_records

FORMAT = "fitbit_takeout_hr_zones"
SCOPE = "person"
REASON = "minutes in heart-rate zones map to no daily metric"


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"valuesInZones"' in head


def parse(source, ctx):
    return ignored_json_records(source, ctx.source_file, REASON)

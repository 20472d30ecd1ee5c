"""Fitbit Takeout ``Global Export Data`` JSON series without a daily metric of ours: ``demographic_vo2_max`` and
``run_vo2_max`` (``[{"dateTime": …, "value": {"demographicVO2Max": …}}]``), one participant per file: every record
counted as ignored with the reason."""

from __future__ import annotations

from transforms.ingest.sources._ignored import ignored_json_records

FORMAT = "fitbit_takeout_vo2max"
SCOPE = "person"


def detect(name: str, head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return body.startswith("[") and '"dateTime"' in head and ('"demographicVO2Max"' in head or '"runVO2Max"' in head)


def parse(source, ctx):
    return ignored_json_records(source, ctx.source_file, "VO2 max: no metric of ours")

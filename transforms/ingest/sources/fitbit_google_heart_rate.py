"""Fitbit's intraday heart rate as a Google-format table of its Takeout (``Physical Activity_GoogleData/
heart_rate_YYYY-MM-DD.csv``: ``timestamp,beats per minute``, ``…Z`` stamps), one participant per file: read as
``fitbit_takeout_heart_rate`` reads the Global Export JSON (samples on the participant's local clock). The header
is the same as the daily resting heart rate table's; a file named ``…resting…`` is that one
(``fitbit_google_daily_csv``).
"""

from __future__ import annotations

from transforms.ingest.sources._tabular import header_names
from transforms.ingest.sources.fitbit_takeout_heart_rate import parse_heart_rate

FORMAT = "fitbit_google_heart_rate"
SCOPE = "person"


def detect(name: str, head: str) -> bool:
    return header_names(head)[:2] == ["timestamp", "beats per minute"] and "resting" not in name.lower()


def parse(source, ctx):
    return parse_heart_rate(source, ctx, FORMAT)

"""Export formats. Each module exposes the same small interface:

* ``FORMAT``: the format's name (``source`` in the tables);
* ``SCOPE``: ``"person"`` (one participant per file, the landing folder names them) or ``"cohort"``
  (rows carry a vendor account id, mapped through participants.csv; ``ACCOUNT_SOURCE`` names the
  account family there);
* ``detect(name, head) -> bool``: recognises the format from the file's first bytes (and name);
* ``parse(path, source_file) -> ParseResult``: canonical records plus rejected records with reasons.

Adding a format is one module here plus its tests, and one line in ``FORMATS``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from transforms.sources import (
    fitabase_daily_activity, fitabase_sleep_day, fitbit_takeout_hrv, fitbit_takeout_resting_hr,
    fitbit_takeout_sleep, questionnaire_csv,
)

FORMATS: tuple[ModuleType, ...] = (
    fitabase_daily_activity,
    fitabase_sleep_day,
    fitbit_takeout_resting_hr,
    fitbit_takeout_sleep,
    fitbit_takeout_hrv,
    questionnaire_csv,
)
HEAD_BYTES = 16384


def read_head(path: Path) -> str:
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES).decode("utf-8", errors="replace")


def detect(path: Path) -> ModuleType | None:
    """The format module whose ``detect`` accepts the file's content, or None."""
    head = read_head(path)
    name = path.name
    for module in FORMATS:
        if module.detect(name, head):
            return module
    return None


def by_name(name: str) -> ModuleType:
    for module in FORMATS:
        if module.FORMAT == name:
            return module
    raise KeyError(name)

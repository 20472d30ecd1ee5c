"""Where things live: ``$WELLNESS_HOME`` (default ``./data``) and the files inside it."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "data"
PARTITIONS_START_DEFAULT = "2000-01-01"  # = the earliest day quality.rules accepts


@dataclass(frozen=True)
class Paths:
    home: Path

    @classmethod
    def from_env(cls) -> "Paths":
        return cls(Path(os.environ.get("WELLNESS_HOME", DEFAULT_HOME)).resolve())

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def analytics(self) -> Path:
        return self.home / "analytics.duckdb"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def ground_truth(self) -> Path:
        return self.home / "ground_truth.csv"

    @property
    def pseudonym_key_file(self) -> Path:
        return self.home / ".pseudonym_key"

    def pseudonym_key(self) -> bytes:
        """The project secret that keys pseudonyms: ``$WELLNESS_PSEUDONYM_KEY`` (hex), else a random
        key created once in ``$WELLNESS_HOME/.pseudonym_key`` (mode 0600). Keep it to keep pseudonyms
        stable; whoever holds it can re-identify nothing, but can test a guessed account id."""
        env = os.environ.get("WELLNESS_PSEUDONYM_KEY")
        if env:
            return bytes.fromhex(env)
        path = self.pseudonym_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())


def partitions_start() -> str:
    """First daily partition (``$WELLNESS_PARTITIONS_START``, default 2000-01-01)."""
    return os.environ.get("WELLNESS_PARTITIONS_START", PARTITIONS_START_DEFAULT)

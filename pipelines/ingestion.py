"""Ingest the landing folder: parse new or changed files, apply row rules, write everything that came
from those files in one transaction per batch. Unchanged files are skipped, so re-running is a no-op.

A file version is identified by its SHA-256; cohort-wide files also by the SHA-256 of participants.csv
(a changed mapping re-ingests them so ids follow the map). A file that no parser recognises is recorded
as ``unsupported``; one that cannot be read as its format as ``failed`` with a file-level quarantine row.
Neither stops the run. Logs name files and counts, never personal values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from quality.rules import apply_row_rules
from transforms import sources
from transforms.errors import IngestError, UnsupportedFormat
from transforms.identity import ParticipantMap
from transforms.ingest import PARTICIPANT_MAP_NAME, landing_files, parse_landing_file, source_file_name
from transforms.records import empty_observations, empty_responses, rejects_frame
from warehouse import reads, writes

BATCH_FILES = 256


@dataclass
class IngestReport:
    files_seen: int = 0
    files_unchanged: int = 0
    files_ingested: int = 0
    files_unsupported: int = 0
    files_failed: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_empty: int = 0
    changed_days: set = field(default_factory=set)  # days whose rows were added, changed or removed

    @property
    def first_changed_day(self) -> dt.date | None:
        return min(self.changed_days) if self.changed_days else None

    @property
    def last_changed_day(self) -> dt.date | None:
        return max(self.changed_days) if self.changed_days else None

    def as_metadata(self) -> dict:
        counts = {k: v for k, v in self.__dict__.items() if k != "changed_days"}
        first, last = self.first_changed_day, self.last_changed_day
        return counts | {"n_changed_days": len(self.changed_days),
                         "first_changed_day": str(first) if first else "",
                         "last_changed_day": str(last) if last else ""}


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _is_cohort(format_name: str | None) -> bool:
    try:
        return format_name is not None and sources.by_name(format_name).SCOPE == "cohort"
    except KeyError:
        return False


def ingest_landing(conn: duckdb.DuckDBPyConnection, landing: Path, key: bytes,
                   log: logging.Logger | None = None, force: bool = False,
                   today: dt.date | None = None) -> IngestReport:
    log = log or logging.getLogger(__name__)
    report = IngestReport()
    landing.mkdir(parents=True, exist_ok=True)
    map_path = landing / PARTICIPANT_MAP_NAME
    map_sha = file_sha256(map_path) if map_path.exists() else None
    participant_map = ParticipantMap.load(map_path if map_path.exists() else None, key)
    previous = reads.current_file_versions(conn).set_index("path").to_dict("index")

    todo = []
    for path in landing_files(landing):
        report.files_seen += 1
        rel = source_file_name(landing, path)
        sha = file_sha256(path)
        prev = previous.get(rel)
        same = prev is not None and prev["sha256"] == sha and (
            not _is_cohort(prev["source_format"]) or prev["participant_map_sha256"] == map_sha)
        if same and not force:
            report.files_unchanged += 1
            continue
        todo.append((path, rel, sha))
    log.info("landing: %d files, %d unchanged, %d to ingest", report.files_seen, report.files_unchanged, len(todo))

    for start in range(0, len(todo), BATCH_FILES):
        _ingest_batch(conn, todo[start:start + BATCH_FILES], landing, participant_map, map_sha, report, log,
                      today or dt.date.today())
        log.info("ingested %d/%d files", min(start + BATCH_FILES, len(todo)), len(todo))
    return report


def _ingest_batch(conn, batch, landing, participant_map, map_sha, report: IngestReport, log, today) -> None:
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    file_rows, observations, responses, rejects = [], [], [], []
    for path, rel, sha in batch:  # per file: I/O; the parsing inside each file is vectorised
        row = {"path": rel, "sha256": sha, "bytes": path.stat().st_size, "source_format": None,
               "participant_map_sha256": None, "rows_accepted": 0, "rows_quarantined": 0, "rows_empty": 0,
               "status": "ingested", "message": None, "ingested_at": now}
        try:
            module, result = parse_landing_file(path, landing, participant_map)
            result = apply_row_rules(result, module.FORMAT, today)
        except UnsupportedFormat as exc:
            row.update(status="unsupported", message=exc.reason)
            report.files_unsupported += 1
            log.info("unsupported: %s", rel)
        except IngestError as exc:
            row.update(status="failed", message=exc.reason, rows_quarantined=1)
            rejects.append(rejects_frame(rel, "unknown", ["file"], [exc.reason], [""]))
            report.files_failed += 1
            log.warning("failed: %s: %s", rel, exc.reason)
        else:
            row.update(source_format=module.FORMAT, rows_accepted=result.rows_accepted,
                       rows_quarantined=len(result.rejects), rows_empty=result.n_empty,
                       participant_map_sha256=map_sha if module.SCOPE == "cohort" else None)
            observations.append(result.observations)
            responses.append(result.responses)
            rejects.append(result.rejects)
            report.files_ingested += 1
            report.rows_accepted += result.rows_accepted
            report.rows_quarantined += len(result.rejects)
            report.rows_empty += result.n_empty
            days = pd.concat([result.observations["day"], result.responses["day"]])
            report.changed_days.update(pd.to_datetime(days).dt.date.unique().tolist())
        file_rows.append(row)

    obs = pd.concat([o for o in observations if len(o)] or [empty_observations()], ignore_index=True)
    resp = pd.concat([r for r in responses if len(r)] or [empty_responses()], ignore_index=True)
    rej = pd.concat([r for r in rejects if len(r)], ignore_index=True) if any(len(r) for r in rejects) \
        else rejects_frame("", "", [], [], [])
    rej = rej.assign(ingested_at=now)
    files = pd.DataFrame(file_rows)
    removed_days = writes.replace_file_batch(conn, files, obs, resp, rej)
    report.changed_days.update(pd.to_datetime(pd.Series(removed_days, dtype="object")).dt.date.tolist())

"""Ingest the landing folder: parse new or changed files, apply row rules, write everything that came
from those files in one transaction per batch. Unchanged files are skipped, so re-running is a no-op.

A file version is identified by its SHA-256. Cohort-wide files, and formats that read the participant's
time zone, also depend on the landing configuration (participants.csv, questionnaire_events.csv): a change
there re-ingests them. A zip archive is one landing file whose members are parsed in place. A file no
parser recognises is recorded as ``unsupported``; one that cannot be read as its format as ``failed`` with a
file-level quarantine row; neither stops the run. Logs name files and counts, never personal values.
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
from transforms.ingest import (
    PARTICIPANT_MAP_NAME, QUESTIONNAIRE_EVENTS_NAME, detect, inputs_of, landing_files, load_events,
    parse_input, source_file_name,
)
from transforms.records import empty_observations, empty_rejects, empty_responses, rejects_frame
from pipelines import progress
from pipelines.partitions import day_runs
from transforms.samples import DailyFromSamples
from warehouse import reads, writes

BATCH_FILES = 256


@dataclass
class IngestReport:
    files_seen: int = 0
    files_unchanged: int = 0
    files_ingested: int = 0
    files_unsupported: int = 0
    files_failed: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_empty: int = 0
    rows_ignored: int = 0
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
                         "last_changed_day": str(last) if last else "",
                         "changed_day_ranges": [[str(a), str(b)] for a, b in day_runs(self.changed_days)]}


@dataclass
class FileOutcome:
    """Everything one landing file (all its zip members) produced."""

    formats: list = field(default_factory=list)
    observations: list = field(default_factory=list)
    responses: list = field(default_factory=list)
    rejects: list = field(default_factory=list)
    read: int = 0
    quarantined: int = 0
    empty: int = 0
    ignored: int = 0
    unsupported: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    depends_on_config: bool = False

    def fail(self, source_file: str, reason: str, source_format: str = "unknown") -> None:
        self.failures.append(f"{source_file}: {reason}")
        self.rejects.append(rejects_frame(source_file, source_format, ["file"], [reason], [""]))
        self.read += 1
        self.quarantined += 1


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def config_sha256(landing: Path) -> str | None:
    """One hash over the landing configuration files that change how records are identified or dated."""
    digest, present = hashlib.sha256(), False
    for name in (PARTICIPANT_MAP_NAME, QUESTIONNAIRE_EVENTS_NAME):
        path = landing / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
            present = True
    return digest.hexdigest() if present else None


def _depends_on_config(format_names: str | None) -> bool:
    for name in (format_names or "").split(","):
        try:
            module = sources.by_name(name)
        except KeyError:
            continue
        if module.SCOPE == "cohort" or getattr(module, "USES_LANDING_CONFIG", False):
            return True
    return False


def ingest_landing(conn: duckdb.DuckDBPyConnection, landing: Path, key: bytes,
                   log: logging.Logger | None = None, force: bool = False,
                   today: dt.date | None = None) -> IngestReport:
    log = log or logging.getLogger(__name__)
    report = IngestReport()
    landing.mkdir(parents=True, exist_ok=True)
    map_path = landing / PARTICIPANT_MAP_NAME
    participant_map = ParticipantMap.load(map_path if map_path.exists() else None, key)
    events = load_events(landing)
    config_sha = config_sha256(landing)
    previous = reads.current_file_versions(conn).set_index("path").to_dict("index")

    todo = []
    for path in landing_files(landing):
        report.files_seen += 1
        rel = source_file_name(landing, path)
        sha = file_sha256(path)
        prev = previous.get(rel)
        same = prev is not None and prev["sha256"] == sha and (
            not _depends_on_config(prev["source_format"]) or prev["participant_map_sha256"] == config_sha)
        if same and not force:
            report.files_unchanged += 1
            continue
        todo.append((path, rel, sha))
    log.info("landing: %d files, %d unchanged, %d to ingest", report.files_seen, report.files_unchanged, len(todo))
    progress.report(f"{'landing':<20} {report.files_seen} files, {report.files_unchanged} unchanged, "
                    f"{len(todo)} to parse")

    for start in range(0, len(todo), BATCH_FILES):
        batch = todo[start:start + BATCH_FILES]
        _write_batch(conn, batch, landing, participant_map, events, config_sha, report, log,
                     today or dt.date.today())
        log.info("ingested %d/%d files", min(start + BATCH_FILES, len(todo)), len(todo))
        progress.report(f"{'parsed':<20} {min(start + BATCH_FILES, len(todo))}/{len(todo)} files: "
                        f"{report.rows_accepted:,} rows accepted, {report.rows_quarantined:,} quarantined")
    return report


def ingest_file(path: Path, landing: Path, participant_map: ParticipantMap, events, today: dt.date,
                log: logging.Logger) -> FileOutcome:
    """Parse one landing file (each zip member in turn), applying row rules chunk by chunk."""
    out = FileOutcome()
    rel = source_file_name(landing, path)
    try:
        inputs = inputs_of(path, landing)
    except IngestError as exc:
        out.fail(rel, exc.reason, "zip")
        return out
    for source in inputs:
        try:
            module = detect(source)
        except UnsupportedFormat:
            out.unsupported.append(source.source_file)
            continue
        out.formats.append(module.FORMAT)
        out.depends_on_config |= module.SCOPE == "cohort" or getattr(module, "USES_LANDING_CONFIG", False)
        daily = DailyFromSamples(module.FORMAT, source.source_file,
                                 getattr(module, "HEART_RATE_SAMPLES_PER_HOUR", 60))
        try:
            for chunk in parse_input(source, module, participant_map, events):
                chunk = apply_row_rules(chunk, module.FORMAT, today)
                daily.add(chunk.samples)
                out.observations.append(chunk.observations)
                out.responses.append(chunk.responses)
                out.rejects.append(chunk.rejects)
                out.read += chunk.n_records or 0
                out.quarantined += chunk.n_quarantined
                out.empty += chunk.n_empty
                out.ignored += chunk.n_ignored
                out.notes += [note for note in (f"{source.source_file}: {n}" for n in chunk.notes) if note not in out.notes]
            out.observations.append(daily.finish())
        except IngestError as exc:
            out.fail(source.source_file, exc.reason, module.FORMAT)
            log.warning("failed: %s: %s", source.source_file, exc.reason)
        except Exception as exc:  # a parser bug on an odd file fails that file, not the whole run
            out.fail(source.source_file, f"internal error while parsing ({type(exc).__name__}): {exc}"[:500],
                     module.FORMAT)
            log.exception("internal error while parsing %s", source.source_file)
    return out


def _write_batch(conn, batch, landing, participant_map, events, config_sha, report: IngestReport, log,
                 today) -> None:
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    file_rows, observations, responses, rejects = [], [], [], []
    for path, rel, sha in batch:  # per file: I/O; the parsing inside each file is vectorised
        out = ingest_file(path, landing, participant_map, events, today, log)
        accepted = out.read - out.quarantined - out.empty - out.ignored
        if out.formats:
            status = "failed" if out.failures and not accepted else "ingested"
        else:
            status = "failed" if out.failures else "unsupported"
        notes = out.failures + out.notes + ([f"{len(out.unsupported)} unsupported member(s)"]
                                            if out.unsupported and out.formats else [])
        file_rows.append({
            "path": rel, "sha256": sha, "bytes": path.stat().st_size,
            "source_format": ",".join(sorted(set(out.formats))) or None,
            "participant_map_sha256": config_sha if out.depends_on_config else None,
            "rows_read": out.read, "rows_accepted": accepted, "rows_quarantined": out.quarantined,
            "rows_empty": out.empty, "rows_ignored": out.ignored, "status": status,
            "message": "; ".join(notes)[:2000] or ("no parser recognises this file's content"
                                                   if status == "unsupported" else None),
            "ingested_at": now,
        })
        report.files_ingested += status == "ingested"
        report.files_unsupported += status == "unsupported"
        report.files_failed += status == "failed"
        report.rows_read += out.read
        report.rows_accepted += accepted
        report.rows_quarantined += out.quarantined
        report.rows_empty += out.empty
        report.rows_ignored += out.ignored
        if status == "unsupported":
            log.info("unsupported: %s", rel)
        observations += out.observations
        responses += out.responses
        rejects += out.rejects

    obs = pd.concat([o for o in observations if len(o)] or [empty_observations()], ignore_index=True)
    resp = pd.concat([r for r in responses if len(r)] or [empty_responses()], ignore_index=True)
    rej = pd.concat([r for r in rejects if len(r)] or [empty_rejects()], ignore_index=True).assign(ingested_at=now)
    for frame in (obs, resp):
        report.changed_days.update(pd.to_datetime(frame["day"]).dt.date.unique().tolist())
    removed_days = writes.replace_file_batch(conn, pd.DataFrame(file_rows), obs, resp, rej)
    report.changed_days.update(pd.to_datetime(pd.Series(removed_days, dtype="object")).dt.date.tolist())

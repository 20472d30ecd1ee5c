"""Ingest the landing folder: parse new, changed or previously failed files, apply row rules, write what came
from them batch by batch. Unchanged files are skipped, so re-running is a no-op.

A file version is identified by its SHA-256. Cohort-wide files, and formats that read the participant's
time zone, also depend on the landing configuration (participants.csv, questionnaire_events.csv): a change
there re-ingests them. A zip archive is one landing file whose members are parsed in place.

One file costs only itself. Every file (each zip member) goes through the stages of ``STAGES``; a file no
parser recognises is ``unsupported``; one that cannot be read as its format (``IngestError``: bad encoding,
truncated JSON …) keeps what it read before the fault and gets a file-level quarantine row (``failed`` when
nothing of it was accepted); any other exception, at any stage, leaves the file ``failed`` with a one-line
message (file, stage, cause) and none of its rows, and the next run tries it again. Rows reach the warehouse
only after ``quality.constraints`` and the target tables' own constraints accepted them file by file
(``warehouse.writes.FileRowsStage``), so no file can abort the transaction that writes the others. Logs name
files, stages, exception types and counts, never personal values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines import progress
from pipelines.partitions import day_runs
from quality.constraints import enforce_table_constraints
from quality.rules import apply_row_rules
from transforms import vocabulary
from transforms.ingest import sources
from transforms.ingest.errors import IngestError, MalformedFile, UnsupportedFormat
from transforms.ingest.identity import ParticipantMap
from transforms.ingest.inputs import vet
from transforms.ingest.landing import (
    PARTICIPANT_MAP_NAME,
    QUESTIONNAIRE_EVENTS_NAME,
    Skipped,
    inputs_of,
    landing_entries,
    load_events,
    source_file_name,
)
from transforms.ingest.parse import detect, identify, input_participant, parse_chunks
from transforms.ingest.records import ParseResult, empty_observations, empty_rejects, empty_responses, rejects_frame
from transforms.ingest.samples import DailyFromSamples
from warehouse import reads, writes
from warehouse.storage import Warehouse

BATCH_FILES = 256
# What happens to one input, in order; a failure is reported with the stage it happened in.
STAGES = ("read", "detect", "parse", "identify", "rules", "constraints", "daily", "write")


@dataclass
class IngestReport:
    files_seen: int = 0
    files_unchanged: int = 0
    files_ingested: int = 0
    files_unsupported: int = 0
    files_failed: int = 0
    files_removed: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_empty: int = 0
    rows_ignored: int = 0
    duplicate_records: int = 0  # records another file already holds, listed by this ingestion (all groups it touched)
    changed_days: set = field(default_factory=set)  # days whose rows were added, changed or removed
    failed_files: list = field(default_factory=list)  # landing paths left ``failed`` by this ingestion

    @property
    def first_changed_day(self) -> dt.date | None:
        return min(self.changed_days) if self.changed_days else None

    @property
    def last_changed_day(self) -> dt.date | None:
        return max(self.changed_days) if self.changed_days else None

    def as_metadata(self) -> dict:
        counts = {k: v for k, v in self.__dict__.items() if k not in ("changed_days", "failed_files")}
        first, last = self.first_changed_day, self.last_changed_day
        return counts | {
            "n_changed_days": len(self.changed_days),
            "first_changed_day": str(first) if first else "",
            "last_changed_day": str(last) if last else "",
            "changed_day_ranges": [[str(a), str(b)] for a, b in day_runs(self.changed_days)],
            "failed_files": self.failed_files[:100],
        }


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
    crashed: bool = False  # an unexpected exception at some stage: the file is ``failed`` and retried
    removed: bool = False  # the file is gone from the landing folder
    skip_status: str | None = None  # an entry that is not read (``landing_entries``): its status

    def add(self, chunk: ParseResult) -> None:
        self.observations.append(chunk.observations)
        self.responses.append(chunk.responses)
        self.rejects.append(chunk.rejects)
        self.read += chunk.n_records or 0
        self.quarantined += chunk.n_quarantined
        self.empty += chunk.n_empty
        self.ignored += chunk.n_ignored

    def merge(self, part: FileOutcome) -> None:
        """Take over the rows and counts of one input (a zip member, or the file itself)."""
        for name in ("observations", "responses", "rejects", "failures"):
            getattr(self, name).extend(getattr(part, name))
        self.notes += [n for n in part.notes if n not in self.notes]
        self.read += part.read
        self.quarantined += part.quarantined
        self.empty += part.empty
        self.ignored += part.ignored

    def fail(self, source_file: str, stage: str, reason: str, source_format: str = "unknown") -> None:
        """The input cannot be read as its format (an expected fault of the file): one file-level reject."""
        self.failures.append(f"{source_file}: {stage}: {reason}")
        self.rejects.append(rejects_frame(source_file, source_format, ["file"], [reason], [""]))
        self.read += 1
        self.quarantined += 1

    def crash(self, source_file: str, stage: str, cause: str, source_format: str = "unknown") -> None:
        """An unexpected fault at ``stage``: the input's rows are not kept, the file is ``failed``. The
        quarantine reason (published) names the stage only; the cause (an exception's text may quote a
        value) stays in ops.ingested_files.message, which analysts do not get."""
        self.crashed = True
        self.failures.append(f"{source_file}: {stage}: {cause}"[:500])
        reason = f"internal error while {_doing(stage)}: retried on the next run (details in ops.ingested_files)"
        self.rejects.append(rejects_frame(source_file, source_format, ["file"], [reason], [""]))
        self.read += 1
        self.quarantined += 1

    def skip(self, rel: str, status: str, reason: str) -> None:
        """An entry that is not read: ``unsupported`` (a link out of the landing folder, a FIFO …) or
        ``failed`` (a folder that cannot be listed), with the reason as its message."""
        self.skip_status = status
        (self.failures if status == "failed" else self.notes).append(
            f"{rel}: read: {reason}" if status == "failed" else reason
        )

    def accepted(self) -> int:
        return self.read - self.quarantined - self.empty - self.ignored

    def status(self) -> str:
        if self.removed:
            return "removed"
        if self.skip_status:
            return self.skip_status
        if self.crashed:
            return "failed"
        if self.formats:
            return "failed" if self.failures and not self.accepted() else "ingested"
        return "failed" if self.failures else "unsupported"

    def file_rows(self, ingested_at: pd.Timestamp) -> writes.FileRows:
        def joined(frames, empty):
            frames = [f for f in frames if len(f)]
            return pd.concat(frames, ignore_index=True) if frames else empty()

        return writes.FileRows(
            joined(self.observations, empty_observations),
            joined(self.responses, empty_responses),
            joined(self.rejects, empty_rejects).assign(ingested_at=ingested_at),
        )


def _doing(stage: str) -> str:
    return {
        "read": "reading the file",
        "detect": "detecting its format",
        "parse": "parsing",
        "identify": "resolving participant ids",
        "rules": "applying row rules",
        "constraints": "checking table constraints",
        "daily": "aggregating daily values",
        "write": "writing its rows",
    }[stage]


def _cause(exc: BaseException) -> str:
    """One line: the exception's type, text and the innermost line of our code it came from."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/site-packages/" not in f.filename]
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return " ".join(f"{type(exc).__name__}{where}: {exc}".split())[:400]


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


@dataclass
class _Pending:
    """A landing entry to record: a file to ingest (its content hash; None when it could not be read and
    ``read_error`` says why), an entry that is not read (``skipped``), or a file that is gone (``removed``:
    its previous record)."""

    path: Path
    rel: str
    sha: str | None
    read_error: str | None = None
    skipped: Skipped | None = None
    removed: dict | None = None


def ingest_landing(
    wh: Warehouse,
    landing: Path,
    key: bytes,
    log: logging.Logger | None = None,
    force: bool = False,
    today: dt.date | None = None,
) -> IngestReport:
    log = log or logging.getLogger(__name__)
    report = IngestReport()
    landing.mkdir(parents=True, exist_ok=True)
    map_path = landing / PARTICIPANT_MAP_NAME
    participant_map = ParticipantMap.load(map_path if map_path.exists() else None, key)
    events = load_events(landing)
    config_sha = config_sha256(landing)
    previous = reads.current_file_versions(wh.conn).set_index("path").to_dict("index")

    files, skipped = landing_entries(landing)
    todo, present = [], set()
    for path in files:
        report.files_seen += 1
        rel = source_file_name(landing, path)
        present.add(rel)
        try:
            sha = file_sha256(path)
        except OSError as exc:
            todo.append(_Pending(path, rel, None, _cause(exc)))
            continue
        prev = previous.get(rel)
        same = (
            prev is not None
            and prev["sha256"] == sha
            and prev["status"] in ("ingested", "unsupported")
            and (not _depends_on_config(prev["source_format"]) or prev["participant_map_sha256"] == config_sha)
        )
        if same and not force:
            report.files_unchanged += 1
            continue
        todo.append(_Pending(path, rel, sha))
    for entry in skipped:  # recorded with their reason; an unchanged unsupported one only once
        report.files_seen += 1
        rel = source_file_name(landing, entry.path)
        present.add(rel)
        prev = previous.get(rel)
        if prev is not None and prev["status"] == entry.status == "unsupported" and prev["message"] == entry.reason:
            report.files_unchanged += 1
            continue
        todo.append(_Pending(entry.path, rel, "", skipped=entry))
    for rel, prev in previous.items():  # gone from the landing folder: what it contributed goes too
        if rel not in present and prev["status"] not in ("removed", "superseded"):
            todo.append(_Pending(landing / rel, rel, prev["sha256"], removed=prev))
    log.info("landing: %d files, %d unchanged, %d to ingest", report.files_seen, report.files_unchanged, len(todo))
    progress.report(
        f"{'landing':<20} {report.files_seen} files, {report.files_unchanged} unchanged, {len(todo)} to parse"
    )

    for start in range(0, len(todo), BATCH_FILES):
        batch = todo[start : start + BATCH_FILES]
        _write_batch(wh, batch, landing, participant_map, events, config_sha, report, log, today or dt.date.today())
        log.info("ingested %d/%d files", min(start + BATCH_FILES, len(todo)), len(todo))
        progress.report(
            f"{'parsed':<20} {min(start + BATCH_FILES, len(todo))}/{len(todo)} files: "
            f"{report.rows_accepted:,} rows accepted, {report.rows_quarantined:,} quarantined"
        )
    report.duplicate_records = writes.refresh_duplicates(wh, pd.Timestamp.now(tz="UTC").tz_localize(None))
    report.changed_days |= writes.take_pending_changed_days(wh)  # also those of an ingestion killed midway
    return report


def ingest_file(
    path: Path, landing: Path, participant_map: ParticipantMap, events, today: dt.date, log: logging.Logger
) -> FileOutcome:
    """Parse one landing file (each zip member in turn) through the stages of ``STAGES`` up to ``daily``."""
    out = FileOutcome()
    rel = source_file_name(landing, path)
    try:
        inputs = inputs_of(path, landing)
    except IngestError as exc:
        out.fail(rel, "read", exc.reason, "zip")
        return out
    except Exception as exc:  # an unreadable file (permissions, vanished) or a fault listing an archive
        _crashed(out, rel, "read", exc, "unknown", log)
        return out
    for source in inputs:
        _ingest_input(source, out, participant_map, events, today, log)
    return out


def _crashed(
    out: FileOutcome, source_file: str, stage: str, exc: BaseException, source_format: str, log: logging.Logger
) -> None:
    out.crash(source_file, stage, _cause(exc), source_format)
    log.warning(
        "failed: %s at stage %s (%s); the file is retried on the next run", source_file, stage, type(exc).__name__
    )


def _ingest_input(
    source, out: FileOutcome, participant_map: ParticipantMap, events, today: dt.date, log: logging.Logger
) -> None:
    """One input into ``out``: all of its rows, or (after an unexpected exception) none of them."""
    part, stage, source_format = FileOutcome(), "read", "unknown"
    try:
        try:
            vet(source)
        except IngestError as exc:
            out.fail(source.source_file, stage, exc.reason)
            log.warning("failed: %s at stage read: %s", source.source_file, exc.reason)
            return
        stage = "detect"
        try:
            module = detect(source)
        except UnsupportedFormat:
            out.unsupported.append(source.source_file)
            return
        source_format = module.FORMAT
        out.formats.append(module.FORMAT)
        out.depends_on_config |= module.SCOPE == "cohort" or getattr(module, "USES_LANDING_CONFIG", False)
        daily = DailyFromSamples(module.FORMAT, source.source_file, getattr(module, "HEART_RATE_SAMPLES_PER_HOUR", 60))
        try:
            stage = "identify"
            participant = input_participant(source, module)
            stage = "parse"
            deadline = time.monotonic() + vocabulary.ingest_rules().max_seconds_per_file
            for chunk in parse_chunks(source, module, participant_map, events, today):
                if time.monotonic() > deadline:
                    raise MalformedFile(
                        source.source_file,
                        "still parsing after max_seconds_per_file "
                        f"({vocabulary.ingest_rules().max_seconds_per_file:g} s) "
                        "in ingest.toml: stopped, what was read is kept",
                    )
                stage = "identify"
                chunk = identify(chunk, module, participant_map, participant)
                stage = "rules"
                chunk = apply_row_rules(chunk, module.FORMAT, today)
                stage = "constraints"
                chunk = enforce_table_constraints(chunk, module.FORMAT, source.source_file, today)
                stage = "daily"
                daily.add(chunk.samples)
                part.add(chunk)
                part.notes += [n for n in (f"{source.source_file}: {n}" for n in chunk.notes) if n not in part.notes]
                stage = "parse"
        except IngestError as exc:  # the file's own fault, e.g. truncated: what was read before it is kept
            part.fail(source.source_file, stage, exc.reason, module.FORMAT)
            log.warning("failed: %s at stage %s: %s", source.source_file, stage, exc.reason)
        stage = "daily"
        folded = ParseResult(observations=daily.finish(), n_records=0)
        stage = "constraints"
        part.add(enforce_table_constraints(folded, module.FORMAT, source.source_file, today))
    except Exception as exc:  # a fault of ours on an odd file fails that file, not the run
        _crashed(out, source.source_file, stage, exc, source_format, log)
        return
    out.merge(part)


def _file_record(pending: _Pending, out: FileOutcome, config_sha: str | None, now, days: list) -> dict:
    """The file's ops.ingested_files row; ``days``: the days its rows fall on (a removed file: those it had)."""
    status = out.status()
    notes = (
        out.failures
        + out.notes
        + ([f"{len(out.unsupported)} unsupported member(s)"] if out.unsupported and out.formats else [])
    )
    if out.removed:
        notes = ["no longer in the landing folder: what it contributed was removed"]
        days = _days_of(pending.removed.get("day_ranges"))
    try:
        size = 0 if out.removed or out.skip_status else pending.path.stat().st_size
    except OSError:
        size = 0
    return {
        "day_ranges": json.dumps([[str(a), str(b)] for a, b in day_runs(days)]),
        "path": pending.rel,
        "sha256": pending.sha or "",
        "bytes": size,
        "source_format": ",".join(sorted(set(out.formats))) or None,
        "participant_map_sha256": config_sha if out.depends_on_config else None,
        "rows_read": out.read,
        "rows_accepted": out.accepted(),
        "rows_quarantined": out.quarantined,
        "rows_empty": out.empty,
        "rows_ignored": out.ignored,
        "status": status,
        "message": "; ".join(notes)[:2000]
        or ("no parser recognises this file's content" if status == "unsupported" else None),
        "ingested_at": now,
    }


def _write_batch(
    wh: Warehouse, batch: list[_Pending], landing, participant_map, events, config_sha, report: IngestReport, log, today
) -> None:
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    outcomes = []
    for pending in batch:  # per file: I/O; the parsing inside each file is vectorised
        out = FileOutcome()
        if pending.read_error is not None:
            out.crash(pending.rel, "read", pending.read_error)
            log.warning("failed: %s at stage read; the file is retried on the next run", pending.rel)
        elif pending.skipped is not None:
            out.skip(pending.rel, pending.skipped.status, pending.skipped.reason)
            if pending.skipped.status == "failed":
                log.warning("failed: %s at stage read (%s)", pending.rel, pending.skipped.reason)
        elif pending.removed is not None:
            out.removed = True
            log.info("removed: %s is no longer in the landing folder; its rows go", pending.rel)
        else:
            out = ingest_file(pending.path, landing, participant_map, events, today, log)
        outcomes.append(out)

    with writes.file_rows_stage(wh) as stage:
        rows = [out.file_rows(now) for out in outcomes]
        refused = stage.add(rows)
        for position, message in refused.items():
            out = FileOutcome(
                formats=outcomes[position].formats, depends_on_config=outcomes[position].depends_on_config
            )
            out.crash(batch[position].rel, "write", message)
            log.warning("failed: %s at stage write; the file is retried on the next run", batch[position].rel)
            outcomes[position] = out
            rows[position] = out.file_rows(now)
        if refused:
            still = stage.add([rows[p] for p in refused])
            if still:  # a file-level reject of our own making refused: the warehouse itself is broken
                raise RuntimeError(
                    f"the warehouse refused even the failure records of {len(still)} file(s): "
                    + "; ".join(still.values())
                )
        days = [
            set(pd.to_datetime(pd.concat([r.observations["day"], r.responses["day"]])).dt.date.unique().tolist())
            for r in rows
        ]
        records = [_file_record(p, out, config_sha, now, d) for p, out, d in zip(batch, outcomes, days)]
        for pending, record in zip(batch, records):
            _count(report, record, pending.rel)
        for file_days in days:
            report.changed_days.update(file_days)
        removed_days = stage.commit(pd.DataFrame(records))
    report.changed_days.update(pd.to_datetime(pd.Series(removed_days, dtype="object")).dt.date.tolist())


def _days_of(day_ranges) -> set:
    """The days of an ops.ingested_files ``day_ranges`` value (JSON [[first, last], …]; NULL for old rows)."""
    days = set()
    for first, last in json.loads(day_ranges) if isinstance(day_ranges, str) and day_ranges else []:
        days.update(d.date() for d in pd.date_range(first, last))
    return days


def _count(report: IngestReport, record: dict, rel: str) -> None:
    status = record["status"]
    report.files_ingested += status == "ingested"
    report.files_unsupported += status == "unsupported"
    report.files_failed += status == "failed"
    report.files_removed += status == "removed"
    if status == "failed":
        report.failed_files.append(rel)
    for name in ("read", "accepted", "quarantined", "empty", "ignored"):
        setattr(report, f"rows_{name}", getattr(report, f"rows_{name}") + record[f"rows_{name}"])

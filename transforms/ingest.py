"""Turn landing inputs into canonical records with participant ids (pure: no database, no Dagster).

Identity rules (CONTRACT.md, "Landing folder"):
* person-scope formats sit under ``landing/<participant_id>/…``: the top folder names the participant;
* cohort-scope formats carry an account id per row, mapped through ``participants.csv``, else given a
  keyed pseudonym (``transforms.identity``). Raw account ids never leave this module.

A parser returns one ``ParseResult`` or, for large formats, an iterator of chunks; ``parse_input`` always
yields chunks so callers keep memory flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType

import numpy as np
import pandas as pd

from transforms import sources, vocabulary
from transforms.errors import MalformedFile, UnsupportedFormat
from transforms.identity import ParticipantMap, invalid_participant_id
from transforms.landing import MEMBER_SEPARATOR, LandingFile, is_zip, plain_file, zip_members
from transforms.records import OBSERVATION_COLUMNS, RESPONSE_COLUMNS, SAMPLE_SCHEMA, ParseResult

PARTICIPANT_MAP_NAME = "participants.csv"
QUESTIONNAIRE_EVENTS_NAME = "questionnaire_events.csv"
CONFIG_FILES = (PARTICIPANT_MAP_NAME, QUESTIONNAIRE_EVENTS_NAME)


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know beyond the bytes: the file's name in the tables, the participant's time
    zone (for formats with UTC-only timestamps) and the study's questionnaire event dates."""

    source_file: str
    timezone: str
    events: pd.DataFrame | None = None


@dataclass(frozen=True)
class Skipped:
    """A landing entry that is not read, with the status it is recorded with and why."""

    path: Path
    status: str  # "unsupported" or "failed"
    reason: str


def landing_entries(landing: Path) -> tuple[list[Path], list[Skipped]]:
    """Every regular file under the landing folder (configuration and hidden files aside), sorted, and every
    entry that is not read with the reason: a symbolic link is followed only when its target stays inside
    the landing folder (a link out of it, a dangling link and a loop are ``unsupported``, their targets never
    opened); FIFOs, sockets and devices are ``unsupported`` (opening one could block the run); a folder that
    cannot be listed is ``failed`` with the OS error."""
    import os
    import stat

    root = Path(os.path.realpath(landing))
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(folder: Path) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(folder, "failed", f"folder not readable: {exc.strerror}"))
            return
        for entry in entries:
            path = Path(entry.path)
            rel = path.relative_to(landing)
            if entry.name.startswith(".") or (len(rel.parts) == 1 and rel.as_posix() in CONFIG_FILES):
                continue
            if entry.is_symlink():
                target = Path(os.path.realpath(path))
                if not target.exists():
                    skipped.append(Skipped(path, "unsupported", "dangling symbolic link: not followed"))
                    continue
                if target != root and root not in target.parents:
                    skipped.append(
                        Skipped(path, "unsupported", "symbolic link to outside the landing folder: not followed")
                    )
                    continue
            try:
                info = os.stat(path)
            except OSError as exc:
                skipped.append(Skipped(path, "failed", f"not readable: {exc.strerror}"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if (info.st_dev, info.st_ino) in seen_dirs:
                    skipped.append(Skipped(path, "unsupported", "symbolic link loop: not followed"))
                    continue
                seen_dirs.add((info.st_dev, info.st_ino))
                visit(path)
            elif stat.S_ISREG(info.st_mode):
                files.append(path)
            else:
                kind = "FIFO" if stat.S_ISFIFO(info.st_mode) else "socket" if stat.S_ISSOCK(info.st_mode) else "device"
                skipped.append(Skipped(path, "unsupported", f"not a regular file ({kind}): not opened"))

    if landing.is_dir():
        info = os.stat(landing)
        seen_dirs.add((info.st_dev, info.st_ino))
        visit(landing)
    return files, skipped


def landing_files(landing: Path) -> list[Path]:
    """The regular files ``landing_entries`` reads."""
    return landing_entries(landing)[0]


def source_file_name(landing: Path, path: Path) -> str:
    """The file's path relative to the landing folder, as stored in every table."""
    return PurePosixPath(path.relative_to(landing).as_posix()).as_posix()


def folder_participant(source_file: str) -> str | None:
    """The participant a person-scope file belongs to: its top folder, or the folder below the archive folder
    (ingest.toml ``archive_folder``); None for a file at the top."""
    parts = PurePosixPath(source_file.split(MEMBER_SEPARATOR)[0]).parts
    if parts and parts[0] == vocabulary.ingest_rules().archive_folder:
        parts = parts[1:]
    return parts[0] if len(parts) > 1 else None


def inputs_of(path: Path, landing: Path) -> list[LandingFile]:
    """The parseable inputs of one landing file: itself, or the members of a zip archive."""
    source_file = source_file_name(landing, path)
    if is_zip(path):
        return zip_members(path, source_file)
    return [plain_file(path, source_file)]


def load_events(landing: Path) -> pd.DataFrame | None:
    """``questionnaire_events.csv`` (event,date): the study's dates for event-labelled administrations."""
    path = landing / QUESTIONNAIRE_EVENTS_NAME
    if not path.exists():
        return None
    try:
        events = pd.read_csv(path, dtype="string", keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable CSV ({' '.join(str(exc).split())})") from None
    if not {"event", "date"} <= set(events.columns):
        raise ValueError(f"{path}: expected columns event,date")
    dates = pd.to_datetime(events["date"], errors="coerce", format="ISO8601")
    if dates.isna().any():
        bad = events.loc[dates.isna(), "date"].iloc[0]
        raise ValueError(f"{path}: date {bad!r} of line {int(dates.isna().idxmax()) + 2} is not YYYY-MM-DD")
    return events.assign(date=dates)


def detect(source: LandingFile) -> ModuleType:
    module = sources.detect(source)
    if module is None:
        raise UnsupportedFormat(source.source_file, "no parser recognises this file's content")
    return module


def parse_input(
    source: LandingFile, module: ModuleType, participant_map: ParticipantMap, events: pd.DataFrame | None = None
) -> Iterator[ParseResult]:
    """Parse one input with its (already detected) format; yields chunks with participant ids set."""
    participant = input_participant(source, module)
    for chunk in parse_chunks(source, module, participant_map, events):
        yield identify(chunk, module, participant_map, participant)


def input_participant(source: LandingFile, module: ModuleType) -> str | None:
    """The participant a person-scope input belongs to (its top landing folder); None for cohort files."""
    participant = folder_participant(source.source_file)
    if module.SCOPE == "person" and participant is None:
        raise MalformedFile(
            source.source_file, f"{module.FORMAT} holds one person's data: put it under landing/<participant_id>/"
        )
    why = invalid_participant_id(participant) if module.SCOPE == "person" else None
    if why:
        raise MalformedFile(
            source.source_file, f"its top folder name {participant!r} is not a valid participant id: {why}"
        )
    return participant


def parse_chunks(
    source: LandingFile, module: ModuleType, participant_map: ParticipantMap, events: pd.DataFrame | None = None
) -> Iterator[ParseResult]:
    """The parser's own chunks, before participant ids are set (``identify``)."""
    participant = input_participant(source, module)
    timezone = (
        participant_map.timezone(participant)
        if module.SCOPE == "person"
        else vocabulary.ingest_rules().default_timezone
    )
    parsed = module.parse(source, ParseContext(source.source_file, timezone, events))
    yield from ([parsed] if isinstance(parsed, ParseResult) else parsed)


def identify(
    chunk: ParseResult, module: ModuleType, participant_map: ParticipantMap, participant: str | None
) -> ParseResult:
    """``chunk`` with ``participant_id`` on every frame: the folder's participant for person-scope formats,
    the mapped (or pseudonymised) account id for cohort formats."""
    chunk.observations = _identify(chunk.observations, module, participant_map, participant, OBSERVATION_COLUMNS)
    chunk.responses = _identify(chunk.responses, module, participant_map, participant, RESPONSE_COLUMNS)
    chunk.samples = _identify(chunk.samples, module, participant_map, participant, list(SAMPLE_SCHEMA))
    return chunk


def _identify(
    frame: pd.DataFrame, module, participant_map: ParticipantMap, participant: str | None, columns: list[str]
) -> pd.DataFrame:
    """``frame``'s ``columns`` (missing ones empty) with ``participant_id`` set; shares the other columns'
    data instead of copying them (chunks of intraday files run to millions of rows)."""
    if frame.empty and list(frame.columns) == columns:
        return frame
    cells = {c: frame[c] for c in columns if c in frame.columns}
    if module.SCOPE == "person":
        cells["participant_id"] = pd.Series(participant, index=frame.index, dtype="string")
    elif "account_id" in frame.columns:
        cells["participant_id"] = participant_map.resolve(module.ACCOUNT_SOURCE, frame["account_id"])
    return pd.DataFrame(
        {c: cells.get(c, pd.Series(np.nan, index=frame.index)) for c in columns}, index=frame.index, copy=False
    )

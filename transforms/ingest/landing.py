"""The landing folder: which files it holds, the name each is stored under, the participant a person-scope file
belongs to (its top folder), the inputs of a file (itself or its zip members) and the study's configuration
files beside the exports (``participants.csv``, ``questionnaire_events.csv``). Pure: no database, no Dagster.

Identity rules (README, "Landing folder"; docs/ingestion.md):
* person-scope formats sit under ``landing/<participant_id>/…``: the top folder names the participant;
* cohort-scope formats carry an account id per row, mapped through ``participants.csv``, else given a
  keyed pseudonym (``transforms.ingest.identity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from transforms import vocabulary
from transforms.ingest.inputs import MEMBER_SEPARATOR, LandingFile, is_zip, plain_file, zip_members

PARTICIPANT_MAP_NAME = "participants.csv"
QUESTIONNAIRE_EVENTS_NAME = "questionnaire_events.csv"
CONFIG_FILES = (PARTICIPANT_MAP_NAME, QUESTIONNAIRE_EVENTS_NAME)


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


def landing_paths(landing: Path) -> list[Path]:
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

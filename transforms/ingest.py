"""Turn one landing file into canonical records with participant ids (pure: no database, no Dagster).

Identity rules (CONTRACT.md, "Landing folder"):
* person-scope formats sit under ``landing/<participant_id>/…``: the top folder names the participant;
* cohort-scope formats carry an account id per row, mapped through ``participants.csv``, else given a
  keyed pseudonym (``transforms.identity``). Raw account ids never leave this function.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pandas as pd

from transforms import sources
from transforms.errors import MalformedFile, UnsupportedFormat
from transforms.identity import ParticipantMap
from transforms.records import OBSERVATION_COLUMNS, RESPONSE_COLUMNS, ParseResult

PARTICIPANT_MAP_NAME = "participants.csv"


def landing_files(landing: Path) -> list[Path]:
    """Every file under the landing folder except the participant map and hidden files, sorted."""
    out = []
    for path in sorted(landing.rglob("*")):
        rel = path.relative_to(landing)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if rel.as_posix() == PARTICIPANT_MAP_NAME:
            continue
        out.append(path)
    return out


def source_file_name(landing: Path, path: Path) -> str:
    """The file's path relative to the landing folder, as stored in every table."""
    return PurePosixPath(path.relative_to(landing).as_posix()).as_posix()


def folder_participant(source_file: str) -> str | None:
    parts = PurePosixPath(source_file).parts
    return parts[0] if len(parts) > 1 else None


def parse_landing_file(path: Path, landing: Path, participant_map: ParticipantMap):
    """Detect and parse one file; returns ``(format_module, ParseResult)`` with participant ids set.

    Raises ``UnsupportedFormat`` when no parser recognises the content and ``MalformedFile`` when the
    file cannot be read as the detected format or sits where its participant cannot be known.
    """
    source_file = source_file_name(landing, path)
    module = sources.detect(path)
    if module is None:
        raise UnsupportedFormat(source_file, "no parser recognises this file's content")
    if module.SCOPE == "person":
        participant = folder_participant(source_file)
        if participant is None:
            raise MalformedFile(source_file, f"{module.FORMAT} holds one person's data: put it under "
                                             "landing/<participant_id>/")
    result = module.parse(path, source_file)
    result.observations = _identify(result.observations, module, participant_map, source_file,
                                    OBSERVATION_COLUMNS)
    result.responses = _identify(result.responses, module, participant_map, source_file, RESPONSE_COLUMNS)
    return module, result


def _identify(frame: pd.DataFrame, module, participant_map: ParticipantMap, source_file: str,
              columns: list[str]) -> pd.DataFrame:
    if module.SCOPE == "person":
        frame = frame.assign(participant_id=pd.Series(folder_participant(source_file), index=frame.index,
                                                      dtype="string"))
    elif "account_id" in frame.columns:
        frame = frame.assign(participant_id=participant_map.resolve(module.ACCOUNT_SOURCE,
                                                                    frame["account_id"]))
        frame = frame.drop(columns="account_id")
    return frame.reindex(columns=columns)

"""Turn landing inputs into canonical records with participant ids (pure: no database, no Dagster).

A parser returns one ``ParseResult`` or, for large formats, an iterator of chunks; ``parse_input`` always
yields chunks so callers keep memory flat. Person-scope inputs take their participant from the landing folder
(``transforms.ingest.landing.folder_participant``); cohort-scope rows are mapped or pseudonymised by
``transforms.ingest.identity``. Raw account ids never leave this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.ingest import sources
from transforms.ingest.errors import MalformedFile, UnsupportedFormat
from transforms.ingest.identity import ParticipantMap, invalid_participant_id
from transforms.ingest.inputs import LandingFile
from transforms.ingest.landing import folder_participant
from transforms.ingest.records import OBSERVATION_COLUMNS, RESPONSE_COLUMNS, SAMPLE_SCHEMA, ParseResult


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know beyond the bytes: the file's name in the tables, the participant's time
    zone (for formats with UTC-only timestamps), the study's questionnaire event dates, the day the row
    rules take as today (a parser that applies them itself, such as ``_engine_daily``; None: the date) and the
    account ids of the format's family that share their participant with another account (participants.csv):
    a parser that folds days per account must leave those to the per-participant fold."""

    source_file: str
    timezone: str
    events: pd.DataFrame | None = None
    today: dt.date | None = None
    shared_accounts: frozenset[str] = frozenset()


def detect(source: LandingFile) -> ModuleType:
    module = sources.detect(source)
    if module is None:
        raise UnsupportedFormat(source.source_file, "no parser recognises this file's content")
    return module


def parse_input(
    source: LandingFile,
    module: ModuleType,
    participant_map: ParticipantMap,
    events: pd.DataFrame | None = None,
    today: dt.date | None = None,
) -> Iterator[ParseResult]:
    """Parse one input with its (already detected) format; yields chunks with participant ids set."""
    participant = input_participant(source, module)
    for chunk in parse_chunks(source, module, participant_map, events, today):
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
    source: LandingFile,
    module: ModuleType,
    participant_map: ParticipantMap,
    events: pd.DataFrame | None = None,
    today: dt.date | None = None,
) -> Iterator[ParseResult]:
    """The parser's own chunks, before participant ids are set (``identify``)."""
    participant = input_participant(source, module)
    timezone = (
        participant_map.timezone(participant)
        if module.SCOPE == "person"
        else vocabulary.ingest_rules().default_timezone
    )
    shared = participant_map.shared_accounts(module.ACCOUNT_SOURCE) if module.SCOPE == "cohort" else frozenset()
    parsed = module.parse(source, ParseContext(source.source_file, timezone, events, today, shared))
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

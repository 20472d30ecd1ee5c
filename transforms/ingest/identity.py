"""Participant identity: study ids from ``participants.csv``, else keyed pseudonyms.

Cohort-wide exports carry the vendor's account id (Fitabase ``Id``, a questionnaire respondent id).
Those ids never reach a table: they are mapped through ``landing/participants.csv``
(``participant_id,source,source_account_id``) and, when unmapped, replaced by a keyed pseudonym

    pseudonym = "anon-" + hex(HMAC-SHA256(key, source + ":" + account_id))[:16]

so the same account always gets the same pseudonym under one project key, and nobody without the key
can recover or test-guess the account id.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MAP_COLUMNS = ["participant_id", "source", "source_account_id"]
OPTIONAL_COLUMNS = ["timezone"]  # IANA zone of the participant, for exports with UTC-only timestamps


@dataclass(frozen=True)
class ParticipantMap:
    """Maps (source family, account id) to a participant id; ``key`` signs pseudonyms."""

    table: pd.DataFrame
    key: bytes

    @classmethod
    def load(cls, path: Path | None, key: bytes) -> ParticipantMap:
        if path is None or not Path(path).exists():
            return cls(pd.DataFrame(columns=MAP_COLUMNS + OPTIONAL_COLUMNS, dtype="string"), key)
        try:
            table = pd.read_csv(path, dtype="string", keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not a readable CSV ({' '.join(str(exc).split())})") from None
        missing = [c for c in MAP_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; expected {MAP_COLUMNS}")
        for column in OPTIONAL_COLUMNS:
            if column not in table.columns:
                table[column] = ""
        table = table[MAP_COLUMNS + OPTIONAL_COLUMNS].apply(lambda s: s.str.strip())
        for i, pid in enumerate(table["participant_id"]):
            why = invalid_participant_id(pid)
            if why:
                raise ValueError(f"{path}: participant_id on line {i + 2} is not a valid participant id: {why}")
        bad_zones = sorted(z for z in table["timezone"].unique() if z and not _is_zone(z))
        if bad_zones:
            raise ValueError(f"{path}: unknown time zone(s) {bad_zones}")
        dupes = table.duplicated(["source", "source_account_id"], keep=False)
        if dupes.any():
            first = table[dupes].iloc[0]
            raise ValueError(
                f"{path}: account mapped twice (source={first['source']}, line {int(table.index[dupes][0]) + 2})"
            )
        return cls(table, key)

    def resolve(self, source: str, account_ids: pd.Series) -> pd.Series:
        """Participant ids for a column of account ids of one source family (vectorised). A categorical column
        is resolved once per distinct account and stays categorical."""
        if isinstance(account_ids.dtype, pd.CategoricalDtype):
            ids = self.resolve(source, pd.Series(account_ids.cat.categories, dtype="string"))
            labels, codes_of_label = np.unique(ids.to_numpy(dtype=object), return_inverse=True)
            codes = account_ids.cat.codes.to_numpy()
            remapped = np.where(codes >= 0, codes_of_label.reshape(-1)[np.maximum(codes, 0)], -1)
            return pd.Series(pd.Categorical.from_codes(remapped, labels), index=account_ids.index)
        accounts = account_ids.astype("string").str.strip()
        lookup = self.table[self.table["source"] == source].set_index("source_account_id")["participant_id"]
        mapped = accounts.map(lookup).astype("string")
        unmapped = mapped.isna() & accounts.notna()
        if unmapped.any():
            names = {a: pseudonym(self.key, source, a) for a in accounts[unmapped].unique()}
            mapped = mapped.where(~unmapped, accounts.map(names).astype("string"))
        return mapped

    def shared_accounts(self, source: str) -> frozenset[str]:
        """The account ids of ``source`` whose participant has more than one account of that source."""
        table = self.table[self.table["source"] == source]
        shared = table["participant_id"].duplicated(keep=False)
        return frozenset(table.loc[shared, "source_account_id"])

    def timezone(self, participant_id: str | None) -> str:
        """The participant's time zone from participants.csv, else ingest.toml's ``default_timezone``."""
        from transforms import vocabulary

        zones = self.table.loc[
            (self.table["participant_id"] == participant_id) & (self.table["timezone"] != ""), "timezone"
        ]
        return zones.iloc[0] if len(zones) else vocabulary.ingest_rules().default_timezone


MAX_ID_LENGTH = 64


def invalid_participant_id(text: str) -> str | None:
    """Why ``text`` cannot be a participant id (None when it can): it is empty, longer than 64 characters, has
    spaces at either end, or holds a control character (a newline in a folder name, say)."""
    if not text:
        return "it is empty"
    if len(text) > MAX_ID_LENGTH:
        return f"it is longer than {MAX_ID_LENGTH} characters"
    if text != text.strip():
        return "it starts or ends with a space"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "it holds a control character"
    return None


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def pseudonym(key: bytes, source: str, account_id: str) -> str:
    digest = hmac.new(key, f"{source}:{account_id}".encode(), hashlib.sha256).hexdigest()
    return "anon-" + digest[:16]

"""Participant mapping and keyed pseudonyms: raw account ids never come out."""

import pandas as pd
import pytest

from transforms.ingest.identity import ParticipantMap, pseudonym


def test_mapped_accounts_get_study_ids_unmapped_get_keyed_pseudonyms(tmp_path):
    mapping = tmp_path / "participants.csv"
    mapping.write_text("participant_id,source,source_account_id\nP001,fitabase,1503960366\n")
    pmap = ParticipantMap.load(mapping, key=b"secret")
    out = pmap.resolve("fitabase", pd.Series(["1503960366", "1624580081", "1624580081"]))
    assert out[0] == "P001"
    assert out[1] == out[2] == pseudonym(b"secret", "fitabase", "1624580081")
    assert out[1].startswith("anon-") and "1624580081" not in out[1]


def test_pseudonyms_depend_on_key_and_source():
    assert pseudonym(b"k1", "fitabase", "42") != pseudonym(b"k2", "fitabase", "42")
    assert pseudonym(b"k1", "fitabase", "42") != pseudonym(b"k1", "questionnaire", "42")
    assert pseudonym(b"k1", "fitabase", "42") == pseudonym(b"k1", "fitabase", "42")


def test_same_account_mapped_twice_is_an_error_naming_the_line(tmp_path):
    mapping = tmp_path / "participants.csv"
    mapping.write_text("participant_id,source,source_account_id\nP1,fitabase,7\nP2,fitabase,7\n")
    with pytest.raises(ValueError, match="line 2"):
        ParticipantMap.load(mapping, key=b"k")


def test_map_with_wrong_columns_is_rejected(tmp_path):
    mapping = tmp_path / "participants.csv"
    mapping.write_text("id,account\nP1,7\n")
    with pytest.raises(ValueError, match="missing column"):
        ParticipantMap.load(mapping, key=b"k")

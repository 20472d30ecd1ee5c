"""Numeric questionnaire CSV: one row per submission, items as <instrument>_<n>."""

from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import questionnaire_csv

HEADER = (
    "respondent_id,completed_at,"
    + ",".join([f"phq9_{i}" for i in range(1, 10)] + [f"who5_{i}" for i in range(1, 6)])
    + "\n"
)


def test_items_become_responses_and_blank_instruments_are_not_administered(tmp_path):
    path = tmp_path / "surveys.csv"
    path.write_text(
        HEADER
        + "R1,2025-02-03 09:15:00,1,2,0,3,1,0,2,1,,3,4,2,5,3\n"
        + "R2,2025-02-03 10:00:00,0,0,0,0,0,0,0,0,0,,,,,\n"
        + "R3,2025-02-03 11:00:00,0,x,0,0,0,0,0,0,0,1,1,1,1,1\n"
    )
    assert sources.detect(plain_file(path, path.name)) is questionnaire_csv
    result = parse(questionnaire_csv, path, "q/surveys.csv")
    resp = result.responses
    r1 = resp[resp.account_id == "R1"]
    assert sorted(r1.query("instrument == 'phq9'")["item"]) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert r1.query("instrument == 'who5'")["value"].tolist() == [3, 4, 2, 5, 3]
    assert set(resp[resp.account_id == "R2"]["instrument"]) == {"phq9"}
    assert result.rejects["reason"].tolist() == ["phq9_2 is not a number (1 characters)"]
    assert result.rejects["locator"].tolist() == ["line 4"]


def test_a_csv_without_items_is_not_a_questionnaire(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("respondent_id,completed_at,comment\nR1,2025-01-01,hello\n")
    assert sources.detect(plain_file(path, path.name)) is None


PSS_ITEMS = ",".join(f"PSS_{i:02d}" for i in range(1, 11))


def test_an_item_sheet_without_dates_quarantines_each_administration_naming_the_fix(tmp_path):
    path = tmp_path / "pss.csv"
    path.write_text(f"subject,{PSS_ITEMS}\nS01,1,2,3,1,2,3,1,2,3,1\nS02,0,0,0,0,0,0,0,0,0,0\n")
    assert sources.detect(plain_file(path, path.name)) is questionnaire_csv
    result = parse(questionnaire_csv, path, "q/pss.csv")
    assert result.responses.empty and result.n_records == 2
    assert result.rejects["locator"].tolist() == ["line 2", "line 3"]
    assert result.rejects["reason"].str.contains("landing/questionnaire_events.csv").all()


def test_an_item_sheet_without_respondent_ids_fails_naming_the_missing_column(tmp_path):
    import pytest

    from transforms.ingest.errors import SchemaDrift

    path = tmp_path / "pss.csv"
    path.write_text(f"{PSS_ITEMS}\n1,2,3,1,2,3,1,2,3,1\n")
    assert sources.detect(plain_file(path, path.name)) is questionnaire_csv
    with pytest.raises(SchemaDrift, match="respondent id column"):
        parse(questionnaire_csv, path, "q/pss.csv")

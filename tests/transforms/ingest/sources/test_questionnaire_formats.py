"""REDCap exports, text-label exports (StudentLife), PSQI and event dating."""

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms import vocabulary
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import psqi_csv, questionnaire_csv, questionnaire_text_csv, redcap_dictionary
from transforms.questionnaires.scoring import score_administrations

EVENTS = pd.DataFrame(
    {"event": ["pre", "post", "baseline_arm_1"], "date": pd.to_datetime(["2013-03-27", "2013-05-29", "2025-01-10"])}
)


def scores(result):
    return score_administrations(result.responses.rename(columns={"account_id": "participant_id"}))


def test_redcap_export_with_events_and_missing_codes(tmp_path):
    path = tmp_path / "redcap_export.csv"
    path.write_text(
        "record_id,redcap_event_name," + ",".join(f"phq_{i}" for i in range(1, 10)) + "\n"
        "101,baseline_arm_1,1,1,1,1,1,1,1,1,777\n"  # one declined item → prorated
        "102,baseline_arm_1,999,999,999,0,0,0,0,0,0\n"  # three "don't know" → not scored
        "103,followup_arm_1,0,0,0,0,0,0,0,0,0\n"
    )  # event without a date
    assert sources.detect(plain_file(path, "q/x.csv")) is questionnaire_csv
    result = parse(questionnaire_csv, path, "q/redcap_export.csv", events=EVENTS)
    out = scores(result).set_index("participant_id")
    assert out.loc["101", "score"] == 9 and out.loc["101", "prorated"]
    assert pd.isna(out.loc["102", "score"]) and out.loc["102", "items_answered"] == 6
    assert out.loc["101", "administered_at"] == pd.Timestamp("2025-01-10")
    assert result.rejects["reason"].tolist() == [
        "no date for event 'followup_arm_1': add it to landing/questionnaire_events.csv"
    ]


def test_text_labels_match_questions_despite_numbering_and_punctuation(tmp_path):
    header = ["respondent_id", "completed_at"] + [
        f"{i + 1}. {t.upper()}?" for i, t in enumerate(vocabulary.instruments()["gad7"].item_texts)
    ]
    path = tmp_path / "gad.csv"
    rows = [
        ",".join(f'"{h}"' for h in header),
        "R1,2025-02-01 10:00:00,Not at all,Several days,More than half the days,Nearly every day,"
        "Several days,Not at all,Several days",
        "R2,2025-02-01 11:00:00,Not at all,Sometimes,Not at all,Not at all,Not at all,Not at all,Not at all",
    ]
    path.write_text("\n".join(rows) + "\n")
    assert sources.detect(plain_file(path, "q/gad.csv")) is questionnaire_text_csv
    result = parse(questionnaire_text_csv, path, "q/gad.csv")
    assert scores(result).set_index("participant_id").loc["R1", "score"] == 8
    assert result.rejects["reason"].tolist() == ["gad7 item 2: unknown answer 'Sometimes'"]


@pytest.mark.realdata
def test_real_studentlife_phq9_and_pss():
    folder = realdata("studentlife_surveys") / "survey"
    phq = parse(questionnaire_text_csv, folder / "PHQ-9.csv", "sl/PHQ-9.csv", events=EVENTS)
    raw = pd.read_csv(folder / "PHQ-9.csv")
    assert phq.n_records == len(raw) == 84 and phq.rejects.empty
    out = scores(phq).set_index(["participant_id", "administered_at"])
    # u00 pre: Not at all, Several days, Not at all, Several days, then Not at all ×5 → 2 (minimal)
    assert out.loc[("u00", pd.Timestamp("2013-03-27")), ["score", "severity"]].tolist() == [2, "minimal"]
    assert len(out) == len(raw) and out["score"].between(0, 27).all()
    pss = parse(questionnaire_text_csv, folder / "PerceivedStressScale.csv", "sl/PSS.csv", events=EVENTS)
    out = scores(pss).set_index(["participant_id", "administered_at"])
    # u00 pre: 2,2,3,(4−3),(4−2),4,(4−2),(4−2),3,3 = 24 → moderate
    assert out.loc[("u00", pd.Timestamp("2013-03-27")), ["score", "severity"]].tolist() == [24, "moderate"]


def test_psqi_components_hand_computed(tmp_path):
    header = (
        "uid,type,During the past month what time have you usually gone to bed at night?,"
        "how long (in minutes) has it usually taken you to fall asleep each night?,"
        "When have you usually gotten up in the morning?,how many hours of actual sleep did you get at night?,"
        "a. Cannot get to sleep within 30 minutes,b. Wake up,c. Bathroom,d. Breathe,e. Cough,f. Cold,g. Hot,"
        "h. Bad dreams,i. Pain,j. Other reason(s),how often have you taken medicine,"
        "how often have you had trouble staying awake,keep up enthusiasm to get things done?,"
        "how would you rate your sleep quality overall?"
    )
    row = (
        "u1,pre,around 1 am,about 20 mins,8:00 AM,10-Sep,Once or twice a week,Three or more times a week,"
        "Less than once a week,Not during the past month,Not during the past month,Not during the past month,"
        "Not during the past month,Less than once a week,Not during the past month,,Not during the past month,"
        "Less than once a week,Somewhat of a problem,Fairly bad"
    )
    bad = row.replace("u1,pre,around 1 am", "u2,pre,usually dawn")
    path = tmp_path / "psqi.csv"
    path.write_text(header + "\n" + row + "\n" + bad + "\n")
    assert sources.detect(plain_file(path, "q/psqi.csv")) is psqi_csv
    result = parse(psqi_csv, path, "q/psqi.csv", events=EVENTS)
    comps = result.responses.sort_values("item")["value"].tolist()
    # C1 fairly bad 2; C2 20 min → 1 + Q5a 2 = 3 → 2; C3 "10-Sep" = 9–10 h → 0; C4 9.5 h / 7 h in bed → 0;
    # C5 3+1+1 = 5 → 1; C6 0; C7 1 + 2 = 3 → 2
    assert comps == [2, 2, 0, 0, 1, 0, 2]
    assert scores(result)["score"].tolist() == [7]
    assert result.rejects["reason"].tolist() == ["PSQI: cannot read bedtime from 'usually dawn'"]


@pytest.mark.realdata
def test_real_studentlife_psqi():
    path = realdata("studentlife_surveys") / "survey" / "psqi.csv"
    result = parse(psqi_csv, path, "sl/psqi.csv", events=EVENTS)
    out = scores(result)
    assert result.n_records == 84
    assert len(out) + result.rejects["locator"].nunique() == 84
    assert len(out) >= 70 and out["score"].between(0, 21).all() and out["prorated"].eq(False).all()
    assert result.rejects["reason"].str.startswith("PSQI: ").all()
    assert result.rejects["reason"].str.contains("'200 hrs'").any()


@pytest.mark.realdata
def test_real_redcap_dictionaries_are_metadata_and_their_missing_codes_are_configured():
    folder = realdata("redcap_data_dictionaries")
    configured = {int(c) for c in vocabulary.redcap_missing_codes()}
    for path in folder.glob("*.csv"):
        assert sources.detect(plain_file(path, path.name)) is redcap_dictionary
        result = parse(redcap_dictionary, path, path.name)
        assert result.n_records == result.n_ignored == len(pd.read_csv(path))
        assert redcap_dictionary.declared_missing_codes(pd.read_csv(path)) <= configured
    assert redcap_dictionary.declared_missing_codes(pd.read_csv(folder / "redcap_hbn_sample.csv")) == {777, 999}

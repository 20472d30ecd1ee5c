"""Questionnaire scores against hand-computed answers (reverse items, missing items, bands)."""

import numpy as np
import pandas as pd
import pytest

from transforms.questionnaires.scoring import score_administrations


def answers(instrument, values, participant="P1", when="2025-02-03 09:00:00", source_file="q.csv"):
    """Item answers for one administration; None = unanswered (no row, as the parser emits)."""
    at = pd.Timestamp(when)
    rows = [
        (participant, instrument, at, at.normalize(), i + 1, float(v), "questionnaire_csv", source_file, "line 2")
        for i, v in enumerate(values)
        if v is not None
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "participant_id",
            "instrument",
            "administered_at",
            "day",
            "item",
            "value",
            "source",
            "source_file",
            "locator",
        ],
    )


def score_one(instrument, values):
    out = score_administrations(answers(instrument, values))
    assert len(out) == 1
    return out.iloc[0]


@pytest.mark.parametrize(
    "values, score, severity",
    [
        ([1, 2, 0, 3, 1, 0, 2, 1, 0], 10, "moderate"),
        ([0, 0, 1, 1, 0, 1, 0, 1, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
        ([3, 3, 2, 2, 2, 2, 2, 2, 2], 20, "severe"),
        ([3] * 9, 27, "severe"),
        ([2, 2, 2, 2, 2, 2, 1, 1, 1], 15, "moderately_severe"),
    ],
)
def test_phq9_sum_and_bands(values, score, severity):
    row = score_one("phq9", values)
    assert row["score"] == score and row["severity"] == severity
    assert row["items_answered"] == 9 and row["items_expected"] == 9 and not row["prorated"]


def test_phq9_one_missing_item_is_prorated_not_zero():
    # 8 answered, sum 8 → mean 1 × 9 items = 9 ("missing counts as 0" would give 8)
    row = score_one("phq9", [1, 1, 1, 1, None, 1, 1, 1, 1])
    assert row["score"] == 9 and row["prorated"] and row["items_answered"] == 8 and row["severity"] == "mild"


def test_phq9_prorated_rounds_half_up():
    # 7 answered summing 10 → 10/7·9 = 12.857 → 13
    row = score_one("phq9", [2, 2, 2, 1, 1, 1, 1, None, None])
    assert row["score"] == 13 and row["prorated"]


def test_too_many_missing_items_keeps_the_administration_without_a_score():
    row = score_one("phq9", [3, 3, 3, 3, 3, 3, None, None, None])
    assert np.isnan(row["score"]) and pd.isna(row["severity"])
    assert row["items_answered"] == 6 and not row["prorated"]


@pytest.mark.parametrize(
    "values, score, severity",
    [
        ([3] * 7, 21, "severe"),
        ([0, 0, 1, 1, 1, 1, 1], 5, "mild"),
        ([2, 2, 2, 1, 1, 1, 1], 10, "moderate"),
        ([0] * 7, 0, "minimal"),
    ],
)
def test_gad7(values, score, severity):
    row = score_one("gad7", values)
    assert row["score"] == score and row["severity"] == severity


def test_gad7_two_missing_is_not_scored():
    assert np.isnan(score_one("gad7", [1, 1, 1, 1, 1, None, None])["score"])


def test_pss10_reverses_items_4_5_7_8():
    # answers 2,3,1,3,4,1,4,3,2,1 → scored 2,3,1,(4−3),(4−4),1,(4−4),(4−3),2,1 = 12
    row = score_one("pss10", [2, 3, 1, 3, 4, 1, 4, 3, 2, 1])
    assert row["score"] == 12 and row["severity"] == "low"


def test_pss10_all_zero_answers_score_16():
    # the four positively worded items answered "never" (0) count 4 each
    row = score_one("pss10", [0] * 10)
    assert row["score"] == 16 and row["severity"] == "moderate"


def test_pss10_prorates_with_reversed_values():
    # item 4 missing; scored items 2,3,1,_,0,1,0,1,2,1 = 11 over 9 → 11/9·10 = 12.2 → 12
    row = score_one("pss10", [2, 3, 1, None, 4, 1, 4, 3, 2, 1])
    assert row["score"] == 12 and row["prorated"]


@pytest.mark.parametrize(
    "values, score, severity",
    [
        ([3, 4, 2, 5, 3], 68, "adequate"),
        ([1, 1, 1, 1, 2], 24, "likely_depression"),
        ([2, 3, 2, 2, 3], 48, "poor_wellbeing"),
        ([5] * 5, 100, "adequate"),
    ],
)
def test_who5_raw_times_four(values, score, severity):
    row = score_one("who5", values)
    assert row["score"] == score and row["severity"] == severity


def test_who5_prorated_raw_is_rounded_before_times_four():
    # 3+4+2+5 = 14 over 4 → 17.5 → 18 → 72
    assert score_one("who5", [3, 4, 2, 5, None])["score"] == 72


def test_same_item_in_two_files_counts_once():
    both = pd.concat([answers("gad7", [1] * 7, source_file="a.csv"), answers("gad7", [3] * 7, source_file="b.csv")])
    out = score_administrations(both)
    assert len(out) == 1 and out.iloc[0]["score"] == 7 and out.iloc[0]["source_file"] == "a.csv"


def test_administrations_are_kept_apart():
    frame = pd.concat(
        [
            answers("phq9", [1] * 9, when="2025-02-03 09:00"),
            answers("phq9", [2] * 9, when="2025-02-17 09:00"),
            answers("phq9", [0] * 9, participant="P2"),
        ]
    )
    out = score_administrations(frame).sort_values(["participant_id", "administered_at"])
    assert out["score"].tolist() == [9, 18, 0]

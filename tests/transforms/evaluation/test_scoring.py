"""The evaluation of drift against injected episodes: the scoring helpers on hand-made cases, and the
production drift code's recall and false participant-months on the evaluation cohort."""

import pandas as pd
import pytest

from transforms import vocabulary
from transforms.evaluation.cohort import EvalCohortSpec, simulate
from transforms.evaluation.scoring import episode_detection, false_participant_months, summarize
from transforms.stats.drift import compute_drift

EPISODES = pd.DataFrame(
    {
        "participant_id": ["p1", "p1", "p2"],
        "metric": ["resting_hr_bpm", "resting_hr_bpm", "sleep_minutes"],
        "start_day": ["2025-02-01", "2025-04-01", "2025-02-10"],
        "end_day": ["2025-02-14", "2025-04-14", "2025-02-20"],
    }
)


def _flags(rows):
    return pd.DataFrame(rows, columns=["participant_id", "day", "metric"])


def test_each_episode_is_scored_on_its_own_window():
    flags = _flags(
        [
            ("p1", "2025-02-20", "resting_hr_bpm"),  # inside episode 1 + 13-day lag
            ("p2", "2025-02-05", "sleep_minutes"),
        ]
    )  # before p2's episode: not a detection
    found = episode_detection(flags, EPISODES, 13)
    assert found["detected"].tolist() == [True, False, False]
    assert not episode_detection(flags, EPISODES, 0)["detected"].iloc[0]  # day 20 is after day 14 without lag


def test_false_flags_count_only_unaffected_participant_months():
    flags = _flags(
        [
            ("p3", "2025-01-05", "steps"),
            ("p1", "2025-02-03", "steps"),
            ("p2", "2025-03-25", "steps"),
            ("p2", "2025-04-10", "steps"),
        ]
    )
    rate, n = false_participant_months(flags, EPISODES, ["p1", "p2", "p3"], "2025-01-01", "2025-05-01", 13)
    # 30-day months from Jan 1: 0 Jan 1–30, 1 Jan 31–Mar 1, 2 Mar 2–31, 3 Apr 1–30. With the 13-day lag p1's
    # episodes touch months 1 and 3, p2's (Feb 10 – Mar 5) months 1 and 2: 12 − 4 unaffected.
    assert n == 8
    # flagged and unaffected: p3 month 0, p2 month 3; p1 Feb 3 and p2 Mar 25 fall in affected months
    assert rate == pytest.approx(2 / 8)


def test_a_flag_in_the_wrong_direction_does_not_detect():
    eps = EPISODES.assign(direction=["up", "up", "down"])
    flags = _flags([("p1", "2025-02-03", "resting_hr_bpm"), ("p2", "2025-02-12", "sleep_minutes")])
    found = episode_detection(flags.assign(direction=["down", "down"]), eps, 13)
    assert found["detected"].tolist() == [False, False, True]
    assert found["delay_days"].iloc[2] == 2


@pytest.mark.slow
def test_recall_and_false_months_on_the_evaluation_cohort():
    # bench/drift_eval.py at 400 participants gives, at the default budget of 1 alarm per participant-year:
    # resting HR recall 0.51, sleep 0.54, 4.5 % false participant-months over all metrics. At 150
    # participants seeds 17, 1 and 2 gave resting HR 0.46–0.57, sleep 0.37–0.61 and 3.6–4.5 %; the bounds
    # sit outside that spread and fail when the detector loses power or over-alarms.
    cohort = simulate(EvalCohortSpec(participants=150))
    drift = compute_drift(cohort.daily, cohort.dates[0], cohort.dates[-1], vocabulary.windows())
    flags = drift.loc[drift["flagged"], ["participant_id", "day", "metric", "direction"]].astype(
        {"participant_id": str, "metric": str, "direction": str}
    )
    r = summarize(flags, cohort)
    assert r["unaffected_months"] > 800
    assert r["recall_by_metric"]["resting_hr_bpm"] >= 0.35
    assert r["recall_by_metric"]["sleep_minutes"] >= 0.3
    assert r["false_months"] <= 0.07

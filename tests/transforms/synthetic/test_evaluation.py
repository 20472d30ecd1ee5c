"""The evaluation of drift against injected episodes: the scoring helpers on hand-made cases, and the
production drift code's recall and false-flag rate on a generated cohort."""

import pandas as pd
import pytest

from transforms.synthetic.evaluation import episode_detection, evaluate, false_flags_per_participant_month

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
    rate, n = false_flags_per_participant_month(flags, EPISODES, ["p1", "p2", "p3"], "2025-01-01", "2025-05-01", 13)
    # 30-day months from Jan 1: 0 Jan 1–30, 1 Jan 31–Mar 1, 2 Mar 2–31, 3 Apr 1–30. With the 13-day lag p1's
    # episodes touch months 1 and 3, p2's (Feb 10 – Mar 5) months 1 and 2: 12 − 4 unaffected.
    assert n == 8
    # flagged and unaffected: p3 month 0, p2 month 3; p1 Feb 3 and p2 Mar 25 fall in affected months
    assert rate == pytest.approx(2 / 8)


@pytest.mark.slow
def test_recall_and_false_flags_on_a_generated_cohort():
    # Seeds 1, 2, 3 and 17 at this size gave recall 0.53–0.65 overall and 0.80–0.88 for resting HR (a +2.5 SD
    # shift under AR(1) φ = 0.5), 0.27–0.43 for sleep (−1.3 SD), with 9.5–13.8 % of unaffected participant-
    # months flagged (docs/METHODS.md, "Evaluation"). The bounds sit below/above that spread: they fail when
    # the detector loses power or starts to over-flag, not on seed noise.
    r = evaluate(200, 240, seed=17)
    assert r["episodes"] > 100 and r["unaffected_months"] > 600
    assert r["by_metric"]["resting_hr_bpm"] >= 0.75
    assert r["recall"] >= 0.5
    assert r["false_flag_rate"] <= 0.16

"""The evaluation cohort holds what its docstring promises: each metric's day-to-day autocorrelation, the
share of participants with an episode and the episodes' shift, the missing days."""

import numpy as np
import pandas as pd

from transforms.evaluation.cohort import METRICS, EvalCohortSpec, simulate


def test_the_cohort_has_its_autocorrelation_episodes_and_missing_days():
    cohort = simulate(EvalCohortSpec(participants=200, season_sd=0.0))
    spec = {m.name: m for m in METRICS}
    untouched = cohort.daily[~cohort.daily["participant_id"].isin(cohort.episodes["participant_id"])]
    for metric in ("resting_hr_bpm", "sleep_minutes", "steps"):
        wide = untouched[untouched.metric == metric].pivot(index="day", columns="participant_id", values="value")
        x = np.log(wide) if spec[metric].log else wide
        x = x - x.mean()
        pairs = x * x.shift()
        r1 = (pairs.sum().sum() / pairs.count().sum()) / ((x * x).sum().sum() / x.count().sum())
        assert abs(r1 - spec[metric].phi) < 0.05, (metric, r1)
    affected = cohort.episodes["participant_id"].nunique() / 200
    assert 0.25 < affected < 0.42
    rhr = cohort.daily[cohort.daily.metric == "resting_hr_bpm"]
    assert 0.08 < 1 - len(rhr) / (200 * 240) < 0.16  # 10 % missing plus the gaps
    length = (pd.to_datetime(cohort.episodes["end_day"]) - pd.to_datetime(cohort.episodes["start_day"])).dt.days + 1
    assert length.between(14, 21).all()

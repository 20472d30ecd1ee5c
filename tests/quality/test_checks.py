"""Each table check passes on good rows and fails, with the right count, on each kind of bad row."""

import numpy as np
import pandas as pd
import pytest

from quality.checks import run_suite, suite


def outcomes(table, frame):
    return {check.name: outcome for check, outcome in run_suite(table, frame)}


def daily(rows):
    return pd.DataFrame(rows, columns=["participant_id", "day", "metric", "value"])


GOOD_DAILY = [("p", "2025-01-01", "resting_hr_bpm", 60.0), ("p", "2025-01-02", "resting_hr_bpm", 61.0),
              ("q", "2025-01-01", "steps", 8000.0)]


def test_daily_metrics_suite_passes_good_rows():
    assert all(o.passed for o in outcomes("daily_metrics", daily(GOOD_DAILY)).values())


@pytest.mark.parametrize("bad_rows, failing, count", [
    ([("p", "2025-01-01", "resting_hr_bpm", 62.0)], "unique_participant_day_metric", 2),
    ([("p", "2025-01-03", "resting_hr_bpm", 400.0)], "values_in_physiological_range", 1),
    ([("p", "2025-01-03", "made_up_metric", 1.0)], "values_in_physiological_range", 1),
    ([(None, "2025-01-03", "steps", 1.0)], "keys_and_values_not_null", 1),
])
def test_daily_metrics_suite_catches_each_kind_of_bad_row(bad_rows, failing, count):
    result = outcomes("daily_metrics", daily(GOOD_DAILY + bad_rows))
    assert not result[failing].passed and result[failing].unexpected_count == count
    assert result[failing].details["sample_keys"]
    assert all(o.passed for name, o in result.items() if name != failing)


def baselines(**override):
    row = dict(participant_id="p", day="2025-03-01", metric="steps", window_days=56, n_days=20, median=10.0,
               mad=1.0, p10=8.0, p90=12.0, sufficient=True)
    row.update(override)
    return pd.DataFrame([row])


@pytest.mark.parametrize("override, failing", [
    ({}, None),
    ({"p10": 11.0}, "quantiles_ordered"),
    ({"mad": -1.0}, "quantiles_ordered"),
    ({"n_days": 60}, "quantiles_ordered"),
    ({"n_days": 5}, "sufficient_matches_n_days"),
])
def test_baseline_suite(override, failing):
    result = outcomes("baselines", baselines(**override))
    assert {n for n, o in result.items() if not o.passed} == ({failing} if failing else set())


def drift(**override):
    row = dict(participant_id="p", day="2025-03-01", metric="steps", ks_stat=0.5, ks_p=0.001, q_value=0.003,
               flagged=True, direction="up")
    row.update(override)
    return pd.DataFrame([row])


@pytest.mark.parametrize("override, failing", [
    ({}, None),
    ({"ks_p": np.nan, "q_value": np.nan, "flagged": False, "direction": None}, None),
    ({"q_value": 0.2}, "flags_justified"),
    ({"direction": None}, "flags_justified"),
    ({"ks_p": 1.5}, "probabilities_valid"),
    ({"q_value": 0.0001}, "probabilities_valid"),
])
def test_drift_suite(override, failing):
    result = outcomes("drift", drift(**override))
    assert {n for n, o in result.items() if not o.passed} == ({failing} if failing else set())


def test_scores_suite():
    good = pd.DataFrame({"participant_id": ["p", "p"], "instrument": ["phq9", "who5"],
                         "administered_at": ["2025-01-01 09:00", "2025-01-01 09:00"], "score": [27.0, np.nan]})
    assert all(o.passed for o in outcomes("questionnaire_scores", good).values())
    bad = good.assign(score=[28.0, 50.0])
    assert outcomes("questionnaire_scores", bad)["scores_in_instrument_range"].unexpected_count == 1


def test_every_suite_has_error_checks():
    for table in ("daily_metrics", "questionnaire_scores", "baselines", "drift"):
        assert any(c.severity == "ERROR" for c in suite(table))

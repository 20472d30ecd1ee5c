"""Each GX suite passes good rows and fails, with the right check, count and day, on each kind of bad row."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from quality.validation import blocking_days, suite_checks, validate

TODAY = dt.date(2025, 6, 1)


def outcomes(table, frame):
    return {check.name: outcome for check, outcome in validate(table, frame, TODAY)}


def failing(table, frame):
    return {name: o for name, o in outcomes(table, frame).items() if not o.passed}


def day(text):
    return pd.Timestamp(text)


def daily(rows):
    frame = pd.DataFrame(rows, columns=["participant_id", "day", "metric", "value"])
    frame["day"] = pd.to_datetime(frame["day"])
    units = {"resting_hr_bpm": "bpm", "steps": "count", "sleep_minutes": "min"}
    return frame.assign(unit=frame["metric"].map(units).fillna("?"), source="src", n_obs=1, coverage=np.nan)


GOOD_DAILY = [
    ("p", "2025-01-01", "resting_hr_bpm", 60.0),
    ("p", "2025-01-02", "resting_hr_bpm", 61.0),
    ("q", "2025-01-01", "steps", 8000.0),
    ("q", "2025-01-02", "sleep_minutes", 420.0),
]


def test_daily_metrics_suite_passes_good_rows():
    assert failing("daily_metrics", daily(GOOD_DAILY)) == {}


@pytest.mark.parametrize(
    "bad_row, check, count",
    [
        (("p", "2025-01-02", "resting_hr_bpm", 62.0), "unique_participant_day_metric", 2),
        (("p", "2025-01-02", "hrv_rmssd_ms", 400.0), "values_in_physiological_range", 1),
        (("q", "2025-01-02", "steps", 150000.0), "values_in_physiological_range", 1),
        (("q", "2025-01-02", "made_up_metric", 1.0), "values_in_physiological_range", 1),
        ((None, "2025-01-02", "steps", 1.0), "keys_and_values_not_null", 1),
        (("q", "2030-01-02", "steps", 1.0), "days_not_in_future", 1),
    ],
)
def test_daily_metrics_suite_catches_each_kind_of_bad_row(bad_row, check, count):
    bad = failing("daily_metrics", daily(GOOD_DAILY + [bad_row]))
    assert set(bad) - {"units_match_vocabulary"} == {check}
    assert bad[check].unexpected_count == count
    assert set(bad[check].failing_days) == {bad_row[1]}
    assert bad[check].details["sample_keys"]


def test_wrong_unit_is_a_warning_not_a_block():
    frame = daily(GOOD_DAILY)
    frame.loc[0, "unit"] = "bpm?"
    results = validate("daily_metrics", frame, TODAY)
    bad = {c.name: (c.severity, o) for c, o in results if not o.passed}
    assert list(bad) == ["units_match_vocabulary"] and bad["units_match_vocabulary"][0] == "WARN"
    assert blocking_days(results) == {}


def test_blocking_days_lists_error_failures_by_day():
    results = validate("daily_metrics", daily(GOOD_DAILY + [("p", "2025-01-02", "resting_hr_bpm", 500.0)]), TODAY)
    assert blocking_days(results) == {"2025-01-02": ["unique_participant_day_metric", "values_in_physiological_range"]}


def observations(**override):
    row = dict(
        participant_id="p",
        day=day("2025-01-01"),
        metric="steps",
        value=100.0,
        unit="count",
        observed_at=pd.NaT,
        coverage=np.nan,
        source="s",
        source_file="f.csv",
        locator="line 2",
    )
    return pd.DataFrame([{**row, "locator": "line 3", "day": day("2025-01-02")}, {**row, **override}])


@pytest.mark.parametrize(
    "override, check",
    [
        ({}, None),
        ({"locator": "line 3", "day": day("2025-01-02")}, "unique_record"),
        ({"value": -4.0}, "values_in_physiological_range"),
        ({"coverage": 1.5}, "coverage_is_a_share"),
        ({"day": day("1999-12-31")}, "days_not_in_future"),
    ],
)
def test_observations_suite(override, check):
    assert set(failing("observations", observations(**override))) == ({check} if check else set())


def baselines(**override):
    row = dict(
        participant_id="p",
        day=day("2025-03-01"),
        metric="steps",
        window_days=56,
        n_days=20,
        median=10.0,
        mad=1.0,
        p10=8.0,
        p90=12.0,
        sufficient=True,
        mean=10.2,
        sd=1.1,
        cv=0.11,
        mad_ratio=0.1,
        lag1_autocorr=0.4,
        short_window_days=14,
        short_n_days=12,
        short_median=10.5,
    )
    return pd.DataFrame([{**row, **override}])


@pytest.mark.parametrize(
    "override, check",
    [
        ({}, None),
        ({"p10": 11.0}, "quantiles_ordered"),
        ({"p90": 9.0}, "quantiles_ordered"),
        ({"mad": -1.0}, "quantiles_ordered"),
        ({"n_days": 60}, "window_consistent"),
        ({"n_days": 5}, "window_consistent"),  # 5 days cannot be sufficient
        ({"sufficient": False}, "window_consistent"),  # 20 days must be
        ({"participant_id": None}, "keys_not_null"),
        ({"cv": -0.5}, "stability_nonnegative"),
        ({"short_n_days": 15}, "stability_nonnegative"),
    ],
)
def test_baseline_suite(override, check):
    assert set(failing("baselines", baselines(**override))) == ({check} if check else set())


def drift(**override):
    row = dict(
        participant_id="p",
        day=day("2025-03-01"),
        metric="steps",
        value=1.0,
        baseline_median=0.5,
        robust_z=2.0,
        recent_median=1.0,
        recent_z=2.0,
        n_recent=14,
        shift_se=0.2,
        shift_p=0.001,
        autocorr=0.4,
        ks_stat=0.5,
        ks_p=0.001,
        mw_p=0.002,
        wasserstein=1.5,
        slope_per_week=0.3,
        trend_p=0.2,
        trend_n=20,
        q_value=0.003,
        flagged=True,
        direction="up",
        cusum=9.5,
        cusum_threshold=8.0,
        change_day=day("2025-02-20"),
    )
    return pd.DataFrame([{**row, **override}])


@pytest.mark.parametrize(
    "override, check",
    [
        ({}, None),
        (
            {
                "shift_p": np.nan,
                "q_value": np.nan,
                "ks_stat": np.nan,
                "flagged": False,
                "direction": None,
                "cusum": np.nan,
                "cusum_threshold": np.nan,
                "change_day": pd.NaT,
            },
            None,
        ),
        ({"q_value": 0.2}, None),  # flags come from the detector; q_value is descriptive
        ({"cusum": 7.0}, "flags_justified"),
        ({"cusum_threshold": np.nan}, "flags_justified"),
        ({"change_day": pd.NaT}, "flags_justified"),
        ({"change_day": day("2025-03-02")}, "flags_justified"),
        ({"cusum": -1.0, "flagged": False}, "detector_consistent"),
        ({"direction": None}, "flags_justified"),
        ({"direction": "sideways"}, "flags_justified"),
        ({"mw_p": 1.5, "flagged": False}, "probabilities_valid"),
        ({"wasserstein": -1.0}, "statistics_consistent"),
        ({"autocorr": 0.99}, "statistics_consistent"),
        ({"q_value": 0.0001}, "probabilities_valid"),
    ],
)
def test_drift_suite(override, check):
    assert set(failing("drift", drift(**override))) == ({check} if check else set())


def scores(**override):
    row = dict(
        participant_id="p",
        instrument="phq9",
        administered_at=day("2025-01-01 09:00"),
        day=day("2025-01-01"),
        score=27.0,
        severity="severe",
        items_answered=9,
        items_expected=9,
        prorated=False,
        source_file="q.csv",
    )
    return pd.DataFrame(
        [
            row,
            {**row, "instrument": "who5", "score": np.nan, "severity": None, "items_answered": 2, "items_expected": 5},
            {**row, **override},
        ]
    )


@pytest.mark.parametrize(
    "override, check",
    [
        ({"administered_at": day("2025-01-02 09:00"), "day": day("2025-01-02")}, None),
        ({}, "unique_administration"),
        ({"administered_at": day("2025-01-02 09:00"), "score": 28.0}, "scores_in_instrument_range"),
        (
            {"administered_at": day("2025-01-02 09:00"), "instrument": "who5", "score": 104.0, "severity": "adequate"},
            "scores_in_instrument_range",
        ),
        ({"administered_at": day("2025-01-02 09:00"), "items_answered": 10}, "answered_within_expected"),
        ({"administered_at": day("2025-01-02 09:00"), "severity": "terrible"}, "severity_labels_known"),
    ],
)
def test_questionnaire_scores_suite(override, check):
    assert set(failing("questionnaire_scores", scores(**override))) == ({check} if check else set())


def test_every_table_has_a_suite_with_error_checks():
    for table in ("observations", "daily_metrics", "questionnaire_scores", "baselines", "drift"):
        assert any(c.severity == "ERROR" for c in suite_checks(table))
        assert all(c.expectations for c in suite_checks(table))


def test_the_catalogue_says_which_tables_have_a_suite():
    import datetime as dt

    from quality.expectations import suites
    from transforms import catalogue

    checked = {name for name, spec in catalogue.tables().items() if spec.checked}
    assert checked == set(suites(dt.date(2025, 1, 1)))

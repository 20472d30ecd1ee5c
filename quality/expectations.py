"""Great Expectations 1.x suites, one per canonical table, built from the project's vocabulary.

Each suite is a list of named checks; a check is one or more GX expectations (tagged with ``meta.check``)
and a severity: ``ERROR`` blocks the failing partition's downstream assets, ``WARN`` is recorded and the
run continues. All expectations here are row-level, so every failure names its rows (and their days).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # GX reads its own switch when imported: no phoning home

import great_expectations as gx
from great_expectations.expectations.row_conditions import Column

from transforms import catalogue, vocabulary

E = gx.expectations


@dataclass(frozen=True)
class CheckDef:
    name: str
    severity: str  # "ERROR" | "WARN"
    description: str
    expectations: tuple


def _tag(name: str, *expectations) -> tuple:
    for exp in expectations:
        exp.meta = {**(exp.meta or {}), "check": name}
    return expectations


def _not_null(columns, row_condition=None) -> tuple:
    """Not-null expectations for ``columns`` (on the rows matching ``row_condition`` when given)."""
    if row_condition is None:
        return tuple(E.ExpectColumnValuesToNotBeNull(column=c) for c in columns)
    return tuple(E.ExpectColumnValuesToNotBeNull(column=c, row_condition=row_condition) for c in columns)


def _metric_ranges(column: str = "value") -> tuple:
    """One range expectation per metric (metrics.toml valid_min/valid_max), plus: metric is known."""
    specs = vocabulary.metrics()
    out = [E.ExpectColumnValuesToBeInSet(column="metric", value_set=sorted(specs))]
    for name, spec in specs.items():
        out.append(
            E.ExpectColumnValuesToBeBetween(
                column=column,
                min_value=spec.valid_min,
                max_value=spec.valid_max,
                row_condition=Column("metric") == name,
            )
        )
    return tuple(out)


def _units() -> tuple:
    return tuple(
        E.ExpectColumnValuesToBeInSet(column="unit", value_set=[spec.unit], row_condition=Column("metric") == name)
        for name, spec in vocabulary.metrics().items()
    )


def _score_ranges() -> tuple:
    out = []
    for code, spec in vocabulary.instruments().items():
        out.append(
            E.ExpectColumnValuesToBeBetween(
                column="score",
                min_value=spec.score_min,
                max_value=spec.score_max,
                row_condition=Column("instrument") == code,
            )
        )
    out.append(E.ExpectColumnValuesToBeInSet(column="instrument", value_set=sorted(vocabulary.instruments())))
    return tuple(out)


def _severity_labels() -> tuple:
    return tuple(
        E.ExpectColumnValuesToBeInSet(
            column="severity", value_set=[label for _, label in spec.bands], row_condition=Column("instrument") == code
        )
        for code, spec in vocabulary.instruments().items()
    )


def _not_in_future(column: str, today) -> tuple:
    import datetime as dt

    return (
        E.ExpectColumnValuesToBeBetween(
            column=column,
            min_value=dt.datetime(2000, 1, 1),
            max_value=dt.datetime.combine(today, dt.time()) + dt.timedelta(days=1),
        ),
    )


def suites(today) -> dict[str, list[CheckDef]]:
    """The checks of every table. ``today`` bounds "not in the future"."""
    win = vocabulary.windows()

    def key(table: str) -> list[str]:
        return list(catalogue.table(table).key)

    def check(name, severity, description, *expectations):
        return CheckDef(name, severity, description, _tag(name, *expectations))

    return {
        "ingested_files": [
            check(
                "no_failed_files",
                "WARN",
                "every landing file could be read (a failed file is listed with its "
                "stage and cause in ops.ingested_files.message, and retried on the next run)",
                E.ExpectColumnValuesToNotBeInSet(column="status", value_set=["failed"]),
            ),
        ],
        "observations": [
            check(
                "unique_record",
                "ERROR",
                "one row per participant, day, metric, source record",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("observations")),
            ),
            check(
                "keys_and_values_not_null",
                "ERROR",
                "keys and value are never NULL",
                *_not_null(key("observations") + ["value"]),
            ),
            check(
                "values_in_physiological_range",
                "ERROR",
                "values within the metric's plausible range",
                *_metric_ranges(),
            ),
            check(
                "days_not_in_future", "ERROR", "no day after tomorrow, none before 2000", *_not_in_future("day", today)
            ),
            check(
                "coverage_is_a_share",
                "ERROR",
                "coverage within [0, 1]",
                E.ExpectColumnValuesToBeBetween(column="coverage", min_value=0, max_value=1),
            ),
        ],
        "daily_metrics": [
            check(
                "unique_participant_day_metric",
                "ERROR",
                "one row per participant, day and metric",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("daily_metrics")),
            ),
            check(
                "keys_and_values_not_null",
                "ERROR",
                "keys, value and source are never NULL",
                *_not_null(key("daily_metrics") + ["value", "source"]),
            ),
            check(
                "values_in_physiological_range",
                "ERROR",
                "resting HR 25–220 bpm, RMSSD 1–300 ms, sleep 0–1440 min, steps 0–100,000/day, … (metrics.toml)",
                *_metric_ranges(),
            ),
            check(
                "days_not_in_future", "ERROR", "no day after tomorrow, none before 2000", *_not_in_future("day", today)
            ),
            check(
                "coverage_and_counts_consistent",
                "ERROR",
                "coverage within [0, 1]; at least one observation",
                E.ExpectColumnValuesToBeBetween(column="coverage", min_value=0, max_value=1),
                E.ExpectColumnValuesToBeBetween(column="n_obs", min_value=1),
            ),
            check("units_match_vocabulary", "WARN", "each metric carries its unit from metrics.toml", *_units()),
        ],
        "questionnaire_scores": [
            check(
                "unique_administration",
                "ERROR",
                "one row per participant, instrument and administration",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("questionnaire_scores")),
            ),
            check("keys_not_null", "ERROR", "keys are never NULL", *_not_null(key("questionnaire_scores") + ["day"])),
            check(
                "scores_in_instrument_range",
                "ERROR",
                "PHQ-9 0–27, GAD-7 0–21, PSS-10 0–40, WHO-5 0–100, PSQI 0–21",
                *_score_ranges(),
            ),
            check(
                "answered_within_expected",
                "ERROR",
                "items_answered ≤ items_expected",
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="items_expected", column_B="items_answered", or_equal=True
                ),
            ),
            check("severity_labels_known", "WARN", "severity is one of the instrument's bands", *_severity_labels()),
        ],
        "baselines": [
            check(
                "unique_participant_day_metric",
                "ERROR",
                "one row per participant, day and metric",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("baselines")),
            ),
            check(
                "keys_not_null",
                "ERROR",
                "keys and counts are never NULL",
                *_not_null(key("baselines") + ["n_days", "window_days"]),
            ),
            check(
                "quantiles_ordered",
                "ERROR",
                "p10 ≤ median ≤ p90 and MAD ≥ 0",
                E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="median", column_B="p10", or_equal=True),
                E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="p90", column_B="median", or_equal=True),
                E.ExpectColumnValuesToBeBetween(column="mad", min_value=0),
            ),
            check(
                "stability_nonnegative",
                "ERROR",
                "cv, mad_ratio ≥ 0; lag-1 autocorrelation within [−1, 1]",
                E.ExpectColumnValuesToBeBetween(column="cv", min_value=0),
                E.ExpectColumnValuesToBeBetween(column="mad_ratio", min_value=0),
                E.ExpectColumnValuesToBeBetween(column="lag1_autocorr", min_value=-1.0000001, max_value=1.0000001),
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="short_window_days", column_B="short_n_days", or_equal=True
                ),
            ),
            check(
                "window_consistent",
                "ERROR",
                "0 < n_days ≤ window_days; sufficient exactly when n_days ≥ minimum",
                E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="window_days", column_B="n_days", or_equal=True),
                E.ExpectColumnValuesToBeBetween(column="n_days", min_value=1),
                E.ExpectColumnValuesToBeInSet(
                    column="sufficient", value_set=[True], row_condition=Column("n_days") >= win.min_baseline_days
                ),
                E.ExpectColumnValuesToBeInSet(
                    column="sufficient", value_set=[False], row_condition=Column("n_days") < win.min_baseline_days
                ),
            ),
        ],
        "questionnaire_change": [
            check(
                "unique_administration",
                "ERROR",
                "one row per participant, instrument and administration",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("questionnaire_change")),
            ),
            check(
                "change_consistent",
                "ERROR",
                "change = score − previous score; direction only on reliable changes",
                E.ExpectColumnValuesToBeInSet(column="direction", value_set=["better", "worse"]),
                E.ExpectColumnValuesToNotBeNull(column="direction", row_condition=Column("reliable_change") == True),
                E.ExpectColumnValuesToBeNull(column="direction", row_condition=Column("reliable_change") == False),
                E.ExpectColumnValuesToBeBetween(column="n_previous", min_value=0),
            ),
        ],
        "episodes": [
            check(
                "unique_participant_metric_start",
                "ERROR",
                "one row per participant, metric and start day",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("episodes")),
            ),
            check(
                "days_ordered",
                "ERROR",
                f"start ≤ first alarm ≤ end, at least min_flag_days ({win.min_flag_days}) alarm days, a direction",
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="first_flag_day", column_B="start_day", or_equal=True
                ),
                E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_day", column_B="first_flag_day", or_equal=True),
                E.ExpectColumnValuesToBeBetween(column="n_days", min_value=win.min_flag_days),
                E.ExpectColumnValuesToBeInSet(column="direction", value_set=["up", "down"]),
            ),
            check(
                "recovery_after_end",
                "ERROR",
                "recovery is dated after the episode's last alarm, never before it; recovery_days ≥ 0",
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="recovered_day", column_B="end_day", ignore_row_if="either_value_is_missing"
                ),
                E.ExpectColumnValuesToBeBetween(column="recovery_days", min_value=0),
            ),
        ],
        "proxies": [
            check(
                "unique_participant_day_domain",
                "ERROR",
                "one row per participant, day and domain",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("proxies")),
            ),
            check(
                "scores_bounded",
                "ERROR",
                "scores within the clipped z range [−5, 5], at least one component",
                E.ExpectColumnValuesToBeBetween(column="score", min_value=-5, max_value=5),
                E.ExpectColumnValuesToBeBetween(column="n_components", min_value=1),
                E.ExpectColumnValuesToBeInSet(
                    column="domain", value_set=sorted({c.domain for c in vocabulary.proxy_domains()})
                ),
            ),
        ],
        "drift": [
            check(
                "unique_participant_day_metric",
                "ERROR",
                "one row per participant, day and metric",
                E.ExpectCompoundColumnsToBeUnique(column_list=key("drift")),
            ),
            check("keys_not_null", "ERROR", "keys are never NULL", *_not_null(key("drift"))),
            check(
                "probabilities_valid",
                "ERROR",
                "p- and q-values within [0, 1] and q ≥ the flagging p",
                *(
                    E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1)
                    for c in ("shift_p", "ks_p", "mw_p", "trend_p", "q_value", "ks_stat")
                ),
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="q_value", column_B="shift_p", or_equal=True, ignore_row_if="either_value_is_missing"
                ),
            ),
            check(
                "statistics_consistent",
                "ERROR",
                "Wasserstein ≥ 0, shift SE > 0, autocorrelation used in [0, 0.95]",
                E.ExpectColumnValuesToBeBetween(column="wasserstein", min_value=0),
                E.ExpectColumnValuesToBeBetween(column="shift_se", min_value=0, strict_min=True),
                E.ExpectColumnValuesToBeBetween(column="autocorr", min_value=0, max_value=0.95),
            ),
            check(
                "flags_justified",
                "ERROR",
                "a flag always has the detector above its threshold, a direction and a change day on or before it",
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="cusum", column_B="cusum_threshold", row_condition=Column("flagged") == True
                ),
                E.ExpectColumnValuesToBeInSet(
                    column="direction", value_set=["up", "down"], row_condition=Column("flagged") == True
                ),
                *_not_null(["cusum", "cusum_threshold", "direction", "change_day"], Column("flagged") == True),
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="day", column_B="change_day", or_equal=True, row_condition=Column("flagged") == True
                ),
            ),
            check(
                "detector_consistent",
                "ERROR",
                "the detector's statistic and threshold are ≥ 0",
                E.ExpectColumnValuesToBeBetween(column="cusum", min_value=0),
                E.ExpectColumnValuesToBeBetween(column="cusum_threshold", min_value=0, strict_min=True),
            ),
        ],
    }

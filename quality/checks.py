"""Table checks: properties of a whole table partition that no single record shows.

Each table has a suite (``suite(table)``): named checks with a severity. ``ERROR`` means the partition must not
feed downstream assets; ``WARN`` is recorded and the run continues. A check takes the partition's rows as
a DataFrame (read back from the warehouse after the write) and returns a ``CheckOutcome`` with the
number of unexpected rows and a few sample keys, which the pipeline stores in quality.check_results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from transforms import vocabulary

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    unexpected_count: int
    rows_checked: int
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TableCheck:
    name: str
    severity: str  # "ERROR" or "WARN"
    description: str
    evaluate: Callable[[pd.DataFrame], CheckOutcome]


def _outcome(frame: pd.DataFrame, bad: pd.Series, key: list[str], **details) -> CheckOutcome:
    bad = bad.fillna(True).astype(bool) if bad.dtype != bool else bad
    sample = frame.loc[bad, key].head(SAMPLE_SIZE).astype(str).to_dict("records")
    n_bad = int(bad.sum())
    return CheckOutcome(passed=n_bad == 0, unexpected_count=n_bad, rows_checked=len(frame),
                        details={"sample_keys": sample, **details})


def unique_key(key: list[str]) -> Callable[[pd.DataFrame], CheckOutcome]:
    def evaluate(frame: pd.DataFrame) -> CheckOutcome:
        return _outcome(frame, frame.duplicated(key, keep=False), key, unique_key=key)
    return evaluate


def not_null(columns: list[str], key: list[str]) -> Callable[[pd.DataFrame], CheckOutcome]:
    def evaluate(frame: pd.DataFrame) -> CheckOutcome:
        return _outcome(frame, frame[columns].isna().any(axis=1), key, columns=columns)
    return evaluate


def metric_values_in_range(frame: pd.DataFrame) -> CheckOutcome:
    specs = vocabulary.metrics()
    lo = frame["metric"].map({m: s.valid_min for m, s in specs.items()})
    hi = frame["metric"].map({m: s.valid_max for m, s in specs.items()})
    bad = lo.isna() | (frame["value"] < lo) | (frame["value"] > hi)
    return _outcome(frame, bad, ["participant_id", "day", "metric"])


def scores_in_range(frame: pd.DataFrame) -> CheckOutcome:
    specs = vocabulary.instruments()
    lo = frame["instrument"].map({c: s.score_min for c, s in specs.items()})
    hi = frame["instrument"].map({c: s.score_max for c, s in specs.items()})
    bad = lo.isna() | (frame["score"] < lo) | (frame["score"] > hi)
    bad &= ~(frame["score"].isna() & lo.notna())
    return _outcome(frame, bad, ["participant_id", "instrument", "administered_at"])


def baseline_consistent(frame: pd.DataFrame) -> CheckOutcome:
    """p10 <= median <= p90, MAD >= 0, 0 <= n_days <= window_days."""
    bad = ((frame["p10"] > frame["median"] + 1e-9) | (frame["median"] > frame["p90"] + 1e-9)
           | (frame["mad"] < 0) | (frame["n_days"] < 0) | (frame["n_days"] > frame["window_days"]))
    return _outcome(frame, bad, ["participant_id", "day", "metric"])


def baseline_sufficiency(min_days: int) -> Callable[[pd.DataFrame], CheckOutcome]:
    def evaluate(frame: pd.DataFrame) -> CheckOutcome:
        bad = frame["sufficient"] != (frame["n_days"] >= min_days)
        return _outcome(frame, bad, ["participant_id", "day", "metric"], min_baseline_days=min_days)
    return evaluate


def drift_probabilities_valid(frame: pd.DataFrame) -> CheckOutcome:
    bad = pd.Series(False, index=frame.index)
    for col in ("ks_p", "q_value", "ks_stat"):
        v = frame[col]
        bad |= v.notna() & ((v < 0) | (v > 1))
    bad |= frame["q_value"].notna() & frame["ks_p"].notna() & (frame["q_value"] < frame["ks_p"] - 1e-12)
    return _outcome(frame, bad, ["participant_id", "day", "metric"])


def drift_flags_justified(alpha: float) -> Callable[[pd.DataFrame], CheckOutcome]:
    def evaluate(frame: pd.DataFrame) -> CheckOutcome:
        flagged = frame["flagged"].fillna(False).astype(bool)
        bad = flagged & ~((frame["q_value"] < alpha) & frame["direction"].notna())
        return _outcome(frame, bad, ["participant_id", "day", "metric"], fdr_alpha=alpha)
    return evaluate


def _suites() -> dict[str, list[TableCheck]]:
    win = vocabulary.windows()
    dm_key = ["participant_id", "day", "metric"]
    q_key = ["participant_id", "instrument", "administered_at"]
    return {
        "daily_metrics": [
            TableCheck("unique_participant_day_metric", "ERROR", "one row per participant, day and metric",
                       unique_key(dm_key)),
            TableCheck("keys_and_values_not_null", "ERROR", "keys and value are never NULL",
                       not_null(dm_key + ["value"], dm_key)),
            TableCheck("values_in_physiological_range", "ERROR",
                       "every value within its metric's plausible range (metrics.toml)", metric_values_in_range),
        ],
        "questionnaire_scores": [
            TableCheck("unique_administration", "ERROR", "one row per participant, instrument, administration",
                       unique_key(q_key)),
            TableCheck("scores_in_instrument_range", "ERROR", "scores within the instrument's range",
                       scores_in_range),
        ],
        "baselines": [
            TableCheck("unique_participant_day_metric", "ERROR", "one row per participant, day and metric",
                       unique_key(dm_key)),
            TableCheck("quantiles_ordered", "ERROR", "p10 <= median <= p90, MAD >= 0, n_days within window",
                       baseline_consistent),
            TableCheck("sufficient_matches_n_days", "ERROR",
                       "sufficient is exactly n_days >= min_baseline_days", baseline_sufficiency(win.min_baseline_days)),
        ],
        "drift": [
            TableCheck("unique_participant_day_metric", "ERROR", "one row per participant, day and metric",
                       unique_key(dm_key)),
            TableCheck("probabilities_valid", "ERROR", "p- and q-values within [0, 1], q >= p",
                       drift_probabilities_valid),
            TableCheck("flags_justified", "ERROR", "a flag always has q < alpha and a direction",
                       drift_flags_justified(win.fdr_alpha)),
        ],
    }


def suite(table: str) -> list[TableCheck]:
    """The checks guarding ``table`` (daily_metrics, questionnaire_scores, baselines, drift)."""
    return _suites()[table]


def run_suite(table: str, frame: pd.DataFrame) -> list[tuple[TableCheck, CheckOutcome]]:
    return [(check, check.evaluate(frame)) for check in suite(table)]

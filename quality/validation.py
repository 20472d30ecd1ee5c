"""Run a table's GX suite on a DataFrame (the rows of a partition range) and summarise it per check:
passed, unexpected rows, the failing days, a few sample keys. One ephemeral GX context per process, no
network, no progress bars."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from quality.expectations import CheckDef, gx, suites
from transforms import catalogue

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    unexpected_count: int
    rows_checked: int
    failing_days: dict = field(default_factory=dict)  # day (ISO) → unexpected rows that day
    details: dict = field(default_factory=dict)


@cache
def _context():
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


@cache
def _datasource():
    return _context().data_sources.add_pandas("wellness")


@cache
def _batch_definition(table: str):
    return _datasource().add_dataframe_asset(table).add_batch_definition_whole_dataframe("partition_rows")


def suite_checks(table: str, today: dt.date | None = None) -> list[CheckDef]:
    return suites(today or dt.date.today())[table]


def validate(table: str, frame: pd.DataFrame, today: dt.date | None = None) -> list[tuple[CheckDef, CheckOutcome]]:
    """Validate ``frame`` against the table's suite; one outcome per check."""
    checks = suite_checks(table, today)
    keys = [k for k in catalogue.table(table).check_index if k in frame.columns]
    if frame.empty:
        return [(c, CheckOutcome(True, 0, 0)) for c in checks]
    expectations = [e for c in checks for e in c.expectations]
    used = _columns_of(expectations) | set(keys)
    # only the columns the suite reads: GX filters whole frames row-wise, so every extra column costs time
    data = _vectorisable(frame[[c for c in frame.columns if c in used]].reset_index(drop=True))
    suite = gx.ExpectationSuite(name=f"{table}_suite", expectations=expectations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = _batch_definition(table).get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": keys,
                "return_unexpected_index_query": False,
            },
        )
    by_check: dict[str, list] = {c.name: [] for c in checks}
    for r in result.results:
        by_check[r.expectation_config.meta["check"]].append(r)
    return [(c, _outcome(by_check[c.name], len(data))) for c in checks]


def _columns_of(expectations) -> set[str]:
    """Every column an expectation names, in its arguments or its row condition."""
    out: set[str] = set()
    for exp in expectations:
        config = exp.configuration.kwargs
        for key in ("column", "column_A", "column_B"):
            if config.get(key):
                out.add(config[key])
        out.update(config.get("column_list") or [])
        condition = config.get("row_condition")
        if condition is not None:
            parsed = _parsed_condition(condition)
            if parsed is None:
                raise ValueError(f"unsupported row condition {condition!r}")
            out.add(parsed[0])
    return out


LABEL_COLUMNS = ("metric", "unit", "source", "instrument", "severity", "direction", "domain", "source_format", "status")


def _vectorisable(frame: pd.DataFrame) -> pd.DataFrame:
    """The same values in the dtypes GX's pandas engine compares without a Python call per row: datetimes
    as ``datetime64[ns]``, integers as int64, floats as float64 (other widths take an element-wise path), and
    the vocabulary label columns as categoricals (their row conditions and value sets are then code
    comparisons)."""
    casts = {}
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype):
            casts[name] = "datetime64[ns]"
        elif pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_extension_array_dtype(dtype):
            casts[name] = "int64"
        elif pd.api.types.is_float_dtype(dtype) and not pd.api.types.is_extension_array_dtype(dtype):
            casts[name] = "float64"
        elif name in LABEL_COLUMNS and pd.api.types.is_object_dtype(dtype):
            casts[name] = "category"
    return frame.astype(casts) if casts else frame


def _outcome(results, rows_checked: int) -> CheckOutcome:
    failed_keys, errors, failed = [], [], []
    passed = True
    for r in results:
        if r.exception_info and r.exception_info.get("raised_exception"):
            passed = False
            errors.append(str(r.exception_info.get("exception_message"))[:300])
            continue
        if not r.success:
            passed = False
            failed.append(r.expectation_config.type + _condition(r.expectation_config))
            failed_keys += [row for row in (r.result.get("unexpected_index_list") or []) if isinstance(row, dict)]
    keyed = pd.DataFrame(failed_keys)
    days: dict = {}
    if len(keyed) and "day" in keyed.columns:
        days = {pd.Timestamp(d).date().isoformat(): int(n) for d, n in keyed["day"].value_counts().items()}
    sample = keyed.drop_duplicates().head(SAMPLE_SIZE).astype(str).to_dict("records") if len(keyed) else []
    details = {"failed_expectations": failed, "sample_keys": sample}
    if errors:
        details["errors"] = errors
    return CheckOutcome(passed, len(keyed) if len(keyed) else (0 if passed else 1), rows_checked, days, details)


def _condition(config) -> str:
    condition = config.kwargs.get("row_condition")
    column = config.kwargs.get("column") or config.kwargs.get("column_list") or config.kwargs.get("column_A")
    return f"({column}{' where ' + _condition_text(condition) if condition else ''})"


def _parsed_condition(condition) -> tuple[str, str, object] | None:
    """(column, operator, parameter) of a GX 1.24 pandas row condition, stored either as a parsed dict or as
    a ``Column(...) == value`` object; None for the string forms."""
    if isinstance(condition, dict) and "column" in condition:
        return condition["column"]["name"], condition["operator"], condition["parameter"]
    if hasattr(condition, "column"):
        return condition.column.name, condition.operator.value, condition.parameter
    return None


def _condition_text(condition) -> str:
    parsed = _parsed_condition(condition)
    if parsed is not None:
        column, operator, parameter = parsed
        return f"{column} {operator} {parameter!r}"
    if isinstance(condition, dict):
        return str(condition.get("pass_through_filter") or condition)
    return str(getattr(condition, "pass_through_filter", condition))


def blocking_days(outcomes: list[tuple[CheckDef, CheckOutcome]]) -> dict[str, list[str]]:
    """Days failing an ERROR check → the names of the checks they failed."""
    out: dict[str, list[str]] = {}
    for check, outcome in outcomes:
        if check.severity == "ERROR":
            for day in outcome.failing_days:
                out.setdefault(day, []).append(check.name)
    return out

"""The project's vocabulary, read from the data files in ``transforms/config``.

Metric names and units, instrument item tables, window defaults and source priority live in small
TOML files so that adding a metric or changing a window is a data change, not a code change. This module
is the one place those files are read.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONFIG_DIR = Path(__file__).parent / "config"


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    aggregation: str
    valid_min: float
    valid_max: float
    description: str
    drift_test: bool = True


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    n_items: int
    item_min: int
    item_max: int
    reverse_items: tuple[int, ...]
    transform_multiplier: float
    max_missing: int
    score_min: float
    score_max: float
    bands: tuple[tuple[float, str], ...]
    field_prefixes: tuple[str, ...] = ()
    item_texts: tuple[str, ...] = ()
    answer_labels: tuple[tuple[str, int], ...] = ()
    reliable_change: float = float("nan")
    higher_is_better: bool = False

    def severity(self, score: float) -> str | None:
        """Band label for a final score (bands are lower-inclusive, ascending)."""
        label = None
        for lower, band in self.bands:
            if score >= lower:
                label = band
        return label


@dataclass(frozen=True)
class Windows:
    baseline_days: int
    recent_days: int
    min_coverage: float
    min_baseline_days: int
    min_recent_days: int
    short_baseline_days: int = 14
    trend_days: int = 28
    min_trend_days: int = 10
    autocorr_margin_se: float = 0.5
    min_proxy_components: int = 2
    min_flag_days: int = 1
    scale_days: int = 168
    min_history_days: int = 28
    cusum_k: float = 0.5
    cusum_clip: float = 3.0
    false_alarms_per_year: float = 1.0
    calibration_file: str = ""

    def __post_init__(self) -> None:
        """Types and ranges of every key (a ``ValueError`` naming the key): a window that reads a wrong value
        would compute every baseline and flag on it silently."""
        for name, field in self.__dataclass_fields__.items():
            value = getattr(self, name)
            if field.type in ("str", str):
                if not isinstance(value, str):
                    raise ValueError(f"windows: {name} must be a text (a file path), not {value!r}")
                continue
            kind = int if field.type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
                raise ValueError(
                    f"windows: {name} must be {'a whole number' if kind is int else 'a number'}, not {value!r}"
                )
            object.__setattr__(self, name, kind(value))
        checks = [
            ("baseline_days", self.baseline_days >= 2, ">= 2"),
            ("recent_days", self.recent_days >= 1, ">= 1"),
            ("min_baseline_days", 1 <= self.min_baseline_days <= self.baseline_days, "in [1, baseline_days]"),
            ("min_recent_days", 1 <= self.min_recent_days <= self.recent_days, "in [1, recent_days]"),
            (
                "trend_days",
                3 <= self.trend_days <= self.baseline_days + self.recent_days,
                "in [3, baseline_days + recent_days]",
            ),
            ("min_trend_days", 3 <= self.min_trend_days <= self.trend_days, "in [3, trend_days]"),
            (
                "short_baseline_days",
                0 <= self.short_baseline_days < self.baseline_days + self.recent_days,
                "in [0, baseline_days + recent_days)",
            ),
            ("min_coverage", 0 <= self.min_coverage <= 1, "in [0, 1]"),
            ("autocorr_margin_se", self.autocorr_margin_se >= 0, ">= 0"),
            ("min_proxy_components", self.min_proxy_components >= 1, ">= 1"),
            ("min_flag_days", self.min_flag_days >= 1, ">= 1"),
            ("scale_days", self.scale_days >= self.baseline_days, "at least baseline_days"),
            ("min_history_days", 1 <= self.min_history_days <= self.scale_days, "in [1, scale_days]"),
            ("cusum_k", self.cusum_k >= 0, ">= 0"),
            ("cusum_clip", self.cusum_clip > 0, "> 0"),
            ("false_alarms_per_year", self.false_alarms_per_year > 0, "> 0"),
        ]
        for name, ok, rule in checks:
            if not ok:
                raise ValueError(f"windows: {name} must be {rule}, not {getattr(self, name)!r}")

    @property
    def drift_history_days(self) -> int:
        """Days of history (including the day itself) drift needs for day D: the detector's scale window and
        the recent window."""
        return self.scale_days + self.recent_days

    @property
    def lookback_days(self) -> int:
        """Days of history (including the day itself) a baseline for day D needs."""
        return self.baseline_days + self.recent_days


def _read(name: str) -> dict:
    with open(CONFIG_DIR / name, "rb") as fh:
        return tomllib.load(fh)


@cache
def metrics() -> dict[str, Metric]:
    return {name: Metric(name=name, **spec) for name, spec in _read("metrics.toml").items()}


@cache
def instruments() -> dict[str, Instrument]:
    out = {}
    for code, spec in _read("instruments.toml").items():
        if code == "redcap":
            continue
        out[code] = Instrument(
            code=code,
            name=spec["name"],
            n_items=spec["n_items"],
            item_min=spec["item_min"],
            item_max=spec["item_max"],
            reverse_items=tuple(spec["reverse_items"]),
            transform_multiplier=spec["transform_multiplier"],
            max_missing=spec["max_missing"],
            score_min=spec["score_min"],
            score_max=spec["score_max"],
            bands=tuple((float(lo), label) for lo, label in spec["bands"]),
            field_prefixes=tuple(spec.get("field_prefixes", ())),
            item_texts=tuple(spec.get("item_texts", ())),
            answer_labels=tuple(spec.get("answer_labels", {}).items()),
            reliable_change=float(spec.get("reliable_change", float("nan"))),
            higher_is_better=bool(spec.get("higher_is_better", False)),
        )
    return out


@cache
def redcap_missing_codes() -> frozenset[float]:
    return frozenset(float(c) for c in _read("instruments.toml")["redcap"]["missing_codes"])


_windows_file: str | os.PathLike | None = None  # set once per process by use_windows_file


def use_windows_file(path: str | os.PathLike | None) -> None:
    """Read the window configuration from ``path`` (over the packaged defaults) from now on in this process;
    None: the defaults. The pipelines call it with ``$WELLNESS_WINDOWS_FILE`` (pipelines/settings.py)."""
    global _windows_file
    _windows_file = path


def windows(path: str | os.PathLike | None = None) -> Windows:
    """Window configuration: ``path``, else the file of ``use_windows_file``, else the packaged defaults. An
    unknown key, a wrong type, an out-of-range value or windows the detector's thresholds were not calibrated
    for raise ``ValueError`` naming the key (and the file). A relative ``calibration_file`` is read from the
    windows file's folder."""
    path = path or _windows_file
    spec = _read("windows.toml")
    if path:
        try:
            with open(path, "rb") as fh:
                spec |= tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"windows file {path}: {exc}") from exc
    unknown = sorted(set(spec) - set(Windows.__dataclass_fields__))
    if unknown:
        raise ValueError(f"windows{' file ' + str(path) if path else ''}: unknown key(s) {', '.join(unknown)}")
    relative = isinstance(spec.get("calibration_file"), str) and not os.path.isabs(spec["calibration_file"])
    if path and spec.get("calibration_file") and relative:
        spec["calibration_file"] = os.path.join(os.path.dirname(os.path.abspath(path)), spec["calibration_file"])
    try:
        win = Windows(**spec)
        from transforms.stats.alarm_thresholds import calibration

        calibration(win)  # the detector's thresholds exist for these windows (else: how to calibrate them)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{exc}{' (file ' + str(path) + ')' if path else ''}") from None
    return win


@dataclass(frozen=True)
class IngestRules:
    default_timezone: str
    main_sleep_end_hour: int
    session_gap_minutes: int
    valid_hour_min_share: float
    chunk_records: int
    zip_max_uncompressed_bytes: int
    zip_max_ratio: float
    zip_max_members: int
    archive_folder: str = "archive"
    max_line_bytes: int = 1_048_576
    max_columns: int = 10_000
    max_json_bytes: int = 1_073_741_824
    max_seconds_per_file: float = 1800


@cache
def ingest_rules() -> IngestRules:
    return IngestRules(**_read("ingest.toml"))


@cache
def source_priority() -> tuple[str, ...]:
    return tuple(_read("sources.toml")["priority"])


@dataclass(frozen=True)
class DomainComponent:
    domain: str
    metric: str
    sign: int
    weight: float
    rationale: str


@cache
def proxy_domains() -> tuple[DomainComponent, ...]:
    """The metric → domain map (proxy_domains.csv): which metrics make up each domain score, with sign
    (+1: a higher value raises the score) and weight."""
    import csv

    with open(CONFIG_DIR / "proxy_domains.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    known = metrics()
    out = []
    for i, row in enumerate(rows, start=2):
        if row["metric"] not in known or row["sign"] not in ("1", "-1"):
            raise ValueError(f"proxy_domains.csv line {i}: unknown metric or sign {row['metric']!r} {row['sign']!r}")
        out.append(
            DomainComponent(row["domain"], row["metric"], int(row["sign"]), float(row["weight"]), row["rationale"])
        )
    return tuple(out)

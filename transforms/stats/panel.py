"""Dense participant·metric × day arrays.

The daily table is long (one row per participant·day·metric). Window statistics are computed on a dense
array ``values[s, t]`` (series s = participant·metric, day t, NaN = no valid value) by the kernels in
``transforms.stats.kernels``: no per-participant Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Panel:
    series: pd.DataFrame  # participant_id, metric of each row of ``values``
    first_day: pd.Timestamp
    values: np.ndarray  # (n_series, n_days) float64

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.first_day, periods=self.values.shape[1], freq="D")


def build_panel(daily: pd.DataFrame, first_day, last_day) -> Panel:
    """Pivot ``daily`` (participant_id, day, metric, value) into a dense array over
    ``first_day … last_day``; rows outside that span are ignored. Series are the distinct (participant,
    metric) pairs present, sorted by participant then metric."""
    first_day, last_day = pd.Timestamp(first_day), pd.Timestamp(last_day)
    n_days = (last_day - first_day).days + 1
    t = _day_numbers(daily["day"]) - _day_number(first_day)
    inside = (t >= 0) & (t < n_days)
    if not inside.any():
        keys = pd.DataFrame({"participant_id": pd.Series(dtype="string"), "metric": pd.Series(dtype="string")})
        return Panel(series=keys, first_day=first_day, values=np.full((0, n_days), np.nan))
    p_codes, p_names = _sorted_codes(daily["participant_id"], inside)
    m_codes, m_names = _sorted_codes(daily["metric"], inside)
    # series = the distinct (participant, metric) codes combined into one integer, in sorted order; the
    # combinations are few (participants × metrics), so a presence table replaces a sort of every row
    combined = p_codes * len(m_names) + m_codes
    present = np.zeros(len(p_names) * len(m_names), dtype=bool)
    present[combined] = True
    series = np.flatnonzero(present)
    row_of = np.cumsum(present) - 1
    values = np.full((len(series), n_days), np.nan)
    values[row_of[combined], t[inside]] = daily["value"].to_numpy(dtype="float64")[inside]
    keys = pd.DataFrame(
        {
            "participant_id": pd.array(np.asarray(p_names, dtype=object)[series // len(m_names)], dtype="string"),
            "metric": pd.array(np.asarray(m_names, dtype=object)[series % len(m_names)], dtype="string"),
        }
    )
    return Panel(series=keys, first_day=first_day, values=values)


def _day_number(day: pd.Timestamp) -> int:
    return int(np.datetime64(day.date(), "D").astype(np.int64))


def _day_numbers(days: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of a column of dates or timestamps (any unit), as int64."""
    if not pd.api.types.is_datetime64_any_dtype(days.dtype) or isinstance(days.dtype, pd.DatetimeTZDtype):
        days = pd.to_datetime(days)
    return days.to_numpy().astype("datetime64[D]").astype(np.int64)


def _sorted_codes(labels: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int64 code of each selected row, the distinct labels sorted by label): a categorical with sorted
    categories gives its codes as they are (its unused categories then hold no series); anything else is
    factorized."""
    if isinstance(labels.dtype, pd.CategoricalDtype) and labels.cat.categories.is_monotonic_increasing:
        codes = labels.cat.codes.to_numpy()[rows]
        if (codes >= 0).all():
            return codes.astype(np.int64), np.asarray(labels.cat.categories)
    selected = labels[rows]
    if isinstance(selected.dtype, pd.CategoricalDtype):  # unsorted categories: sort by the labels themselves
        selected = selected.astype(object)
    codes, names = pd.factorize(selected, sort=True)
    return codes.astype(np.int64), np.asarray(names)


def span_mask(series: pd.DataFrame, spans: pd.DataFrame | None, first_day, n_days: int) -> np.ndarray | None:
    """(n_series, n_days) bool: day ``first_day + k`` lies within the series' data span, ``spans``'
    first_day … last_day of its participant·metric (a series without a span: nowhere). None without
    ``spans`` (no restriction). The rule of METHODS.md "Which rows exist"."""
    if spans is None:
        return None
    keys = ["participant_id", "metric"]
    spans = spans.astype({k: "string" for k in keys})
    keyed = series[keys].astype("string").merge(spans, how="left", on=keys)  # a left merge keeps series order
    first_day = pd.Timestamp(first_day)
    lo = (pd.to_datetime(keyed["first_day"]) - first_day).dt.days.to_numpy(dtype="float64")
    hi = (pd.to_datetime(keyed["last_day"]) - first_day).dt.days.to_numpy(dtype="float64")
    k = np.arange(n_days, dtype="float64")
    return (k >= lo[:, None]) & (k <= hi[:, None])  # NaN bounds compare False


def gather(block: np.ndarray, fields, keep: np.ndarray, names=None) -> dict[str, np.ndarray]:
    """``block[keep, fields.index(name)]`` for each name of a (series, day, field) array, in the order of
    ``np.nonzero(keep)``, each as a contiguous array (one parallel pass; numpy's fancy indexing of the
    strided fields costs ~10× more)."""
    from transforms.stats.kernels import compress_fields

    names = list(names or fields)
    counts = keep.sum(axis=1)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    out = np.empty((len(names), int(counts.sum())))
    if out.shape[1]:
        compress_fields(
            np.ascontiguousarray(block),
            np.ascontiguousarray(keep),
            np.array([fields.index(n) for n in names], dtype=np.int64),
            offsets,
            out,
        )
    return dict(zip(names, out))

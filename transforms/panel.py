"""Dense participant·metric × day arrays and trailing-window order statistics on them.

The daily table is long (one row per participant·day·metric). Window statistics are computed on a dense
array ``values[s, t]`` (series s = participant·metric, day t, NaN = no valid value) with NumPy sorts over
sliding windows: no per-participant Python loop, memory bounded by processing series in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): scales the MAD to the SD of a normal distribution
CHUNK_ELEMENTS = 8_000_000


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
    ``first_day … last_day``; rows outside that span are ignored."""
    first_day, last_day = pd.Timestamp(first_day), pd.Timestamp(last_day)
    n_days = (last_day - first_day).days + 1
    day = pd.to_datetime(daily["day"])
    rows = daily[(day >= first_day) & (day <= last_day)]
    if rows.empty:
        keys = pd.DataFrame({"participant_id": pd.Series(dtype="string"), "metric": pd.Series(dtype="string")})
        return Panel(series=keys, first_day=first_day, values=np.full((0, n_days), np.nan))
    codes, series = pd.factorize(pd.MultiIndex.from_arrays([rows["participant_id"], rows["metric"]]),
                                 sort=True)
    values = np.full((len(series), n_days), np.nan)
    t = (pd.to_datetime(rows["day"]) - first_day).dt.days.to_numpy()
    values[codes, t] = rows["value"].to_numpy(dtype="float64")
    keys = pd.DataFrame({"participant_id": series.get_level_values(0).astype("string"),
                         "metric": series.get_level_values(1).astype("string")})
    return Panel(series=keys, first_day=first_day, values=values)


def quantile_sorted(srt: np.ndarray, n: np.ndarray, q: float) -> np.ndarray:
    """Quantile of each row of ``srt`` (sorted along the last axis, NaN last, ``n`` valid values) by
    linear interpolation between order statistics, position q·(n−1): numpy's default ``linear``
    method and DuckDB's ``quantile_cont``. NaN where n = 0."""
    pos = q * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    lo_c, hi_c = np.clip(lo, 0, None), np.clip(hi, 0, None)
    v_lo = np.take_along_axis(srt, lo_c[..., None], axis=-1)[..., 0]
    v_hi = np.take_along_axis(srt, hi_c[..., None], axis=-1)[..., 0]
    out = v_lo + (v_hi - v_lo) * frac
    return np.where(n > 0, out, np.nan)


def window_summary(windows: np.ndarray) -> dict[str, np.ndarray]:
    """Order statistics of each window (last axis), NaN ignored:

    n_days = count of valid values; median; p10, p90 (linear interpolation);
    mad = 1.4826 × median(|x − median|) (scaled to estimate the SD under normality).
    """
    valid = ~np.isnan(windows)
    n = valid.sum(axis=-1)
    srt = np.sort(windows, axis=-1)
    median = quantile_sorted(srt, n, 0.5)
    p10 = quantile_sorted(srt, n, 0.1)
    p90 = quantile_sorted(srt, n, 0.9)
    dev = np.sort(np.abs(windows - median[..., None]), axis=-1)
    mad = quantile_sorted(dev, n, 0.5) * MAD_TO_SD
    return {"n_days": n, "median": median, "p10": p10, "p90": p90, "mad": mad}


def row_chunks(n_rows: int, elements_per_row: int, budget: int = CHUNK_ELEMENTS):
    step = max(1, budget // max(1, elements_per_row))
    for start in range(0, n_rows, step):
        yield slice(start, min(n_rows, start + step))


def trailing_windows(values: np.ndarray, width: int, n_out: int, offset: int = 0) -> np.ndarray:
    """View (n_series, n_out, width): window k covers columns offset+k … offset+k+width−1."""
    return sliding_window_view(values[:, offset:offset + n_out + width - 1], width, axis=1)

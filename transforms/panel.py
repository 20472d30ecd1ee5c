"""Dense participant·metric × day arrays.

The daily table is long (one row per participant·day·metric). Window statistics are computed on a dense
array ``values[s, t]`` (series s = participant·metric, day t, NaN = no valid value) by the kernels in
``transforms.kernels``: no per-participant Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): scales the MAD to the SD of a normal distribution


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

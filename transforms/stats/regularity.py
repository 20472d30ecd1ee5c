"""Sleep regularity, a derived daily metric (``sleep_regularity_sd_min``): how much the main sleep's midpoint
moved over the last two weeks (docs/METHODS.md, "Sleep regularity").

    sleep_regularity_sd_min(D) = 1.4826 × median_i |m_i − median(m)|     over the nights i of D − 13 … D,
                                 when at least 10 of those 14 nights have a midpoint m_i (sleep_midpoint_min)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from transforms.stats.kernels import MAD_TO_SD
from transforms.stats.panel import build_panel, span_mask

WINDOW_DAYS = 14
MIN_NIGHTS = 10


def sleep_regularity(
    midpoints: pd.DataFrame,
    start,
    end,
    window_days: int = WINDOW_DAYS,
    min_nights: int = MIN_NIGHTS,
    spans: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Daily ``sleep_regularity_sd_min`` for days start … end: a robust SD of the main-sleep midpoint over the
    ``window_days`` days ending on D, 1.4826 × median(|m − median(m)|), when at least ``min_nights`` nights are
    present. Robust, so one unusual night does not read as two irregular weeks. ``midpoints``: participant_id,
    day, value of sleep_midpoint_min from start − (window_days − 1) on. With ``spans`` (participant_id, metric,
    first_day, last_day), only on days within the participant's span of sleep_midpoint_min, its input
    (METHODS.md "Which rows exist")."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    panel = build_panel(midpoints.assign(metric="sleep_midpoint_min"), start - pd.Timedelta(days=window_days - 1), end)
    if not len(panel.series):
        return pd.DataFrame(columns=["participant_id", "day", "value"])
    windows = sliding_window_view(panel.values, window_days, axis=1)
    n = (~np.isnan(windows)).sum(axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
        center = np.nanmedian(windows, axis=-1)
        spread = MAD_TO_SD * np.nanmedian(np.abs(windows - center[..., None]), axis=-1)
    spread = np.where(n >= min_nights, spread, np.nan)
    in_span = span_mask(panel.series, spans, start, spread.shape[1])  # the series are sleep_midpoint_min's
    if in_span is not None:
        spread = np.where(in_span, spread, np.nan)
    s_idx, k_idx = np.nonzero(~np.isnan(spread))
    return pd.DataFrame(
        {
            "participant_id": panel.series["participant_id"].to_numpy()[s_idx],
            "day": start + pd.to_timedelta(k_idx, unit="D"),
            "value": spread[s_idx, k_idx],
        }
    )

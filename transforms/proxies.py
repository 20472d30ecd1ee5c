"""Domain proxies: behavioural and physiological proxies of four resting-state domains, per
participant·day. Not neurochemical measurements, not diagnoses.

The map (proxy_domains.csv, a data file) lists each domain's metrics with a sign and a weight. For
participant p, day D and domain d with components c (metric m_c, sign s_c, weight w_c):

    z_c   = robust z of the day's value against the personal baseline (analytics.drift.robust_z), clipped to
            [−5, 5], used only when that baseline is sufficient
    score = Σ_c w_c · s_c · z_c  /  Σ_c w_c           over the components available that day
    n_components = number of components available;  sufficient = n_components ≥ min_proxy_components

A positive score means the domain is above the person's own usual level in the direction the domain names
(more autonomic arousal; more, steadier sleep; more activity; better mood).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.records import empty_frame

PROXY_SCHEMA = {"participant_id": "string", "day": "datetime64[s]", "domain": "string", "score": "float64",
                "n_components": "int64", "weight_available": "float64", "sufficient": "bool"}
Z_CLIP = 5.0


def compute_proxies(drift: pd.DataFrame, min_components: int) -> pd.DataFrame:
    """``drift``: participant_id, day, metric, robust_z, baseline_sufficient."""
    comps = pd.DataFrame([c.__dict__ for c in vocabulary.proxy_domains()])
    rows = drift[drift["robust_z"].notna() & drift["baseline_sufficient"].astype(bool)]
    joined = rows[["participant_id", "day", "metric", "robust_z"]].merge(comps, on="metric")
    # a fixed summation order: floating-point sums differ in the last bit with row order, and re-runs must not
    joined = joined.sort_values(["participant_id", "day", "domain", "metric"], kind="stable")
    if joined.empty:
        return empty_frame(PROXY_SCHEMA)
    z = joined["robust_z"].clip(-Z_CLIP, Z_CLIP)
    joined = joined.assign(weighted=joined["weight"] * joined["sign"] * z)
    out = (joined.groupby(["participant_id", "day", "domain"], sort=False, observed=True)
           .agg(total=("weighted", "sum"), weight_available=("weight", "sum"), n_components=("metric", "nunique"))
           .reset_index())
    out["score"] = out["total"] / out["weight_available"]
    out["sufficient"] = out["n_components"] >= min_components
    out["day"] = pd.to_datetime(out["day"]).astype("datetime64[s]")
    return out[list(PROXY_SCHEMA)].astype({"participant_id": "string", "domain": "string", "n_components": "int64"}) \
        .sort_values(["day", "participant_id", "domain"]).reset_index(drop=True)


def sleep_regularity(midpoints: pd.DataFrame, start, end, window_days: int = 14, min_nights: int = 10) -> pd.DataFrame:
    """Daily ``sleep_regularity_sd_min`` for days start … end: a robust SD of the main-sleep midpoint over the
    ``window_days`` days ending on D, 1.4826 × median(|m − median(m)|), when at least ``min_nights`` nights are
    present. Robust, so one unusual night does not read as two irregular weeks. ``midpoints``: participant_id,
    day, value of sleep_midpoint_min from start − (window_days − 1) on."""
    import warnings

    from numpy.lib.stride_tricks import sliding_window_view

    from transforms.panel import MAD_TO_SD, build_panel

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
    s_idx, k_idx = np.nonzero(~np.isnan(spread))
    return pd.DataFrame({"participant_id": panel.series["participant_id"].to_numpy()[s_idx],
                         "day": start + pd.to_timedelta(k_idx, unit="D"), "value": spread[s_idx, k_idx]})

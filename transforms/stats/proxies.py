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

from transforms import catalogue, vocabulary
from transforms.ingest.records import empty_frame

PROXY_SCHEMA = catalogue.table("proxies").frame_schema()
Z_CLIP = 5.0


def compute_proxies(drift: pd.DataFrame, min_components: int) -> pd.DataFrame:
    """``drift``: participant_id, day, metric, robust_z, baseline_sufficient (one row per participant·day·metric).

    Grouped sums on integer codes: rows are ordered by (participant, day, domain, metric) before summing, so the
    floating-point result does not depend on the input's row order (re-runs are bit-identical)."""
    comps = pd.DataFrame([c.__dict__ for c in vocabulary.proxy_domains()]).drop_duplicates(["domain", "metric"])
    domains = sorted(comps["domain"].unique())
    metric_names = sorted(comps["metric"].unique())
    # metrics as integer codes (index into metric_names, −1 for a metric no domain reads): the selections below
    # compare integers, never strings
    metric_labels = pd.Categorical(drift["metric"])
    code_of_label = [metric_names.index(m) if m in metric_names else -1 for m in metric_labels.categories]
    metric_all = np.array([*code_of_label, -1], dtype=np.int64)[metric_labels.codes]  # code −1: a missing metric
    z_all = drift["robust_z"].to_numpy(dtype=np.float64, na_value=np.nan)
    used = ~np.isnan(z_all) & drift["baseline_sufficient"].astype(bool).to_numpy() & (metric_all >= 0)
    if not used.any():
        return empty_frame(PROXY_SCHEMA)
    p_codes, participants = pd.factorize(drift["participant_id"][used], sort=True)
    day = pd.to_datetime(drift["day"][used]).to_numpy().astype("datetime64[D]").astype(np.int64)
    day0 = day.min()
    day_idx = day - day0
    metric = metric_all[used]
    z = np.clip(z_all[used], -Z_CLIP, Z_CLIP)
    parts = []  # one block of rows per (domain, metric) component of the map (a handful; not a data loop)
    for c in comps.itertuples():
        code = metric_names.index(c.metric)
        parts.append((np.flatnonzero(metric == code), domains.index(c.domain), code, c.weight, c.sign))
    sel = np.concatenate([p[0] for p in parts])
    dom = np.concatenate([np.full(len(p[0]), p[1]) for p in parts]).astype(np.int64)
    met = np.concatenate([np.full(len(p[0]), p[2]) for p in parts]).astype(np.int64)
    weight = np.concatenate([np.full(len(p[0]), p[3], dtype=np.float64) for p in parts])
    weighted = weight * np.concatenate([np.full(len(p[0]), p[4], dtype=np.float64) for p in parts]) * z[sel]
    # output order: day, participant, domain; metric last so each group's sum runs in a fixed order (a
    # participant·day·domain holds each metric once, so the combined key is unique and any sort gives that order)
    group = (day_idx[sel] * len(participants) + p_codes[sel]) * len(domains) + dom
    order = np.argsort(group * len(metric_names) + met)
    group, weighted, weight = group[order], weighted[order], weight[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    keys = group[starts]
    total = np.add.reduceat(weighted, starts)
    weight_available = np.add.reduceat(weight, starts)
    n_components = np.diff(np.r_[starts, len(group)])
    d_code = keys % len(domains)
    p_code = (keys // len(domains)) % len(participants)
    k_day = keys // len(domains) // len(participants)
    return pd.DataFrame(
        {
            "participant_id": pd.array(np.asarray(participants, dtype=object)[p_code], dtype="string"),
            "day": (k_day + day0).astype("datetime64[D]").astype("datetime64[s]"),
            "domain": pd.array(np.asarray(domains, dtype=object)[d_code], dtype="string"),
            "score": total / weight_available,
            "n_components": n_components.astype("int64"),
            "weight_available": weight_available,
            "sufficient": n_components >= min_components,
        }
    )

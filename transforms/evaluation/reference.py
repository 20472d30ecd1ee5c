"""Reference detectors computed on the same daily values as ours, for ``bench/drift_eval.py``.

* **NightSignal** (Alavi et al., Nature Medicine 2022; StanfordBioinformatics/wearable-infection,
  nightsignal.py, ``MedianOfAvgs``): daily resting HR truncated to whole bpm; a day missing between two
  measured days gets their mean (truncated); the baseline of day D is the truncated median of every value up
  to and including D; a day is *potential* when its value ≥ baseline + threshold (3 bpm yellow, 4 bpm red);
  an alert on D when D and D − 1 are both potential.
* **RHR-Diff-style** (after Mishra et al., Nature Biomedical Engineering 2020): the day's resting HR
  standardized by the mean and SD of the 28 days before it (at least 14 of them measured); a flag on a day
  with z ≥ τ (2 by default).
* **Today's flags before the sequential detector** (this project until issue 19): q_value < α (BH across
  the participant's metrics of the autocorrelation-adjusted Yuen–Tukey shift test) and |recent_z| ≥ 1 robust
  SD, in the same direction, on ``min_days`` (3) consecutive days.
* **Oracle CUSUM**: our detector with the true baseline, SD and φ of the simulation (no estimation error)
  and a threshold set on the cohort's own unaffected participants: the bound on what any estimate of them
  can reach at the same false-alarm rate.

Every detector returns flags as rows (participant_id, day, metric, direction).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import pandas as pd

from transforms.stats.panel import build_panel

FLAG_COLUMNS = ["participant_id", "day", "metric", "direction"]


def _flags_from(panel, mask: np.ndarray, direction: str) -> pd.DataFrame:
    s, t = np.nonzero(mask)
    return pd.DataFrame(
        {
            "participant_id": panel.series["participant_id"].to_numpy()[s],
            "day": panel.first_day + pd.to_timedelta(t, unit="D"),
            "metric": panel.series["metric"].to_numpy()[s],
            "direction": direction,
        }
    )


@nb.njit(parallel=True, cache=True)
def _nightsignal(values, threshold, alert):
    n, T = values.shape
    for s in nb.prange(n):
        v = np.full(T, np.nan)
        for t in range(T):
            if not math.isnan(values[s, t]):
                v[t] = math.floor(values[s, t])
        filled = v.copy()
        for t in range(1, T - 1):
            if math.isnan(v[t]) and not math.isnan(v[t - 1]) and not math.isnan(v[t + 1]):
                filled[t] = math.trunc(round((v[t - 1] + v[t + 1]) / 2, 1))
        seen = np.empty(T)
        n_seen = 0
        prev_potential = False
        for t in range(T):
            x = filled[t]
            if math.isnan(x):
                prev_potential = False
                continue
            i = np.searchsorted(seen[:n_seen], x)
            for j in range(n_seen, i, -1):
                seen[j] = seen[j - 1]
            seen[i] = x
            n_seen += 1
            med = seen[(n_seen - 1) // 2] if n_seen % 2 else 0.5 * (seen[n_seen // 2 - 1] + seen[n_seen // 2])
            potential = x >= math.floor(med) + threshold
            alert[s, t] = potential and prev_potential and not math.isnan(values[s, t])
            prev_potential = potential


def nightsignal_flags(daily: pd.DataFrame, threshold_bpm: float = 4.0, metric: str = "resting_hr_bpm") -> pd.DataFrame:
    """NightSignal's alerts (module docstring) on ``daily``'s resting HR: direction up."""
    rows = daily[daily["metric"] == metric]
    if rows.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    panel = build_panel(rows, pd.to_datetime(rows["day"]).min(), pd.to_datetime(rows["day"]).max())
    alert = np.zeros(panel.values.shape, dtype=np.bool_)
    _nightsignal(panel.values, float(threshold_bpm), alert)
    return _flags_from(panel, alert, "up")


def rhr_diff_flags(
    daily: pd.DataFrame, z: float = 2.0, baseline_days: int = 28, min_days: int = 14, metric: str = "resting_hr_bpm"
) -> pd.DataFrame:
    """RHR-Diff-style flags (module docstring): direction up."""
    rows = daily[daily["metric"] == metric]
    if rows.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    panel = build_panel(rows, pd.to_datetime(rows["day"]).min(), pd.to_datetime(rows["day"]).max())
    frame = pd.DataFrame(panel.values.T)
    before = frame.shift(1).rolling(baseline_days, min_periods=min_days)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = ((frame - before.mean()) / before.std()).to_numpy().T
        mask = np.nan_to_num(score, nan=-np.inf) >= z
    return _flags_from(panel, mask, "up")


def yuen_tukey_flags(drift: pd.DataFrame, fdr_alpha: float = 0.05, min_effect: float = 1.0, min_days: int = 3):
    """The flags of the rule this project used before the sequential detector (module docstring), from a
    drift frame's q_value and recent_z."""
    d = drift[["participant_id", "day", "metric", "q_value", "recent_z"]].copy()
    d["participant_id"] = d["participant_id"].astype(str)
    d["metric"] = d["metric"].astype(str)
    d["day"] = pd.to_datetime(d["day"])
    with np.errstate(invalid="ignore"):
        ok = (d["q_value"] < fdr_alpha) & (d["recent_z"].abs() >= min_effect)
    d["sign"] = np.where(ok, np.sign(d["recent_z"]), 0.0)
    d = d.sort_values(["participant_id", "metric", "day"])
    same = (
        (d["participant_id"] == d["participant_id"].shift())
        & (d["metric"] == d["metric"].shift())
        & (d["day"] - d["day"].shift() == pd.Timedelta(days=1))
        & (d["sign"] == d["sign"].shift())
    )
    run = (~same).cumsum()
    length = d.groupby(run).cumcount() + 1
    hit = (d["sign"] != 0) & (length >= min_days)
    out = d.loc[hit, ["participant_id", "day", "metric"]]
    return out.assign(direction=np.where(d.loc[hit, "sign"] > 0, "up", "down"))


@nb.njit(parallel=True, cache=True)
def _oracle_cusum(z, phi, R, k, clip, out, side):
    n, T = z.shape
    for s in nb.prange(n):
        innovation_sd = math.sqrt(1 - phi[s] * phi[s])
        for d in range(R - 1, T):
            up = 0.0
            down = 0.0
            prev = np.nan
            for t in range(d - R + 1, d + 1):
                x = z[s, t]
                if math.isnan(x):
                    prev = np.nan
                    continue
                x = min(max(x, -clip), clip)
                e = x if math.isnan(prev) else (x - phi[s] * prev) / innovation_sd
                e = min(max(e, -clip), clip)
                prev = x
                up = max(0.0, up + e - k)
                down = max(0.0, down - e - k)
            out[s, d] = max(up, down)
            side[s, d] = 1 if up >= down else -1


def oracle_flags(cohort, win, rate_per_metric: float) -> pd.DataFrame:
    """Flags of the detector with the true baseline of an evaluation cohort (``transforms.evaluation.cohort``):
    per metric, (value − true level) / true SD (log metrics on the log scale), whitened with the true φ, the
    same windowed CUSUM; the threshold is the one whose alarm onsets on the cohort's participants without an
    episode come at ``rate_per_metric`` per series-year (``calibration.OnsetCounter``). Check-in metrics are
    left out (their 1–5 rounding has no true SD)."""
    from transforms.evaluation.calibration import OnsetCounter

    frames = []
    row_of = pd.Index(cohort.participant_ids)
    first_day = cohort.dates[0]
    null_rows = ~row_of.isin(cohort.episodes["participant_id"])
    for m in cohort.spec.metrics:  # a loop over metrics; each is one vectorised pass over the cohort
        if m.checkin:
            continue
        base = cohort.truth[m.name]
        rows = cohort.daily[cohort.daily["metric"] == m.name]
        P, T = base.shape
        x = np.full((P, T), np.nan)
        p = row_of.get_indexer(rows["participant_id"])
        t = (pd.to_datetime(rows["day"]) - first_day).dt.days.to_numpy()
        x[p, t] = rows["value"].to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            z = ((np.log(x) - np.log(base)) if m.log else (x - base)) / m.sd
        stat = np.full((P, T), np.nan)
        side = np.zeros((P, T), dtype=np.int8)
        _oracle_cusum(z, np.full(P, m.phi), win.recent_days, win.cusum_k, win.cusum_clip, stat, side)
        stat[np.isnan(x)] = np.nan
        h = OnsetCounter(stat[null_rows]).threshold(rate_per_metric)
        pp, tt = np.nonzero(stat > h)
        frames.append(
            pd.DataFrame(
                {
                    "participant_id": cohort.participant_ids[pp],
                    "day": first_day + pd.to_timedelta(tt, unit="D"),
                    "metric": m.name,
                    "direction": np.where(side[pp, tt] > 0, "up", "down"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

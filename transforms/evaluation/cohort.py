"""A realistic cohort for judging drift detection: daily values as a PMData-style participant's devices
and check-ins yield them, with injected episodes as ground truth (docs/METHODS.md "Evaluation").

Per participant p, metric j and day t (one seeded ``numpy.random.Generator``), in the metric's own SD units:

    e_{p,j,t}  = φ_j e_{p,j,t−1} + √(1 − φ_j²) ε_t                  AR(1), unit marginal SD
    u_{p,j,t}  = e + weekend_j·[t is Sat/Sun] + A_season·sin(2π t / 365 + θ_p) + shift_j·[t in the episode]
    value      = level_p + sd_j·u      (``log`` metrics: exp(log level_p + sd_j·u))

φ_j and the marginal SDs follow what the real exports show (bench/realdata_autocorr.py): resting HR and
RMSSD φ ≈ 0.45, sleep minutes ≈ 0, steps ≈ 0.15, sleep midpoint ≈ 0.3. Check-ins (mood, stress, fatigue,
readiness, soreness, sleep quality) are a latent AR(1) rounded to a 1–5 scale around a person's own usual
answer, answered on 80 % of days. Devices miss 10 % of days at random and 30 % of participants have one gap
of 3–14 days. A share of participants has one episode of 14–21 days (resting HR +2 SD, RMSSD −1.5 SD, sleep
minutes −1.3 SD, fatigue +1 SD, mood −1 SD), starting at least ``min_history_days`` after the first day and
ending at least 35 days before the last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter


@dataclass(frozen=True)
class MetricModel:
    name: str
    level_mean: float  # population mean of the person's level (log metrics: of its log)
    level_sd: float
    sd: float  # within-person day-to-day SD (log metrics: on the log scale)
    phi: float
    weekend: float = 0.0  # weekend effect, in SDs
    log: bool = False
    checkin: bool = False  # a 1–5 answer: rounded, answered on CHECKIN_RATE of days
    episode_sd: float = 0.0  # the shift during an episode, in SDs
    decimals: int = 1


METRICS = (
    MetricModel("resting_hr_bpm", 60, 6, 2.5, 0.45, weekend=-0.2, episode_sd=2.0, decimals=0),
    MetricModel("hrv_rmssd_ms", np.log(45), 0.35, 0.15, 0.45, log=True, episode_sd=-1.5),
    MetricModel("sleep_minutes", 420, 30, 50, 0.0, weekend=0.5, episode_sd=-1.3, decimals=0),
    MetricModel("sleep_efficiency_pct", 90, 3, 3, 0.05),
    MetricModel("sleep_midpoint_min", 200, 40, 35, 0.3, weekend=1.0, decimals=0),
    MetricModel("steps", np.log(8000), 0.35, 0.3, 0.15, weekend=-0.5, log=True, decimals=0),
    MetricModel("active_minutes", np.log(30), 0.4, 0.45, 0.1, log=True, decimals=0),
    MetricModel("sedentary_minutes", 700, 60, 60, 0.3, decimals=0),
    MetricModel("ema_mood", 3.5, 0.5, 0.7, 0.3, checkin=True, episode_sd=-1.0),
    MetricModel("ema_stress", 2.5, 0.5, 0.7, 0.3, checkin=True),
    MetricModel("ema_fatigue", 2.5, 0.5, 0.7, 0.3, checkin=True, episode_sd=1.0),
    MetricModel("ema_readiness", 3.5, 0.5, 0.7, 0.3, checkin=True),
    MetricModel("ema_soreness", 2.5, 0.5, 0.7, 0.3, checkin=True),
    MetricModel("ema_sleep_quality", 3.5, 0.5, 0.7, 0.2, checkin=True),
)
CHECKIN_RATE = 0.8


@dataclass(frozen=True)
class EvalCohortSpec:
    participants: int = 400
    days: int = 240
    seed: int = 17
    episode_share: float = 1 / 3
    season_sd: float = 0.4  # amplitude of the slow seasonal drift, in SDs
    missing: float = 0.1
    gap_share: float = 0.3
    min_history_days: int = 70
    metrics: tuple[MetricModel, ...] = METRICS
    start: str = "2024-01-01"


@dataclass
class EvalCohort:
    spec: EvalCohortSpec
    daily: pd.DataFrame  # participant_id, day, metric, value
    episodes: pd.DataFrame  # participant_id, metric, start_day, end_day, direction, shift_sd
    truth: dict[str, np.ndarray]  # metric → (P, T) noise-free level (the true baseline, in value units)
    dates: pd.DatetimeIndex
    participant_ids: np.ndarray  # row p of every (P, T) array


def simulate(spec: EvalCohortSpec = EvalCohortSpec()) -> EvalCohort:
    rng = np.random.default_rng(spec.seed)
    P, T = spec.participants, spec.days
    dates = pd.date_range(spec.start, periods=T, freq="D")
    ids = np.array([f"E{i + 1:04d}" for i in range(P)])
    t = np.arange(T)[None, :]
    weekend = np.asarray(dates.dayofweek >= 5)[None, :]
    season = spec.season_sd * np.sin(2 * np.pi * t / 365.0 + rng.uniform(0, 2 * np.pi, (P, 1)))

    device_off = rng.random((P, T)) < spec.missing
    has_gap = rng.random(P) < spec.gap_share
    gap_start = rng.integers(0, T, P)
    gap_len = rng.integers(3, 15, P)
    device_off |= has_gap[:, None] & (t >= gap_start[:, None]) & (t < (gap_start + gap_len)[:, None])

    affected = rng.random(P) < spec.episode_share
    length = rng.integers(14, 22, P)
    latest = np.maximum(spec.min_history_days, T - 35 - length)
    ep_start = spec.min_history_days + np.floor(rng.random(P) * (latest - spec.min_history_days + 1)).astype(int)
    in_episode = affected[:, None] & (t >= ep_start[:, None]) & (t < (ep_start + length)[:, None])

    frames, truth, episodes = [], {}, []
    for m in spec.metrics:  # one vectorised draw per metric (a loop over the metric list, not over people)
        z = rng.standard_normal((P, T))
        innovations = z * np.sqrt(1 - m.phi**2)
        innovations[:, 0] = z[:, 0]
        noise = lfilter([1.0], [1.0, -m.phi], innovations, axis=1)
        level = rng.normal(m.level_mean, m.level_sd, (P, 1))
        usual = m.weekend * weekend + season
        u = noise + usual + m.episode_sd * in_episode
        if m.log:
            values, base = np.exp(level + m.sd * u), np.exp(level + m.sd * usual)
        else:
            values, base = level + m.sd * u, level + m.sd * usual
        if m.checkin:
            values = np.clip(np.round(values), 1, 5)
            observed = rng.random((P, T)) < CHECKIN_RATE
        else:
            values = np.round(values, m.decimals)
            observed = ~device_off
        truth[m.name] = base
        p, d = np.nonzero(observed)
        frames.append(
            pd.DataFrame({"participant_id": ids[p], "day": dates[d], "metric": m.name, "value": values[p, d]})
        )
        if m.episode_sd:
            episodes.append(
                pd.DataFrame(
                    {
                        "participant_id": ids[affected],
                        "metric": m.name,
                        "start_day": dates[ep_start[affected]],
                        "end_day": dates[ep_start[affected] + length[affected] - 1],
                        "direction": "up" if m.episode_sd > 0 else "down",
                        "shift_sd": abs(m.episode_sd),
                    }
                )
            )
    daily = pd.concat(frames, ignore_index=True)
    return EvalCohort(
        spec=spec,
        daily=daily,
        episodes=pd.concat(episodes, ignore_index=True),
        truth=truth,
        dates=dates,
        participant_ids=ids,
    )

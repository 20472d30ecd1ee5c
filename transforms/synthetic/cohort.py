"""Simulated daily physiology, behaviour and questionnaires for a cohort (vectorised, seeded).

Model, per participant p and day t (all draws from one ``numpy.random.Generator(seed)``):

    level_p              ~ person-level mean (population distributions below)
    e_{p,t}              = φ·e_{p,t−1} + √(1−φ²)·σ·z_{p,t}         AR(1) day-to-day noise, φ = 0.5
    x_{p,t}              = level_p + weekly(t) + e_{p,t} + episode_{p,t}

    resting HR  level ~ N(62, 6²) bpm, σ = 2.0, weekend −1 bpm
    HRV (RMSSD) level ~ logN(ln 42, 0.35²) ms, multiplicative noise σ = 0.12 on log scale, also −0.02/bpm of
                 resting-HR noise
    sleep       level ~ N(420, 30²) min asleep, σ = 35, weekend +35 min; time in bed = asleep / U(0.86, 0.95)
    midpoint    level ~ N(210, 35²) min after midnight, σ = 30, weekend +50
    steps       level ~ logN(ln 8000, 0.35²), log σ = 0.30, weekend ×0.8
    questionnaire item means per person (PHQ-9, GAD-7, PSS-10, WHO-5), answered every 14 days

Devices (shares configurable): Fitbit takeout JSON 50 %, Fitabase CSV 30 %, Apple Health export 20 %.
Missing data: each participant misses days at a rate ~ U(3 %, 15 %), and 30 % of participants have one
extra gap of 3–10 days. Episodes: a fraction of participants (default 30 %) get, from day d for k days,
resting HR +5 bpm, HRV ×0.75, sleep −50 min, PHQ-9 +6, GAD-7 +4, PSS-10 +6, WHO-5 −6 raw (−24 %); d is
chosen so that a full baseline precedes it. The episodes are the ground truth that drift must find.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from transforms import vocabulary

DEFAULT_START = dt.date(2025, 1, 6)
DEVICES = ("fitbit_takeout", "fitabase", "apple_health")
QUESTIONNAIRES = ("phq9", "gad7", "pss10", "who5")
PHI = 0.5

EPISODE_EFFECTS = {
    # metric: (shift, kind)
    "resting_hr_bpm": (5.0, "add"),
    "hrv_rmssd_ms": (0.75, "multiply"),
    "hrv_sdnn_ms": (0.75, "multiply"),
    "sleep_minutes": (-50.0, "add"),
    "phq9": (6.0, "add"),
    "gad7": (4.0, "add"),
    "pss10": (6.0, "add"),
    "who5": (-24.0, "add"),
}
OBSERVED_BY_DEVICE = {
    "fitbit_takeout": ("resting_hr_bpm", "hrv_rmssd_ms", "sleep_minutes"),
    "fitabase": ("sleep_minutes",),
    "apple_health": ("resting_hr_bpm", "hrv_sdnn_ms", "sleep_minutes"),
}
QUESTIONNAIRE_EVERY_DAYS = 14


@dataclass(frozen=True)
class CohortSpec:
    participants: int = 50
    days: int = 120
    seed: int = 7
    start: dt.date = DEFAULT_START
    episode_fraction: float = 0.3
    episode_min_days: int = 14
    episode_max_days: int = 21
    device_shares: tuple[float, float, float] = (0.5, 0.3, 0.2)  # fitbit_takeout, fitabase, apple_health


@dataclass
class Cohort:
    spec: CohortSpec
    people: pd.DataFrame  # participant_id, device, fitabase_id, respondent_id
    dates: pd.DatetimeIndex
    worn: np.ndarray  # (P, T) bool: device data exists that day
    daily: dict[str, np.ndarray]  # (P, T) arrays of true values
    answers: pd.DataFrame  # respondent answers: participant_id, completed_at, <instrument>_<i>
    episodes: pd.DataFrame  # ground truth


def ar1(rng: np.random.Generator, shape, sigma) -> np.ndarray:
    """Stationary AR(1) series along axis 1: x_0 ~ N(0, 1), x_t = φ·x_{t−1} + √(1−φ²)·z_t, scaled by
    ``sigma`` (so every day has SD sigma and lag-1 autocorrelation φ)."""
    z = rng.standard_normal(shape)
    innovations = z * np.sqrt(1 - PHI**2)
    innovations[:, 0] = z[:, 0]
    return lfilter([1.0], [1.0, -PHI], innovations, axis=1) * sigma


def simulate(spec: CohortSpec) -> Cohort:
    rng = np.random.default_rng(spec.seed)
    P, T = spec.participants, spec.days
    dates = pd.date_range(spec.start, periods=T, freq="D")
    weekend = np.asarray(dates.dayofweek >= 5)[None, :]

    ids = np.array([f"P{i + 1:04d}" for i in range(P)])
    device = rng.choice(np.array(DEVICES), size=P, p=np.array(spec.device_shares) / sum(spec.device_shares))
    fitabase_id = 1_000_000_000 + rng.choice(9_000_000_000, size=P, replace=False)
    respondent = 10_000 + rng.choice(90_000 if P <= 90_000 else 10 * P, size=P, replace=False)
    people = pd.DataFrame(
        {
            "participant_id": ids,
            "device": device,
            "fitabase_id": fitabase_id.astype(str),
            "respondent_id": [f"R{r}" for r in respondent],
        }
    )

    # missingness
    worn = rng.random((P, T)) >= rng.uniform(0.03, 0.15, size=(P, 1))
    has_gap = rng.random(P) < 0.3
    gap_len = rng.integers(3, 11, size=P)
    gap_start = rng.integers(0, max(1, T - 10), size=P)
    t = np.arange(T)[None, :]
    worn &= ~(has_gap[:, None] & (t >= gap_start[:, None]) & (t < (gap_start + gap_len)[:, None]))

    # episodes
    win = vocabulary.windows()
    earliest = win.baseline_days + win.recent_days // 2
    can_have = T - earliest >= spec.episode_min_days
    chosen = (rng.random(P) < spec.episode_fraction) & can_have
    k = rng.integers(spec.episode_min_days, spec.episode_max_days + 1, size=P)
    latest_start = np.maximum(earliest, T - k)
    d = earliest + np.floor(rng.random(P) * (latest_start - earliest + 1)).astype(int)
    k = np.minimum(k, T - d)
    in_episode = chosen[:, None] & (t >= d[:, None]) & (t < (d + k)[:, None])
    starts = pd.DataFrame(
        {
            "participant_id": ids[chosen],
            "device": device[chosen],
            "start_day": dates[d[chosen]].date,
            "end_day": dates[d[chosen] + k[chosen] - 1].date,
        }
    )
    effects = pd.DataFrame(
        [(m, s, kind) for m, (s, kind) in EPISODE_EFFECTS.items()], columns=["metric", "shift", "shift_kind"]
    )
    observable = pd.DataFrame(
        [(dev, m) for dev, ms in OBSERVED_BY_DEVICE.items() for m in ms + QUESTIONNAIRES], columns=["device", "metric"]
    )
    episodes = (
        starts.merge(effects, how="cross")
        .merge(observable, on=["device", "metric"])[
            ["participant_id", "metric", "start_day", "end_day", "shift", "shift_kind"]
        ]
        .sort_values(["participant_id", "metric"])
        .reset_index(drop=True)
    )
    ep = in_episode.astype(float)

    rhr_level = np.clip(rng.normal(62, 6, P), 45, 85)
    rhr_noise = ar1(rng, (P, T), 2.0)
    rhr = rhr_level[:, None] + rhr_noise - 1.0 * weekend + EPISODE_EFFECTS["resting_hr_bpm"][0] * ep

    hrv_level = np.exp(rng.normal(np.log(42), 0.35, P))
    hrv = (
        hrv_level[:, None]
        * np.exp(ar1(rng, (P, T), 0.12) - 0.02 * rhr_noise)
        * np.where(in_episode, EPISODE_EFFECTS["hrv_rmssd_ms"][0], 1.0)
    )

    sleep_level = rng.normal(420, 30, P)
    asleep = sleep_level[:, None] + ar1(rng, (P, T), 35.0) + 35 * weekend + EPISODE_EFFECTS["sleep_minutes"][0] * ep
    asleep = np.clip(asleep, 120, 720)
    in_bed = asleep / rng.uniform(0.86, 0.95, size=(P, T))
    midpoint = rng.normal(210, 35, P)[:, None] + ar1(rng, (P, T), 30.0) + 50 * weekend

    steps = np.exp(rng.normal(np.log(8000), 0.35, P)[:, None] + ar1(rng, (P, T), 0.30) + np.log(0.8) * weekend)
    active = np.clip(steps / 8000 * 30 + rng.normal(0, 8, (P, T)), 0, 300)
    light = np.clip(steps / 40 + rng.normal(0, 20, (P, T)), 0, 600)
    sedentary = np.clip(1440 - in_bed - active - light, 0, 1440)

    daily = {
        "resting_hr_bpm": np.round(rhr, 1),
        "hrv_rmssd_ms": np.round(hrv, 3),
        "sleep_minutes": np.round(asleep),
        "time_in_bed": np.round(in_bed),
        "sleep_midpoint_min": midpoint,
        "steps": np.round(steps),
        "very_active_minutes": np.round(active * 0.4),
        "fairly_active_minutes": np.round(active * 0.6),
        "lightly_active_minutes": np.round(light),
        "sedentary_minutes": np.round(sedentary),
    }
    answers = _questionnaires(rng, people, dates, in_episode)
    return Cohort(spec=spec, people=people, dates=dates, worn=worn, daily=daily, answers=answers, episodes=episodes)


def _questionnaires(
    rng: np.random.Generator, people: pd.DataFrame, dates: pd.DatetimeIndex, in_episode: np.ndarray
) -> pd.DataFrame:
    """Submissions every 14 days (person-specific phase), with every instrument's items."""
    P, T = in_episode.shape
    phase = rng.integers(0, QUESTIONNAIRE_EVERY_DAYS, size=P)
    p_idx, t_idx = np.nonzero((np.arange(T)[None, :] - phase[:, None]) % QUESTIONNAIRE_EVERY_DAYS == 0)
    n = len(p_idx)
    seconds = rng.integers(8 * 3600, 22 * 3600, size=n)
    frame = pd.DataFrame(
        {
            "participant_id": people["participant_id"].to_numpy()[p_idx],
            "completed_at": dates[t_idx] + pd.to_timedelta(seconds, unit="s"),
        }
    )
    during = in_episode[p_idx, t_idx]
    for code in QUESTIONNAIRES:
        spec = vocabulary.instruments()[code]
        span = spec.item_max - spec.item_min
        person_mean = rng.beta(2, 5, size=P) * span + spec.item_min
        if code == "who5":
            person_mean = spec.item_max - (person_mean - spec.item_min)  # well-being skews high
        shift = EPISODE_EFFECTS[code][0] / spec.transform_multiplier / spec.n_items
        level = person_mean[p_idx] + np.where(during, shift, 0.0)
        items = np.clip(
            np.round(level[:, None] + rng.normal(0, 0.6, size=(n, spec.n_items))), spec.item_min, spec.item_max
        )
        for j in spec.reverse_items:  # answers as written on the form; scoring reverses them back
            items[:, j - 1] = spec.item_min + spec.item_max - items[:, j - 1]
        items[rng.random(items.shape) < 0.03] = np.nan
        items[rng.random(n) < 0.02] = np.nan  # the instrument skipped in this submission
        for j in range(spec.n_items):
            frame[f"{code}_{j + 1}"] = items[:, j]
    return frame

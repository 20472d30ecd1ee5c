"""The drift detector's alarm thresholds: the calibration table (transforms/config/cusum_calibration.csv, made
by ``bench/cusum_calibration.py`` with ``transforms.evaluation.calibration``) and its lookup.

The table holds, for each history bucket H (days), true lag-1 autocorrelation φ and false-alarm rate r
(alarm onsets per series-year), the threshold h at which the detector alarms at rate r on null series. For a
series·day with estimated φ̂, history H′ and per-metric budget r′:

    h(H′)    = linear interpolation between the two history grid points around H′ (beyond the longest: its
               threshold; below the shortest: no threshold, the detector's warm-up)
    h(φ̂)     = linear interpolation between the two φ grid points around φ̂ (φ̂ clipped to the grid); the table
               is indexed by the estimated φ̂ (transforms.evaluation.calibration)
    h(r′)    = linear in log r between the two rate grid points around r′; beyond the grid, the line through
               the two outermost points (h grows about linearly in −log r)

The table is valid only for the windows it was calibrated with; its first line records them, and a run with
other windows stops with an error naming the differing key and how to calibrate for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

PACKAGED = Path(__file__).resolve().parents[1] / "config" / "cusum_calibration.csv"
CALIBRATED_KEYS = ("baseline_days", "recent_days", "scale_days", "min_history_days", "cusum_k", "cusum_clip")


@dataclass(frozen=True)
class Calibration:
    history: np.ndarray  # (H,) ascending
    phi: np.ndarray  # (P,) ascending
    log_rate: np.ndarray  # (R,) ascending
    threshold: np.ndarray  # (H, P, R)

    def thresholds(self, phi, history, rate) -> np.ndarray:
        """h for arrays of φ̂, history days and per-metric rates (NaN where the history is below the grid)."""
        phi = np.clip(np.asarray(phi, dtype="float64"), self.phi[0], self.phi[-1])
        history = np.asarray(history, dtype="float64")
        log_rate = np.log(np.asarray(rate, dtype="float64"))
        known = (history >= self.history[0]) & ~np.isnan(phi)
        held = np.clip(history, self.history[0], self.history[-1])
        hi_ = np.clip(np.searchsorted(self.history, held, side="right") - 1, 0, len(self.history) - 2)
        hw = (held - self.history[hi_]) / (self.history[hi_ + 1] - self.history[hi_])
        pi = np.clip(np.searchsorted(self.phi, phi, side="right") - 1, 0, len(self.phi) - 2)
        pw = np.nan_to_num((phi - self.phi[pi]) / (self.phi[pi + 1] - self.phi[pi]))
        ri = np.clip(np.searchsorted(self.log_rate, log_rate, side="right") - 1, 0, len(self.log_rate) - 2)
        rw = (log_rate - self.log_rate[ri]) / (self.log_rate[ri + 1] - self.log_rate[ri])

        def at(p, r):
            return self.threshold[hi_, p, r] * (1 - hw) + self.threshold[hi_ + 1, p, r] * hw

        lower = at(pi, ri) * (1 - pw) + at(pi + 1, ri) * pw
        upper = at(pi, ri + 1) * (1 - pw) + at(pi + 1, ri + 1) * pw
        return np.where(known, lower + (upper - lower) * rw, np.nan)


def read_table(path: Path) -> tuple[dict[str, float], pd.DataFrame]:
    """(the windows it was calibrated for, the table) from a calibration CSV."""
    with open(path, encoding="utf-8") as fh:
        header = fh.readline()
    if not header.startswith("# calibrated for "):
        raise ValueError(f"calibration file {path}: its first line must record the windows ('# calibrated for …')")
    params = dict(item.split("=") for item in header.removeprefix("# calibrated for ").split(";")[0].split())
    return {k: float(v) for k, v in params.items()}, pd.read_csv(path, comment="#")


def header_line(win) -> str:
    """The first line of a calibration file for ``win``."""
    keys = " ".join(f"{k}={getattr(win, k):g}" for k in CALIBRATED_KEYS)
    return f"# calibrated for {keys}; made by bench/cusum_calibration.py\n"


@cache
def _load(path: str, expected: tuple[tuple[str, float], ...]) -> Calibration:
    params, table = read_table(Path(path))
    for key, value in expected:
        if key not in params or not np.isclose(params[key], value):
            raise ValueError(
                f"windows: {key} = {value:g} but the alarm thresholds in {path} were calibrated for "
                f"{key} = {format(params[key], 'g') if key in params else 'unknown'}; calibrate for these windows with "
                f"`.venv/bin/python bench/cusum_calibration.py --windows <your windows.toml> --out <file.csv>` "
                f"and set calibration_file in the windows file"
            )
    history = np.sort(table["history_days"].unique()).astype("float64")
    phi = np.sort(table["phi"].unique()).astype("float64")
    rate = np.sort(table["alarms_per_year"].unique()).astype("float64")
    cube = (
        table.set_index(["history_days", "phi", "alarms_per_year"])["threshold"]
        .reindex(pd.MultiIndex.from_product([history, phi, rate]))
        .to_numpy()
        .reshape(len(history), len(phi), len(rate))
    )
    if np.isnan(cube).any():
        raise ValueError(f"calibration file {path}: the grid of history × phi × rate is incomplete")
    return Calibration(history=history, phi=phi, log_rate=np.log(rate), threshold=cube)


def calibration(win) -> Calibration:
    """The calibration for ``win``: its ``calibration_file``, else the packaged table."""
    path = win.calibration_file or str(PACKAGED)
    return _load(str(path), tuple((k, float(getattr(win, k))) for k in CALIBRATED_KEYS))

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

import numba as nb
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
        phi, history, rate = np.broadcast_arrays(
            np.asarray(phi, dtype="float64"), np.asarray(history, dtype="float64"), np.asarray(rate, dtype="float64")
        )
        out = np.empty(phi.shape)
        _lookup(
            self.history,
            self.phi,
            self.log_rate,
            self.threshold,
            phi.ravel(),
            history.ravel(),
            np.log(rate.ravel()),
            out.reshape(-1),
        )
        return out


@nb.njit(cache=True, inline="always")
def _bracket(grid, x):
    """(i, w): x lies between grid[i] and grid[i + 1] at weight w (i clipped to the grid's last interval)."""
    i = min(max(np.searchsorted(grid, x, side="right") - 1, 0), len(grid) - 2)
    return i, (x - grid[i]) / (grid[i + 1] - grid[i])


@nb.njit(cache=True)
def _lookup(history_grid, phi_grid, log_rate_grid, cube, phi, history, log_rate, out):
    """out[i] = the table's h at (history[i], phi[i], log_rate[i]) by the interpolation of the module docstring."""
    for n in range(out.shape[0]):
        if not (history[n] >= history_grid[0]) or np.isnan(phi[n]):
            out[n] = np.nan
            continue
        hi_, hw = _bracket(history_grid, min(history[n], history_grid[-1]))
        pi, pw = _bracket(phi_grid, min(max(phi[n], phi_grid[0]), phi_grid[-1]))
        ri, rw = _bracket(log_rate_grid, log_rate[n])
        value = 0.0
        for dh in range(2):
            for dp in range(2):
                for dr in range(2):
                    weight = (hw if dh else 1 - hw) * (pw if dp else 1 - pw) * (rw if dr else 1 - rw)
                    value += weight * cube[hi_ + dh, pi + dp, ri + dr]
        out[n] = value


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

"""The participant chart: one panel per metric (values, baseline bands, flags, episodes) plus a questionnaire
panel on the same time axis; PNG and self-contained HTML."""

import numpy as np
import pandas as pd
import pytest

from transforms.reports.participant_chart import (
    render_participant_figure,
    render_participant_png,
)

DAYS = pd.date_range("2025-01-01", periods=60, freq="D")


def _data():
    rng = np.random.default_rng(1)
    rhr = 60 + rng.normal(0, 1.5, len(DAYS))
    rhr[40:48] += 8
    daily = pd.concat(
        [
            pd.DataFrame({"day": DAYS, "metric": "resting_hr_bpm", "value": rhr}),
            pd.DataFrame({"day": DAYS[::2], "metric": "sleep_minutes", "value": 420 + rng.normal(0, 20, 30)}),
        ],
        ignore_index=True,
    )
    base = daily.assign(
        median=daily.groupby("metric")["value"].transform("median"),
        mad=2.0,
        p10=lambda d: d["median"] - 3,
        p90=lambda d: d["median"] + 3,
        sufficient=lambda d: d["day"] >= DAYS[14],
    )[["day", "metric", "median", "mad", "p10", "p90", "sufficient"]]
    flags = daily[(daily["metric"] == "resting_hr_bpm") & daily["day"].isin(DAYS[40:48])].assign(direction="up")
    flags = pd.concat([flags, daily[daily["metric"] == "sleep_minutes"].head(1).assign(direction="down")])
    episodes = pd.DataFrame(
        {
            "metric": ["resting_hr_bpm"],
            "direction": ["up"],
            "start_day": [DAYS[40]],
            "end_day": [DAYS[47]],
            "n_days": [8],
            "peak_z": [5.1],
            "recovery_days": [3.0],
        }
    )
    scores = pd.DataFrame(
        {
            "administered_at": [DAYS[0], DAYS[28], DAYS[56]],
            "instrument": "phq9",
            "score": [4.0, 5.0, 12.0],
            "severity": ["minimal", "mild", "moderate"],
        }
    )
    return {
        "daily": daily,
        "baselines": base,
        "flags": flags[["day", "metric", "direction", "value"]],
        "episodes": episodes,
        "scores": scores,
    }


def test_one_panel_per_metric_then_questionnaires_on_a_shared_axis():
    import matplotlib.pyplot as plt

    fig = render_participant_figure("P0001", _data())
    try:
        axes = fig.get_axes()
        assert [ax.get_ylabel().split("\n")[0] for ax in axes] == ["resting_hr_bpm", "sleep_minutes", "questionnaire"]
        assert axes[0].get_shared_x_axes().joined(axes[0], axes[2])
        # flagged days drawn at their values: 8 up-triangles on RHR, one down-triangle on sleep
        up = [c for c in axes[0].collections if c.get_label() == "flagged (up)"]
        assert len(up) == 1 and len(up[0].get_offsets()) == 8
        down = [c for c in axes[1].collections if c.get_label() == "flagged (down)"]
        assert len(down) == 1 and len(down[0].get_offsets()) == 1
        # the episode span and its recovery label sit on the RHR panel only
        assert any(t.get_text() == "back in 3 d" for t in axes[0].texts)
        assert not any("back in" in t.get_text() for t in axes[1].texts)
        # the questionnaire panel carries the three PHQ-9 scores
        (line,) = axes[2].get_lines()
        assert list(line.get_ydata()) == [4.0, 5.0, 12.0]
        # baseline bands only on sufficient days: the median line starts on day 15
        median_line = next(ln for ln in axes[0].get_lines() if ln.get_label() == "baseline median")
        assert pd.Timestamp(min(line_x for line_x in median_line.get_xdata())) == DAYS[14]
    finally:
        plt.close(fig)


def test_missing_days_break_the_value_line_instead_of_bridging_them():
    import matplotlib.pyplot as plt

    fig = render_participant_figure("P0001", _data())
    try:
        sleep = fig.get_axes()[1]
        values_line = next(ln for ln in sleep.get_lines() if ln.get_label().startswith("_"))
        y = np.asarray(values_line.get_ydata(), dtype=float)
        assert len(y) == 59 and np.isnan(y[1::2]).all()  # every other day missing → a NaN, so no line segment
    finally:
        plt.close(fig)


def test_png_output():
    data = _data()
    png = render_participant_png("P0001", data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000


@pytest.mark.parametrize("drop", ["scores", "episodes"])
def test_renders_without_questionnaires_or_episodes(drop):
    data = _data()
    data[drop] = data[drop].iloc[0:0]
    assert render_participant_png("P0001", data).startswith(b"\x89PNG")

"""The report site's charts as plotly.js figures (plain ``{"data": [...], "layout": {...}}`` dicts, drawn in
the browser by the site's one copy of plotly.js): pure functions of frames, no plotting library in Python,
so a thousand participants' pages cost JSON, not figure objects.

Every trace has a ``name`` (tests/transforms/reports/test_site_browser.py reads them back from the page) and
a hover text in the metric's unit. Dates are ISO days (``YYYY-MM-DD``), never timestamps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALUE = "#1a73e8"
BAND = "rgba(26,115,232,0.13)"
UP, DOWN = "#d93025", "#e37400"
EPISODE = "rgba(217,48,37,0.10)"
RECOVERED = "#188038"
DOMAIN_COLOURS = {
    "autonomic_arousal": "#d93025",
    "sleep_circadian": "#1a73e8",
    "activity_drive": "#188038",
    "mood_affect": "#9334e6",
}
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def numbers(values) -> list[float | None]:
    """Floats for JSON, NaN as null (a gap in a line)."""
    array = np.asarray(values, dtype="float64")
    return [None if np.isnan(v) else round(float(v), 4) for v in array]


def _layout(title: str, y_title: str, x_range=None, height: int = 260, **extra) -> dict:
    """``x_range``: (first day, last day) shared by a page's charts, so they line up."""
    return {
        "title": {"text": title, "font": {"size": 14}, "x": 0.01},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 36, "b": 36},
        "xaxis": {
            "type": "date",
            "tickformat": "%Y-%m-%d",
            "hoverformat": "%Y-%m-%d",
            **({"range": list(x_range)} if x_range else {}),
        },
        "yaxis": {"title": {"text": y_title}, "zeroline": False},
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.25, "font": {"size": 11}},
        "plot_bgcolor": "white",
        **extra,
    }


def metric_figure(metric: str, unit: str, daily, band, flags, episodes, x_range=None) -> dict:
    """One metric of one participant: the daily values; the baseline band p10 … p90 and median (sufficient
    baselines only); flagged days as ▲ (up) / ▼ (down) on the value; each episode as a shaded span from its
    start to its last alarm, and its recovery (first day back in band) as a green line.

    ``daily``: (days, values); ``band``: (days, medians, p10s, p90s) or None; ``flags``: [(direction, days,
    values)]; ``episodes``: [(metric, direction, start, end, n_days, peak_z, recovered_day or "",
    recovery_days)]; days as ISO strings."""
    hover = f"%{{y:.1f}} {unit}"
    band_days, medians, p10s, p90s = band or ([], [], [], [])
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "baseline p10",
            "x": band_days,
            "y": p10s,
            "line": {"width": 0},
            "showlegend": False,
            "hovertemplate": f"p10 {hover}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "baseline p10–p90",
            "x": band_days,
            "y": p90s,
            "fill": "tonexty",
            "fillcolor": BAND,
            "line": {"width": 0},
            "hovertemplate": f"p90 {hover}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "baseline median",
            "x": band_days,
            "y": medians,
            "line": {"color": "#555", "width": 1, "dash": "dash"},
            "hovertemplate": f"median {hover}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": f"{metric} ({unit})",
            "x": daily[0],
            "y": daily[1],
            "line": {"color": VALUE, "width": 1},
            "marker": {"size": 4, "color": VALUE},
            "hovertemplate": f"{hover}<extra></extra>",
        },
    ]
    styles = {"up": ("triangle-up", UP), "down": ("triangle-down", DOWN)}
    for direction, flag_days, flag_values in flags:
        symbol, colour = styles[direction]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"flagged {direction}",
                "x": flag_days,
                "y": flag_values,
                "marker": {"symbol": symbol, "size": 9, "color": colour},
                "hovertemplate": f"flagged {direction}<extra></extra>",
            }
        )
    shapes, annotations = [], []
    for _, direction, start, end, _, _, recovered, recovery_days in episodes:
        shapes.append(_span(start, end, EPISODE))
        label = "not yet back in band"
        if recovered:
            shapes.append(_vline(recovered, RECOVERED))
            label = f"back in band after {recovery_days:.0f} d"
        annotations.append(
            {
                "x": start,
                "y": 1,
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 10, "color": UP if direction == "up" else DOWN},
                "text": f"episode {direction}: {label}",
            }
        )
    return {"data": data, "layout": _layout(metric, unit, x_range, shapes=shapes, annotations=annotations)}


def _span(first: str, last: str, colour: str) -> dict:
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": first,
        "x1": last,
        "y0": 0,
        "y1": 1,
        "fillcolor": colour,
        "line": {"width": 0},
        "layer": "below",
    }


def _vline(x: str, colour: str) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "dash": "dot"},
    }


def questionnaire_figure(name: str, score_min: float, score_max: float, bands, scores, x_range=None) -> dict:
    """One instrument on its own scale (``score_min … score_max``) with its severity bands as labelled
    horizontal lines at their lower bounds, the scores, and reliable changes marked (☆, hover: the change).
    ``scores``: (days, scores, severities, changes, reliable flags, directions), one entry per administration."""
    x, score, severity, change, reliable, direction = scores
    marked = [k for k, r in enumerate(reliable) if r]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": f"{name} score",
            "x": x,
            "y": score,
            "text": severity,
            "line": {"color": VALUE, "width": 1},
            "marker": {"size": 7, "color": VALUE},
            "hovertemplate": "%{y:.0f} points (%{text})<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "reliable change",
            "x": [x[k] for k in marked],
            "y": [score[k] for k in marked],
            "text": [f"{direction[k]}: {change[k]:+.0f} points" for k in marked],
            "marker": {"symbol": "star", "size": 14, "color": "rgba(0,0,0,0)", "line": {"color": UP, "width": 2}},
            "hovertemplate": "reliable change, %{text}<extra></extra>",
        },
    ]
    shapes = [
        {
            "type": "line",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": lower,
            "y1": lower,
            "line": {"color": "#bbb", "width": 1, "dash": "dot"},
        }
        for lower, _ in bands
        if score_min < lower <= score_max
    ]
    annotations = [
        {
            "xref": "paper",
            "x": 1,
            "xanchor": "right",
            "y": lower,
            "yanchor": "bottom",
            "showarrow": False,
            "text": label,
            "font": {"size": 9, "color": "#888"},
        }
        for lower, label in bands
        if score_min <= lower <= score_max
    ]
    pad = (score_max - score_min) * 0.04
    layout = _layout(name, "points", x_range, shapes=shapes, annotations=annotations)
    layout["yaxis"]["range"] = [score_min - pad, score_max + pad]
    return {"data": data, "layout": layout}


def proxies_figure(proxies: dict, x_range=None) -> dict:
    """The participant's four proxy domains over time (sufficient days only), in robust SD from their own
    baseline: above 0 = more than usual in the direction the domain names. ``proxies``: domain → (days,
    scores)."""
    data = []
    for domain, colour in DOMAIN_COLOURS.items():
        x, y = proxies.get(domain, ([], []))
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": domain,
                "x": x,
                "y": y,
                "line": {"color": colour, "width": 1.5},
                "hovertemplate": f"{domain} %{{y:+.2f}} SD<extra></extra>",
            }
        )
    layout = _layout("proxy domains (robust SD from the person's own baseline)", "robust SD", x_range, height=300)
    layout["yaxis"]["zeroline"] = True
    return {"data": data, "layout": layout}


def cohort_heatmap(summary: pd.DataFrame, domains: list[str]) -> dict:
    """Participants × proxy domains now (each participant's latest sufficient score), most extreme first.
    ``summary``: participant_id and one ``<domain>_latest`` column per domain."""
    values = summary[[f"{d}_latest" for d in domains]].to_numpy(dtype="float64")
    return {
        "data": [
            {
                "type": "heatmap",
                "name": "proxy domains now",
                "x": domains,
                "y": summary["participant_id"].astype(str).tolist(),
                "z": [numbers(row) for row in values],
                "zmin": -3,
                "zmax": 3,
                "colorscale": "RdBu",  # plotly.js's RdBu runs blue (low) to red (high)
                "colorbar": {"title": {"text": "robust SD"}},
                "hovertemplate": "%{y} · %{x}: %{z:+.2f} SD<extra></extra>",
                "xgap": 1,
                "ygap": 1,
            }
        ],
        "layout": {
            "height": max(260, 80 + 18 * len(summary)),
            "margin": {"l": 110, "r": 20, "t": 30, "b": 60},
            "yaxis": {"autorange": "reversed", "type": "category"},
            "xaxis": {"side": "top", "type": "category"},
        },
    }

"""One participant's trajectory as a chart: per metric, the daily values against the personal baseline band,
flagged days and drift episodes; questionnaire scores on the same time axis. Pure rendering from frames
(matplotlib, headless); the data comes from analytics.duckdb (warehouse.published.participant_report_data).

Per metric panel:
    dots and a thin line       the daily values
    dark band                  baseline median ± scaled MAD (1.4826 × MAD) on each day
    light band                 baseline p10 … p90
    line                       the baseline median
    red triangles              flagged days (▲ up, ▼ down)
    shaded spans               episodes (runs of flagged days), labelled with their recovery time
Bottom panel: questionnaire scores per instrument (points at administration times).
"""

from __future__ import annotations

import io

import pandas as pd

from transforms import vocabulary

PREFERRED_ORDER = (
    "resting_hr_bpm",
    "hrv_rmssd_ms",
    "hrv_sdnn_ms",
    "sleep_minutes",
    "sleep_efficiency_pct",
    "sleep_midpoint_min",
    "sleep_regularity_sd_min",
    "steps",
    "active_minutes",
    "sedentary_minutes",
)
NOTE = "Behavioural and physiological baseline proxies — not neurochemical measurements, not a diagnosis."


def _metric_order(metrics) -> list[str]:
    present = list(dict.fromkeys(metrics))
    first = [m for m in PREFERRED_ORDER if m in present]
    return first + sorted(m for m in present if m not in first)


def render_participant_figure(participant_id: str, data: dict[str, pd.DataFrame]):
    """A matplotlib Figure; ``data``: daily (day, metric, value), baselines (day, metric, median, mad, p10,
    p90, sufficient), flags (day, metric, direction, value), episodes (metric, start_day, end_day, peak_z,
    recovery_days), scores (administered_at, instrument, score)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    daily, base, flags, episodes, scores = (data[k] for k in ("daily", "baselines", "flags", "episodes", "scores"))
    metrics = _metric_order(daily["metric"])
    units = {code: spec.unit for code, spec in vocabulary.metrics().items()}
    n_panels = len(metrics) + (1 if len(scores) else 0)
    fig, axes = plt.subplots(
        max(n_panels, 1), 1, figsize=(11, 2.1 * max(n_panels, 1) + 0.8), sharex=True, squeeze=False
    )
    axes = axes[:, 0]
    for ax, metric in zip(axes, metrics):
        d = daily[daily["metric"] == metric].sort_values("day")
        b = base[(base["metric"] == metric) & base["sufficient"]].sort_values("day")
        if len(b):
            ax.fill_between(
                b["day"], b["p10"], b["p90"], color="#9ecae1", alpha=0.35, linewidth=0, label="baseline p10–p90"
            )
            ax.fill_between(
                b["day"],
                b["median"] - b["mad"],
                b["median"] + b["mad"],
                color="#3182bd",
                alpha=0.35,
                linewidth=0,
                label="median ± scaled MAD",
            )
            ax.plot(b["day"], b["median"], color="#08519c", linewidth=1.0, label="baseline median")
        # the line breaks across missing days, so a gap never reads as a measured trend
        gaps = d.set_index("day")["value"].asfreq("D")
        ax.plot(gaps.index, gaps.to_numpy(), color="#444444", linewidth=0.5, alpha=0.6)
        ax.scatter(d["day"], d["value"], s=6, color="#222222", zorder=3, label="daily value")
        for k, ep in enumerate(episodes[episodes["metric"] == metric].itertuples()):
            ax.axvspan(
                ep.start_day,
                ep.end_day + pd.Timedelta(days=1),
                color="#fc9272",
                alpha=0.3,
                linewidth=0,
                label="episode",
            )
            label = "not back in band" if pd.isna(ep.recovery_days) else f"back in {ep.recovery_days:.0f} d"
            ax.annotate(
                label,
                (ep.start_day, 1.0 - 0.1 * (k % 2)),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                va="top",
                ha="left",
                color="#a50f15",
            )
        f = flags[flags["metric"] == metric]
        for direction, marker in (("up", "^"), ("down", "v")):
            sel = f[f["direction"] == direction]
            if len(sel):
                ax.scatter(
                    sel["day"],
                    sel["value"],
                    marker=marker,
                    s=28,
                    color="#de2d26",
                    zorder=4,
                    label=f"flagged ({direction})",
                )
        ax.set_ylabel(f"{metric}\n({units.get(metric, '')})", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.2)
    if len(scores):
        ax = axes[len(metrics)]
        for instrument, s in scores.sort_values("administered_at").groupby("instrument"):
            ax.plot(s["administered_at"], s["score"], marker="o", markersize=3, linewidth=1, label=instrument)
        ax.set_ylabel("questionnaire\nscore", fontsize=8)
        ax.legend(fontsize=7, loc="upper left", ncol=5)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.2)
    seen = {}
    for ax in axes[: len(metrics)]:
        handles, labels = ax.get_legend_handles_labels()
        seen.update({label: handle for label, handle in zip(labels, handles) if label not in seen})
    if seen:
        fig.legend(seen.values(), seen.keys(), loc="upper right", fontsize=7, ncol=4, frameon=False)
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    fig.suptitle(f"{participant_id}: daily values against the personal baseline", x=0.01, ha="left", fontsize=11)
    fig.text(0.01, 0.005, NOTE, fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.02, 1, 0.95))
    return fig


def render_participant_png(participant_id: str, data: dict[str, pd.DataFrame]) -> bytes:
    import matplotlib.pyplot as plt

    fig = render_participant_figure(participant_id, data)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()

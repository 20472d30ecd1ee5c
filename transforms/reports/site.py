"""The report site under ``$WELLNESS_HOME/reports/``: a cohort page (``index.html``: who is drifting now,
episodes this week, participants × proxy domains, data yield, links) and one page per participant
(``participants/<id>.html``: interactive charts of every metric against the personal baseline band with flags,
episodes and recovery; questionnaires on their own scales with reliable changes; the proxy domains).

Pure rendering from frames (warehouse.published.site_frames reads them from analytics.duckdb in bulk): page
texts, yielded with their paths, for the caller to write. Charts are plotly.js figures
(transforms/reports/figures.py) drawn by the site's one copy of plotly.js (``assets/plotly.min.js``, copied
from the plotly package: no CDN, works offline and from ``file://``); a standalone page (``wellness report
--out x.html``) carries the library inline instead.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from transforms import vocabulary
from transforms.reports.figures import CONFIG, cohort_heatmap, metric_figure, proxies_figure, questionnaire_figure
from transforms.reports.participant_chart import NOTE, PREFERRED_ORDER

PLOTLY_JS = "assets/plotly.min.js"
MIN_PANEL_POINTS = 7  # a metric with fewer values is listed in a table, not drawn in a panel of its own
MAX_HEATMAP_ROWS = 300
DOMAINS = ["autonomic_arousal", "sleep_circadian", "activity_drive", "mood_affect"]
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem 2rem;color:#222;max-width:1300px}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.8rem;border-bottom:1px solid #ccc}
nav a{margin-right:1rem}.note{color:#666;font-size:.82rem}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f3f3f3}
.kpi{display:inline-block;margin:0 1.6rem .6rem 0}.kpi b{font-size:1.35rem;display:block}
.up{color:#d93025}.down{color:#e37400}.chart{margin:.4rem 0 1rem}
td.num{text-align:right;font-variant-numeric:tabular-nums}
"""
LOADER = """<script>
const figures = JSON.parse(document.getElementById('figures').textContent);
const config = %s;
document.querySelectorAll('[data-figure]').forEach(function (div) {
  const f = figures[Number(div.dataset.figure)];
  Plotly.newPlot(div, f.data, f.layout, config);
});
</script>"""


def page_name(participant_id: str) -> str:
    """The participant page's file name: the id where it is a safe file name, else the id made safe plus a
    short hash of it (two ids never share a page)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", participant_id)
    if safe != participant_id or safe.startswith("."):
        safe = f"{safe.lstrip('.')}-{hashlib.sha256(participant_id.encode()).hexdigest()[:8]}"
    return f"{safe}.html"


def _e(value) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value))


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _table(frame: pd.DataFrame, cells) -> str:
    """``cells(row)`` → the row's ``<td>`` texts; the frame's rows are a page's summary rows (bounded)."""
    if frame.empty:
        return "<p class='note'>none</p>"
    head = "".join(f"<th>{_e(c)}</th>" for c in cells(None))
    rows = "".join(f"<tr>{''.join(cells(row))}</tr>" for row in frame.itertuples(index=False))
    return f"<table><tr>{head}</tr>{rows}</table>"


def _page(title: str, body: str, figures: list[dict], script: str) -> str:
    blob = json.dumps(figures, separators=(",", ":")).replace("</", "<\\/")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>
<style>{STYLE}</style>{script}</head><body>{body}
<script type="application/json" id="figures">{blob}</script>
{LOADER % json.dumps(CONFIG)}</body></html>"""


def _script_tag(prefix: str, inline_js: str | None) -> str:
    if inline_js is not None:
        return f"<script>{inline_js}</script>"
    return f'<script src="{prefix}{PLOTLY_JS}"></script>'


def _chart(figures: list[dict], figure: dict, label: str) -> str:
    figures.append(figure)
    return f"<div class='chart' data-figure='{len(figures) - 1}' aria-label='{_e(label)}'></div>"


def _metric_sort_key(metric: str) -> tuple:
    return (PREFERRED_ORDER.index(metric), "") if metric in PREFERRED_ORDER else (len(PREFERRED_ORDER), metric)


def participant_page(
    participant_id: str, person: dict, units: dict[str, str], prefix: str = "../", inline_js=None
) -> str:
    """One participant's page from their series (``person``, as :func:`by_participant` groups them: daily,
    baselines, flags, proxies, questionnaires, episodes, summary)."""
    figures: list[dict] = []
    daily, episodes = person["daily"], person["episodes"]
    all_days = [d for x, _ in daily.values() for d in (x[0], x[-1])]
    all_days += [d for x, *_ in person["questionnaires"].values() for d in (x[0], x[-1])]
    x_range = (min(all_days), max(all_days)) if all_days else None
    drawn = sorted((m for m, (x, _) in daily.items() if len(x) >= MIN_PANEL_POINTS), key=_metric_sort_key)
    panels = [
        _chart(
            figures,
            metric_figure(
                metric,
                units.get(metric, ""),
                daily[metric],
                person["baselines"].get(metric),
                person["flags"].get(metric, []),
                [e for e in episodes if e[0] == metric],
                x_range,
            ),
            metric,
        )
        for metric in drawn
    ]
    sparse = sorted((m, x, y) for m, (x, y) in daily.items() if len(x) < MIN_PANEL_POINTS)
    sparse_html = _rows(
        ["metric", "values", "last day", "last value"],
        [[_e(m), len(x), x[-1], f"{y[-1]:.1f} {_e(units.get(m, ''))}"] for m, x, y in sparse],
    )
    instruments = vocabulary.instruments()
    q_panels = [
        _chart(
            figures, questionnaire_figure(spec.name, spec.score_min, spec.score_max, spec.bands, scores, x_range), code
        )
        for code, scores in sorted(person["questionnaires"].items())
        if (spec := instruments.get(code)) is not None
    ]
    proxies = person["proxies"]
    proxy_html = (
        _chart(figures, proxies_figure(proxies, x_range), "proxy domains")
        if proxies
        else "<p class='note'>none yet</p>"
    )
    episode_html = _rows(
        ["metric", "direction", "start", "last alarm", "alarm days", "peak z", "back in band", "recovery"],
        [
            [
                _e(metric),
                f"<span class='{direction}'>{direction}</span>",
                start,
                end,
                n_days,
                f"{peak_z:+.1f}",
                recovered or "not yet",
                "" if recovery_days is None or np.isnan(recovery_days) else f"{recovery_days:.0f} d",
            ]
            for metric, direction, start, end, n_days, peak_z, recovered, recovery_days in episodes
        ],
    )
    facts = ""
    if person["summary"]:
        s = person["summary"]
        facts = "".join(
            f"<span class='kpi'><b>{_e(v)}</b>{_e(k)}</span>"
            for k, v in (
                ("last day", _day(s["last_day"])),
                ("days with signal (best source)", int(s["days_with_data"])),
                ("lowest data yield", "" if pd.isna(s["min_data_yield"]) else f"{s['min_data_yield']:.0%}"),
                ("episodes", int(s["episodes"])),
                ("open episodes", int(s["open_episodes"])),
            )
        )
    windows = vocabulary.windows()
    nav = f'<nav><a href="{prefix}index.html">← cohort</a><a href="{prefix}quality_report.html">data quality</a></nav>'
    body = f"""{nav if inline_js is None else ""}
<h1>{_e(participant_id)}</h1><p class="note">{_e(NOTE)} Drag to zoom, double-click to reset, hover for values.</p>
{facts}
<h2>Proxy domains</h2>{proxy_html}
<h2>Episodes</h2><p class="note">runs of ≥ {windows.min_flag_days} days the drift detector flagged;
start = the detector's estimated change day; back in band = the first of 3 measured days inside the baseline's
p10 … p90 after the last alarm</p>{episode_html}
<h2>Metrics</h2><p class="note">blue: daily values; band: baseline p10 … p90 (dashed: its median) over the
{windows.baseline_days} days before the recent {windows.recent_days}; ▲/▼ flagged days; shaded: episodes; green
dotted: back in band</p>{"".join(panels) or "<p class='note'>none</p>"}
<h3>Metrics with fewer than {MIN_PANEL_POINTS} values</h3>{sparse_html}
<h2>Questionnaires</h2><p class="note">each on its own scale, dotted lines at its severity bands; ☆ a reliable
change from the previous administration</p>{"".join(q_panels) or "<p class='note'>none</p>"}"""
    return _page(f"{participant_id} · wellness baselines", body, figures, _script_tag(prefix, inline_js))


def _rows(header: list[str], rows: list[list]) -> str:
    """A small table of already-escaped cell texts."""
    if not rows:
        return "<p class='note'>none</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def cohort_page(frames: dict[str, pd.DataFrame], generated_at, pages: dict[str, str]) -> str:
    """The cohort page (``index.html``). ``frames``: summary (participant_summary), flagged_now (latest_drift's
    flagged rows), episodes_week (episodes touching the last 7 days); ``pages``: participant id → page path."""
    summary, flagged, week = frames["summary"], frames["flagged_now"], frames["episodes_week"]
    as_of = _day(summary["last_day"].max()) if len(summary) else ""
    figures: list[dict] = []

    def link(pid) -> str:
        return f"<a href='{_e(pages[pid])}'>{_e(pid)}</a>" if pid in pages else _e(pid)

    drifting = (
        flagged.assign(label=flagged["metric"] + " " + flagged["direction"], size=flagged["recent_z"].abs())
        .groupby("participant_id")
        .agg(metrics=("label", lambda s: ", ".join(sorted(s))), largest=("size", "max"), since=("change_day", "min"))
        .reset_index()
        .sort_values("largest", ascending=False)
        if len(flagged)
        else pd.DataFrame(columns=["participant_id", "metrics", "largest", "since"])
    )
    drifting_html = _table(
        drifting,
        lambda r: (
            ["participant", "flagged now", "largest |recent z|", "since (estimated)"]
            if r is None
            else [
                f"<td>{link(r.participant_id)}</td>",
                f"<td>{_e(r.metrics)}</td>",
                f"<td class='num'>{r.largest:.1f}</td>",
                f"<td>{_day(r.since)}</td>",
            ]
        ),
    )
    week_html = _table(
        week.sort_values(["start_day", "participant_id"]),
        lambda r: (
            ["participant", "metric", "direction", "start", "last alarm", "back in band"]
            if r is None
            else [
                f"<td>{link(r.participant_id)}</td>",
                f"<td>{_e(r.metric)}</td>",
                f"<td class='{r.direction}'>{_e(r.direction)}</td>",
                f"<td>{_day(r.start_day)}</td>",
                f"<td>{_day(r.end_day)}</td>",
                f"<td>{_day(r.recovered_day) or 'not yet'}</td>",
            ]
        ),
    )
    domain_columns = [f"{d}_latest" for d in DOMAINS]
    extremity = summary[domain_columns].abs().max(axis=1).fillna(0) if len(summary) else pd.Series(dtype=float)
    ranked = summary.assign(_x=extremity).sort_values(["_x", "participant_id"], ascending=[False, True])
    heat = ranked[ranked[domain_columns].notna().any(axis=1)].head(MAX_HEATMAP_ROWS)
    heat_html = (
        _chart(figures, cohort_heatmap(heat, DOMAINS), "participants by proxy domain")
        if len(heat)
        else "<p class='note'>no sufficient proxy scores yet</p>"
    )
    flagged_count = drifting.set_index("participant_id")["metrics"] if len(drifting) else pd.Series(dtype=str)
    everyone = summary.assign(_flag=summary["participant_id"].isin(flagged_count.index)).sort_values(
        ["_flag", "participant_id"], ascending=[False, True]
    )

    def domain_cell(value) -> str:
        if pd.isna(value):
            return "<td></td>"
        alpha = min(abs(float(value)) / 3, 1) * 0.6
        colour = f"rgba(217,48,37,{alpha:.2f})" if value > 0 else f"rgba(26,115,232,{alpha:.2f})"
        return f"<td class='num' style='background:{colour}'>{value:+.1f}</td>"

    everyone_html = _table(
        everyone,
        lambda r: (
            ["participant", "last day", "days with signal", "lowest yield", *DOMAINS, "flagged now", "open episodes"]
            if r is None
            else [
                f"<td>{link(r.participant_id)}</td>",
                f"<td>{_day(r.last_day)}</td>",
                f"<td class='num'>{r.days_with_data}</td>",
                f"<td class='num'>{'' if pd.isna(r.min_data_yield) else f'{r.min_data_yield:.0%}'}</td>",
                *(domain_cell(getattr(r, c)) for c in domain_columns),
                f"<td>{_e(flagged_count.get(r.participant_id, ''))}</td>",
                f"<td class='num'>{r.open_episodes}</td>",
            ]
        ),
    )
    low_yield = int((summary["min_data_yield"] < 0.5).sum()) if len(summary) else 0
    kpis = "".join(
        f"<span class='kpi'><b>{_e(v)}</b>{_e(k)}</span>"
        for k, v in (
            ("participants", len(summary)),
            ("data up to", as_of),
            ("drifting now", len(drifting)),
            ("episodes this week", len(week)),
            ("lowest yield < 50 %", low_yield),
        )
    )
    body = f"""<nav><a href="index.html">cohort</a><a href="quality_report.html">data quality</a></nav>
<h1>Cohort</h1><p class="note">{_e(NOTE)} Generated {generated_at:%Y-%m-%d %H:%M} UTC from analytics.duckdb.</p>
{kpis}
<h2>Drifting now</h2><p class="note">participants with a metric the drift detector flags on their latest day</p>{drifting_html}
<h2>Episodes this week</h2><p class="note">episodes with an alarm in the 7 days up to {as_of}</p>{week_html}
<h2>Proxy domains now</h2><p class="note">each participant's latest sufficient score per domain, in robust SD from
their own baseline (red: above, blue: below); the {len(heat)} most extreme shown, hover for values</p>{heat_html}
<h2>Participants</h2>{everyone_html}"""
    return _page("Cohort · wellness baselines", body, figures, _script_tag("", None))


def by_participant(series: dict[str, list[tuple]], summary: pd.DataFrame) -> dict[str, dict]:
    """The site's series rows (warehouse.published.site_data: participant first, sorted by it) grouped per
    participant: daily/baselines/proxies/questionnaires as key → lists, flags as metric → [(direction, days,
    values)], episodes as a list of rows, summary as the participant_summary row (a dict)."""
    people: dict[str, dict] = {
        pid: {
            "daily": {},
            "baselines": {},
            "flags": {},
            "proxies": {},
            "questionnaires": {},
            "episodes": [],
            "summary": row,
        }
        for pid, row in zip(summary["participant_id"].astype(str), summary.to_dict("records"))
    }
    for name in ("daily", "baselines", "proxies", "questionnaires"):
        for pid, key, *lists in series[name]:
            people[pid][name][key] = tuple(lists)
    for pid, metric, direction, x, y in series["flags"]:
        people[pid]["flags"].setdefault(metric, []).append((direction, x, y))
    for pid, *episode in series["episodes"]:
        people[pid]["episodes"].append(tuple(episode))
    return people


def site_pages(
    frames: dict[str, pd.DataFrame], series: dict[str, list[tuple]], generated_at, pages_for: list[str] | None = None
) -> Iterator[tuple[str, str]]:
    """Every page of the site as (path relative to the reports folder, HTML text): the participant pages
    (everyone's, or ``pages_for``'s), then ``index.html``. ``frames`` and ``series`` as
    warehouse.published.site_data returns them."""
    units = dict(zip(frames["metrics"]["metric"], frames["metrics"]["unit"]))
    summary = frames["summary"]
    if pages_for is not None:
        summary = summary[summary["participant_id"].isin(pages_for)]
    pages = {}
    for pid, person in by_participant(series, summary).items():  # one page per person
        path = f"participants/{page_name(pid)}"
        pages[pid] = path
        yield path, participant_page(pid, person, units)
    yield "index.html", cohort_page(frames, generated_at, pages)


def plotly_js() -> Path:
    """The plotly.js bundle of the installed plotly package (copied once into the site)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

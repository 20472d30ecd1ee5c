"""The data-quality report: a static HTML page an engineer opens to see why a day or a participant is
missing. Pure rendering from DataFrames (``warehouse.quality_report.report_data``); no JavaScript, no
network, no raw record text (quarantined values stay in quality.quarantine).

Problems first: 1 summary; 2 problems (failed files, failing checks, blocked partitions, participants with
low data yield); then the details: 3 coverage over time (weekly share of days with usable signal, worst
participants first, with week labels and a legend); 4 quarantine by file and reason; 5 participants; 6 every
check's latest result; 7 every landing file (collapsed) and schema drift notes. Dates are written as dates.
"""

from __future__ import annotations

import datetime as dt
import html
import json

import pandas as pd

MAX_ROWS = 500
MAX_HEATMAP_PARTICIPANTS = 150
STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1400px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.bad{background:#fde2e2}.warn{background:#fff4d6}.ok{background:#e6f4ea}
.kpi{display:inline-block;margin:0 1.5rem .5rem 0}.kpi b{font-size:1.3rem;display:block}
.heat td{width:14px;height:14px;padding:0;border:1px solid #fff}.note{color:#666;font-size:.8rem}
.heat th.week{font-weight:normal;font-size:.7rem;text-align:left;white-space:nowrap;padding:0 2px}
.legend span{display:inline-block;width:28px;height:12px;margin-right:2px;vertical-align:middle}
details>summary{cursor:pointer;margin:.5rem 0;font-weight:600}.allgood{color:#188038}
"""


def _cell(value) -> str:
    """A table cell's text: dates as dates (a timestamp at midnight is a day), times to the minute."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}".removesuffix(".0")
    return str(value)


def _table(frame: pd.DataFrame, row_class=None) -> str:
    if frame.empty:
        return "<p class='note'>none</p>"
    shown = frame.head(MAX_ROWS)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for _, row in shown.iterrows():  # rendering at most MAX_ROWS rows
        cls = f" class='{row_class(row)}'" if row_class else ""
        cells = "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row)
        rows.append(f"<tr{cls}>{cells}</tr>")
    more = f"<p class='note'>{len(frame) - MAX_ROWS:,} more rows in the warehouse</p>" if len(frame) > MAX_ROWS else ""
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{more}"


def _heatmap(weekly: pd.DataFrame, participants: pd.DataFrame) -> str:
    if weekly.empty:
        return "<p class='note'>no data</p>"
    lowest = (
        participants.groupby("participant_id")["data_yield"]
        .min()
        .reset_index()
        .sort_values(["data_yield", "participant_id"])
    )  # the order report_weekly_yield.sql picks them in
    order = pd.Index(lowest["participant_id"].head(MAX_HEATMAP_PARTICIPANTS))
    grid = weekly.pivot_table(index="participant_id", columns="week", values="share").reindex(order)
    weeks = list(grid.columns)
    labels = "".join(
        f"<th class='week' colspan='{min(4, len(weeks) - k)}'>{pd.Timestamp(weeks[k]):%Y-%m-%d}</th>"
        for k in range(0, len(weeks), 4)
    )
    rows = []
    for pid, values in grid.iterrows():
        cells = "".join(
            f"<td title='week of {pd.Timestamp(w):%Y-%m-%d}: {0 if pd.isna(v) else v:.0%}' "
            f"style='background:rgba(26,115,232,{0 if pd.isna(v) else min(float(v), 1):.2f})'></td>"
            for w, v in zip(weeks, values)
        )
        rows.append(f"<tr><th>{html.escape(str(pid))}</th>{cells}</tr>")
    legend = "".join(
        f"<span style='background:rgba(26,115,232,{share:.2f})' title='{share:.0%}'></span>"
        for share in (0, 0.25, 0.5, 0.75, 1)
    )
    return (
        f"<p class='note legend'>share of the week's days with usable signal: 0 % {legend} 100 %; "
        f"{len(order)} participants with the lowest yield shown, one column per week (hover for the value)</p>"
        f"<table class='heat'><tr><th></th>{labels}</tr>{''.join(rows)}</table>"
    )


def render_quality_page(data: dict[str, pd.DataFrame], generated_at: dt.datetime, title: str = "Data quality") -> str:
    files, quarantine, participants = data["files"], data["quarantine"], data["participants"]
    checks, blocked = data["checks"], data["blocked"]
    failing = checks[~checks["passed"].astype(bool)] if len(checks) else checks
    drift_notes = files[files["message"].fillna("").str.contains("schema drift")] if len(files) else files
    failed_files = files[files["status"] == "failed"] if len(files) else files
    kpis = {
        "files": len(files),
        "failed files": len(failed_files),
        "records read": int(files["rows_read"].sum()) if len(files) else 0,
        "accepted": int(files["rows_accepted"].sum()) if len(files) else 0,
        "quarantined": int(files["rows_quarantined"].sum()) if len(files) else 0,
        "participants": participants["participant_id"].nunique() if len(participants) else 0,
        "failing checks": len(failing),
        "blocked partitions": len(blocked),
        "schema drift": len(drift_notes),
    }
    kpi_html = "".join(f"<span class='kpi'><b>{v:,}</b>{html.escape(k)}</span>" for k, v in kpis.items())
    if len(checks):
        checks = checks.assign(failing_days=checks["failing_days"].map(_days_text))
        failing = checks[~checks["passed"].astype(bool)]
    low_yield = participants[participants["data_yield"] < 0.5] if len(participants) else participants
    problems = len(failed_files) + len(failing) + len(blocked) + len(low_yield)
    verdict = (
        "<p class='allgood'>No problems: every file was read, every check passed, no day is blocked and every "
        "participant·source has usable signal on at least half its days.</p>"
        if problems == 0
        else ""
    )
    check_class = lambda r: "ok" if r["passed"] else ("bad" if r["severity"] == "ERROR" else "warn")  # noqa: E731
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<nav><a href="index.html">cohort</a></nav>
<h1>{html.escape(title)}</h1><p class='note'>generated {generated_at:%Y-%m-%d %H:%M} UTC · behavioural and
physiological proxies, not diagnoses</p>
<h2>1 Summary</h2>{kpi_html}
<h2>2 Problems</h2>{verdict}
<h3>Failed files ({len(failed_files)})</h3><p class='note'>files that could not be read (the stage and cause are in
the message); each is retried on the next run</p>
{_table(failed_files[["path", "source_format", "message"]] if len(failed_files) else failed_files, lambda r: "bad")}
<h3>Failing checks ({len(failing)})</h3><p class='note'>the latest result of each check that failed, with its failing
days</p>{_table(failing, check_class)}
<h3>Blocked partitions ({len(blocked)})</h3><p class='note'>days that failed an ERROR check, or whose upstream day did:
not built downstream, their earlier rows kept</p>{_table(blocked)}
<h3>Participants with low data yield ({len(low_yield)})</h3><p class='note'>participant·sources with usable signal on
fewer than half the days of their span</p>{_table(low_yield, lambda r: "bad")}
<h2>3 Coverage over time</h2>{_heatmap(data["weekly_yield"], participants)}
<h2>4 Quarantine by file and reason</h2>{_table(quarantine)}
<h2>5 Participants</h2><p class='note'>data_yield = days with usable signal / days from first to last day, per
source; low_coverage_days are left out of baselines</p>{_table(participants, lambda r: "bad" if r["data_yield"] < 0.5 else "")}
<h2>6 All checks</h2>{_table(checks, check_class)}
<h2>7 Files</h2>
<details><summary>All {len(files):,} landing files</summary><p class='note'>rows_read = accepted + quarantined + empty
(vendor no-data marks) + ignored (record types not used)</p>
{_table(files, lambda r: {"failed": "bad", "unsupported": "warn"}.get(r["status"], ""))}</details>
<h3>Schema drift</h3>{_table(drift_notes[["path", "source_format", "status", "message"]] if len(drift_notes) else drift_notes)}
</body></html>"""


def _days_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    days = json.loads(value) if isinstance(value, str) else value
    items = sorted(days.items())
    text = ", ".join(f"{d} ({n})" for d, n in items[:10])
    return text + (f" … +{len(items) - 10} days" if len(items) > 10 else "")

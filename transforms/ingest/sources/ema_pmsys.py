"""PMSys-style daily wellness EMA (``wellness.csv``), one participant per file:
``effective_time_frame`` (UTC, ``2019-11-01T08:37:58.877Z``, or any other spelling of ``transforms.ingest.dates``),
``fatigue``, ``mood``, ``readiness``,
``sleep_duration_h``, ``sleep_quality``, ``soreness``, ``soreness_area``, ``stress``.

Metrics (native PMSys scales: readiness 0–10, the others 1–5): ``ema_fatigue``, ``ema_mood``, ``ema_readiness``,
``ema_sleep_quality``, ``ema_soreness``, ``ema_stress``, ``ema_sleep_duration_h``. The report's local day and
time come from the participant's time zone (participants.csv ``timezone``). Several entries on one day: the
latest one counts (metrics.toml ``aggregation = "last"``: a later entry corrects an earlier one); all entries
stay in staging.observations. An exactly repeated entry is quarantined.
"""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings, utc_to_local

FORMAT = "ema_pmsys"
SCOPE = "person"
USES_LANDING_CONFIG = True
FIELDS = {
    "fatigue": "ema_fatigue",
    "mood": "ema_mood",
    "readiness": "ema_readiness",
    "sleep_quality": "ema_sleep_quality",
    "soreness": "ema_soreness",
    "stress": "ema_stress",
    "sleep_duration_h": "ema_sleep_duration_h",
}
KNOWN_COLUMNS = ["effective_time_frame", *FIELDS, "soreness_area"]


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS, share=0.5, at_least=4)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, ["effective_time_frame"], FORMAT, KNOWN_COLUMNS)
    frame = table.frame
    chk = RecordChecker(frame)
    local = utc_to_local(chk.utc("effective_time_frame"), ctx.timezone)
    values = {metric: chk.number(col, required=False) for col, metric in FIELDS.items() if col in frame}
    base = frame[["_locator"]].assign(day=local.dt.normalize(), _t=frame["effective_time_frame"])
    return csv_result(table, chk, ["_t"], base, values, FORMAT, ctx.source_file, observed_at=local)

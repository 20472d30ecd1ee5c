"""PMSys session RPE (``pmsys/srpe.csv``), one participant per file: ``end_date_time`` (UTC,
``2019-11-05T22:51:54.710Z``), ``activity_names`` (``['individual', 'running']``), ``perceived_exertion``
(Borg CR-10, 0–10) and ``duration_min``.

Metric ``training_load_au``: the session-RPE training load of Foster et al. (2001, "A new approach to
monitoring exercise training", J Strength Cond Res 15:109–115),

    load = perceived_exertion × duration_min      (arbitrary units, AU)

per session, summed over the sessions that end on a local day (participants.csv ``timezone``; metrics.toml
``aggregation = "sum"``). A session whose exertion is outside 0–10, or whose duration is negative or longer
than a day, is quarantined with the reason; so is an exactly repeated session.
"""

from __future__ import annotations

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import RecordChecker, csv_result, has_columns_of, read_csv_strings, utc_to_local

FORMAT = "pmsys_srpe"
SCOPE = "person"
USES_LANDING_CONFIG = True  # the participant's time zone
REQUIRED = ["end_date_time", "perceived_exertion", "duration_min"]
KNOWN_COLUMNS = REQUIRED + ["activity_names"]


def detect(name: str, head: str) -> bool:
    return has_columns_of(head, KNOWN_COLUMNS, share=0.75, at_least=3)


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, REQUIRED, FORMAT, KNOWN_COLUMNS)
    frame = table.frame
    chk = RecordChecker(frame)
    ended = utc_to_local(chk.utc("end_date_time"), ctx.timezone)
    rpe = chk.number("perceived_exertion", lo=0, hi=10)  # the CR-10 scale
    minutes = chk.number("duration_min", lo=0, hi=24 * 60)
    base = frame[["_locator"]].assign(
        day=ended.dt.normalize(), _t=frame["end_date_time"].str.strip(), _a=frame.get("activity_names", "")
    )
    return csv_result(
        table, chk, ["_t", "_a"], base, {"training_load_au": rpe * minutes}, FORMAT, ctx.source_file, observed_at=ended
    )

"""Export formats. Each module exposes the same small interface:

* ``FORMAT``: the format's name (``source`` in the tables);
* ``SCOPE``: ``"person"`` (one participant per file, the landing folder names them) or ``"cohort"``
  (rows carry a vendor account id, mapped through participants.csv; ``ACCOUNT_SOURCE`` names the
  account family there);
* ``detect(name, head) -> bool``: recognises the format from the file's first bytes (and name);
* ``READS_PARQUET`` (optional, True): the module also reads Parquet copies of its CSV tables, and ``detect`` is
  offered their column names as a header line;
* ``parse(source, ctx) -> ParseResult`` or an iterator of ``ParseResult`` chunks (large formats):
  canonical records plus rejected records with reasons; ``source`` is a ``transforms.ingest.inputs.LandingFile``
  and ``ctx`` a ``transforms.ingest.parse.ParseContext``.

Adding a format is one module here plus its tests, and one line in ``FORMATS``.
"""

from __future__ import annotations

from types import ModuleType

from transforms.ingest.errors import MalformedFile
from transforms.ingest.sources import (
    _parquet_rows,
    apple_health,
    apple_health_cda,
    ema_pmsys,
    export_readme,
    fitabase_daily_activity,
    fitabase_intraday,
    fitabase_minute_steps,
    fitabase_sleep_day,
    fitabase_weight,
    fitbit_google_daily_csv,
    fitbit_google_heart_rate,
    fitbit_google_sleep,
    fitbit_takeout_daily_csv,
    fitbit_takeout_exercise,
    fitbit_takeout_heart_rate,
    fitbit_takeout_hr_zones,
    fitbit_takeout_hrv,
    fitbit_takeout_resting_hr,
    fitbit_takeout_series,
    fitbit_takeout_sleep,
    fitbit_takeout_sleep_score,
    fitbit_takeout_vo2max,
    garmin_daily_summary,
    garmin_health_status,
    garmin_other,
    garmin_sleep,
    google_fit_daily,
    google_fit_other,
    google_fit_streams,
    oura_api_json,
    oura_app_csv,
    oura_sleep_csv,
    oura_v1_json,
    pmdata_daily_report,
    pmsys_injury,
    pmsys_srpe,
    psqi_csv,
    questionnaire_csv,
    questionnaire_text_csv,
    redcap_dictionary,
    samsung_heart_rate,
    samsung_other,
    samsung_sleep,
    samsung_steps,
    samsung_stress,
    studentlife_ema,
    whoop_csv,
    withings_sleep,
)

FORMATS: tuple[ModuleType, ...] = (
    apple_health,
    apple_health_cda,
    fitabase_intraday,  # before daily activity: dailyIntensities shares most of its columns
    fitabase_minute_steps,
    fitabase_daily_activity,
    fitabase_sleep_day,
    fitabase_weight,
    fitbit_takeout_resting_hr,
    fitbit_takeout_sleep,
    fitbit_takeout_hrv,
    fitbit_takeout_sleep_score,
    fitbit_takeout_series,
    fitbit_takeout_exercise,
    fitbit_takeout_hr_zones,
    fitbit_takeout_heart_rate,
    fitbit_takeout_daily_csv,
    fitbit_google_daily_csv,
    fitbit_google_heart_rate,
    fitbit_google_sleep,
    fitbit_takeout_vo2max,
    questionnaire_csv,
    psqi_csv,
    questionnaire_text_csv,
    oura_v1_json,
    oura_api_json,
    oura_sleep_csv,
    oura_app_csv,
    whoop_csv,
    withings_sleep,
    google_fit_daily,
    google_fit_streams,
    google_fit_other,
    garmin_sleep,
    garmin_daily_summary,
    garmin_health_status,
    garmin_other,
    samsung_heart_rate,
    samsung_steps,
    samsung_sleep,
    samsung_stress,
    samsung_other,
    ema_pmsys,
    pmsys_srpe,
    pmsys_injury,
    pmdata_daily_report,
    studentlife_ema,
    redcap_dictionary,
    export_readme,
)


def detect(source) -> ModuleType | None:
    """The format module whose ``detect`` accepts the input's content (a ``LandingFile``), or None. A Parquet file
    is offered, as the header line of its column names, to the modules that read Parquet copies of their tables
    (``READS_PARQUET``); one that none accepts, or whose footer cannot be read, goes to the first of them, whose
    parse fails it naming its columns or the fault."""
    head = source.head()
    if _parquet_rows.is_parquet(head):
        readers = [m for m in FORMATS if getattr(m, "READS_PARQUET", False)]
        try:
            header = ",".join(_parquet_rows.column_names(source))
        except MalformedFile:
            return readers[0]
        return next((m for m in readers if m.detect(source.name, header)), readers[0])
    for module in FORMATS:
        if module.detect(source.name, head):
            return module
    return None


def by_name(name: str) -> ModuleType:
    for module in FORMATS:
        if name == module.FORMAT:
            return module
    raise KeyError(name)

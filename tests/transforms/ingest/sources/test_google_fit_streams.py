"""Google Fit Takeout "All Data" streams: one stream per type counts (estimated steps, the merged others), nanosecond UTC times on the
participant's clock, and the days agree with the Takeout's own daily summary."""

import json

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.samples import DailyFromSamples
from transforms.ingest.sources import google_fit_daily, google_fit_other, google_fit_streams

FIT = "google_fit_takeout_all_data"
ZONE = "Asia/Kolkata"  # the phone's +05:30


def _streams():
    return sorted((realdata(FIT) / "Takeout" / "Fit" / "All Data").glob("*.json"))


def _daily_from(path, zone=ZONE) -> pd.DataFrame:
    result = parse(google_fit_streams, path, f"p/{path.name}", timezone=zone)
    daily = DailyFromSamples(google_fit_streams.FORMAT, "p/x")
    daily.add(result.samples.assign(participant_id="p"))
    return daily.finish()


@pytest.mark.realdata
def test_the_step_and_heart_minute_streams_read_give_the_daily_summary_s_days():
    summary = parse(google_fit_daily, realdata(FIT) / "Takeout/Fit/Daily activity metrics/Daily activity metrics.csv")
    expected = summary.observations.pivot_table(index="day", columns="metric", values="value")
    got = {}
    for path in _streams():
        head = path.read_text()[:300]
        assert sources.detect(plain_file(path, f"p/{path.name}")) is google_fit_streams
        if "estimated_steps" in head or "merge_heart_minutes" in head:
            daily = _daily_from(path)
            got.update({(d, m): v for d, m, v in daily[["day", "metric", "value"]].itertuples(index=False)})
    for metric in ("steps", "active_minutes"):
        mine = pd.Series({pd.Timestamp(d): v for (d, m), v in got.items() if m == metric}).sort_index()
        theirs = expected[metric].dropna()
        theirs.index = pd.DatetimeIndex(theirs.index).as_unit("ns")
        assert list(mine.index) == list(theirs.index) and len(mine) >= 20
        full_days = mine.index[:-1]  # the summary was written during its last day; the streams ran on
        assert (mine[full_days] == theirs[full_days]).all(), metric


@pytest.mark.realdata
def test_device_and_estimated_streams_of_a_merged_type_are_ignored_other_types_too():
    by_source = {}
    for path in _streams():
        doc = json.loads(path.read_text())
        result = parse(google_fit_streams, path, f"p/{path.name}", timezone=ZONE)
        by_source[doc["Data Source"]] = (result, len(doc["Data Points"]))
    device = next(v for k, v in by_source.items() if "step_count.delta" in k and k.endswith("top_level"))
    merged = next(v for k, v in by_source.items() if k.endswith("merge_step_deltas"))
    speed = next(v for k, v in by_source.items() if "com.google.speed" in k)
    for result, n in (device, merged, speed):
        assert result.n_ignored == result.n_records == n > 0 and result.samples.empty
    assert "the estimated_steps stream is the one read" in device[0].notes[0]


@pytest.mark.realdata
def test_per_day_interval_csvs_and_sessions_are_ignored():
    fit = realdata(FIT) / "Takeout" / "Fit"
    for path in [
        *sorted((fit / "Daily activity metrics").glob("2025-*.csv"))[:2],
        *sorted((fit / "All Sessions").glob("*.json")),
    ]:
        assert sources.detect(plain_file(path, f"p/{path.name}")) is google_fit_other
        result = parse(google_fit_other, path, f"p/{path.name}")
        assert result.n_ignored == result.n_records > 0


def _stream(data_type: str, stream: str, points: list) -> dict:
    return {"Data Source": f"derived:{data_type}:com.google.android.gms:{stream}", "Data Points": points}


def _point(data_type: str, start_ns: int, end_ns: int, value: dict) -> dict:
    return {
        "fitValue": [{"value": value}],
        "dataTypeName": data_type,
        "startTimeNanos": start_ns,
        "endTimeNanos": end_ns,
    }


NS = 1_000_000_000


def test_heart_rate_and_sleep_segments_from_their_merged_streams(tmp_path):
    t0 = int(pd.Timestamp("2025-02-01 18:30:00", tz="UTC").value)  # 00:00 on 2 February in Kolkata
    hr = _stream(
        "com.google.heart_rate.bpm",
        "merge_heart_rate_bpm",
        [
            _point("com.google.heart_rate.bpm", t0 + k * 60 * NS, t0 + k * 60 * NS, {"fpVal": 60.0 + k})
            for k in range(30)
        ],
    )
    hr["Data Points"].append(
        {"dataTypeName": "com.google.heart_rate.bpm", "startTimeNanos": "soon", "endTimeNanos": 1, "fitValue": []}
    )
    hr["Data Points"].append(  # beyond any datetime (found by fuzzing: it once overflowed the conversion)
        _point("com.google.heart_rate.bpm", t0, 1e308, {"fpVal": 61.0})
    )
    path = tmp_path / "derived_com.google.heart_rate.bpm_com.google.json"
    path.write_text(json.dumps(hr))
    result = parse(google_fit_streams, path, "p/hr.json", timezone=ZONE)
    assert len(result.samples) == 30 and str(result.samples["start"].iloc[0]) == "2025-02-02 00:00:00"
    assert result.samples["utc_offset_min"].iloc[0] == 330 and result.rejects["locator"].tolist() == [
        "$['Data Points'][30]",
        "$['Data Points'][31]",
    ]
    daily = _daily_from(path).set_index("metric")
    assert daily.loc["heart_rate_mean_bpm", "value"] == pytest.approx(60 + 14.5)

    bed = int(pd.Timestamp("2025-02-01 17:00:00", tz="UTC").value)  # 22:30 local
    segments = [(0, 15, 1), (15, 200, 4), (200, 290, 5), (290, 380, 6), (380, 400, 1), (400, 410, 3), (410, 470, 2)]
    sleep = _stream(
        "com.google.sleep.segment",
        "merged",
        [
            _point("com.google.sleep.segment", bed + a * 60 * NS, bed + b * 60 * NS, {"intVal": t})
            for a, b, t in segments
        ],
    )
    path = tmp_path / "derived_com.google.sleep.segment_com.google.an.json"
    path.write_text(json.dumps(sleep))
    night = _daily_from(path).set_index("metric")["value"]
    asleep = (200 - 15) + (290 - 200) + (380 - 290) + (470 - 410)  # light, deep, REM and plain sleep; not out of bed
    assert night["sleep_minutes"] == asleep
    assert night["sleep_efficiency_pct"] == pytest.approx(100 * asleep / 470)
    assert night["sleep_midpoint_min"] == pytest.approx(-90 + 235)  # 22:30 + 235 min

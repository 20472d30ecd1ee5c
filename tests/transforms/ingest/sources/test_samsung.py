"""Samsung Health "download personal data" CSVs: metadata line, trailing commas, per-row time_offset."""

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest import sources
from transforms.ingest.inputs import plain_file
from transforms.ingest.sources import samsung_heart_rate, samsung_other, samsung_sleep, samsung_steps, samsung_stress

SAMSUNG = "samsung_health_vnegi10"


def _real(pattern: str):
    return next(realdata(SAMSUNG).rglob(pattern))


def _samsung_frame(path) -> pd.DataFrame:
    """The file as pandas reads it, for reference: metadata line skipped, trailing comma dropped."""
    frame = pd.read_csv(path, skiprows=1, index_col=False, dtype=str)
    frame.columns = [c.rsplit(".", 1)[-1] if c.startswith("com.samsung.") else c for c in frame.columns]
    return frame


@pytest.mark.realdata
def test_real_heart_rate_readings_on_the_local_clock_with_line_numbers():
    path = _real("*tracker.heart_rate*.csv")
    assert sources.detect(plain_file(path, "p/x.csv")) is samsung_heart_rate
    reference = _samsung_frame(path)
    result = parse(samsung_heart_rate, path, "p/hr.csv")
    assert result.n_records == len(reference) == len(result.samples) and result.rejects.empty
    first = result.samples.iloc[0]  # 2018-05-05 15:42:31.287 UTC, UTC+0200 → 17:42:31 local
    assert str(first["start"]) == "2018-05-05 17:42:31" and first["utc_offset_min"] == 120
    assert first["value"] == float(reference["heart_rate"].iloc[0]) == 67
    assert result.samples["locator"].iloc[0] == "line 3"  # line 1 metadata, line 2 header
    india = result.samples[result.samples["utc_offset_min"] == 330]
    assert len(india) > 0  # UTC+0530 rows keep their own offset


@pytest.mark.realdata
def test_real_step_summaries_one_count_per_day_merged_total_first():
    path = _real("*pedometer_day_summary*.csv")
    assert sources.detect(plain_file(path, "p/x.csv")) is samsung_steps
    reference = _samsung_frame(path)
    reference["day"] = pd.to_datetime(reference["day_time"].astype("int64"), unit="ms")
    reference["steps"] = reference["step_count"].astype(int)
    reference["merged"] = reference["source_info"].notna()
    result = parse(samsung_steps, path, "p/steps.csv")
    steps = result.observations.set_index("day")["value"]
    assert len(steps) == reference["day"].nunique() == 1507
    assert result.n_ignored == len(reference) - 1507 and result.rejects.empty
    expected = reference.sort_values(["day", "merged", "steps"], ascending=[True, False, False]).drop_duplicates("day")
    assert (steps.sort_index().to_numpy() == expected.set_index("day")["steps"].sort_index().to_numpy()).all()
    assert steps["2018-05-05"] == 24  # phone and merged rows agree on 24 steps: counted once


@pytest.mark.realdata
def test_real_floors_file_is_ignored_by_type():
    path = _real("*floors_climbed*.csv")
    assert sources.detect(plain_file(path, "p/x.csv")) is samsung_other
    result = parse(samsung_other, path, "p/f.csv")
    assert result.n_ignored == result.n_records == len(_samsung_frame(path))
    assert "com.samsung.health.floors_climbed" in result.notes[0]


SLEEP = (  # the shape public parsers of the export read: prefixed times, efficiency, sleep_duration, score
    "com.samsung.shealth.sleep,7006003,11\n"
    "efficiency,sleep_score,sleep_duration,com.samsung.health.sleep.start_time,com.samsung.health.sleep.end_time,"
    "com.samsung.health.sleep.time_offset,com.samsung.health.sleep.datauuid\n"
    "82.0,72.0,25200,2024-12-22 22:00:00.000,2024-12-23 06:00:00.000,UTC+0100,2ca5-1,\n"
    ",,,2024-12-23 12:30:00.000,2024-12-23 13:10:00.000,UTC+0100,2ca5-2,\n"
    "90.0,,420,2024-12-23 22:30:00.000,2024-12-24 06:30:00.000,UTC+0100,2ca5-3,\n"
    "90.0,,420,2024-12-23 22:30:00.000,2024-12-24 06:30:00.000,UTC+0100,2ca5-3,\n"
    ",,,2024-12-25 08:00:00.000,2024-12-25 07:00:00.000,UTC+0100,2ca5-4,\n"
)


def test_sleep_sessions_main_sleep_naps_and_the_two_spellings_of_duration(tmp_path):
    path = tmp_path / "com.samsung.shealth.sleep.20241225.csv"
    path.write_text(SLEEP)
    assert sources.detect(plain_file(path, "p/x.csv")) is samsung_sleep
    result = parse(samsung_sleep, path, "p/sleep.csv")
    daily = result.observations.pivot_table(index="day", columns="metric", values="value")
    night = daily.loc["2024-12-23"]  # 23:00 … 07:00 local
    assert night["sleep_minutes"] == 25200 / 60 and night["sleep_efficiency_pct"] == 82 and night["sleep_score"] == 72
    assert night["sleep_midpoint_min"] == 180 and night["nap_minutes"] == 40  # the afternoon session
    assert daily.loc["2024-12-24", "sleep_minutes"] == 420  # minutes this time
    assert sorted(result.rejects["reason"]) == ["duplicate of line 5", "end_time not after start_time"]


STRESS = (
    "com.samsung.shealth.stress,6212007,4\n"
    "score,max,min,start_time,end_time,time_offset,datauuid,\n"
    "19.0,44.0,0.0,2025-07-01 20:00:00.000,2025-07-01 20:59:59.999,UTC+0200,st-1,\n"
    "41.0,60.0,10.0,2025-07-01 23:00:00.000,2025-07-01 23:59:59.999,UTC+0200,st-2,\n"
    "0.0,0.0,0.0,2025-07-02 05:00:00.000,2025-07-02 05:59:59.999,UTC+0200,st-3,\n"
    "25.0,30.0,20.0,2025-07-02 06:00:00.000,2025-07-02 06:59:59.999,UTC+0200,st-4,\n"
)


def test_stress_readings_average_per_local_day_and_zero_is_a_failed_reading(tmp_path):
    path = tmp_path / "com.samsung.shealth.stress.20250702.csv"
    path.write_text(STRESS)
    assert sources.detect(plain_file(path, "p/x.csv")) is samsung_stress
    result = parse(samsung_stress, path, "p/stress.csv")
    by_day = result.observations.groupby("day")["value"].apply(list).to_dict()
    assert by_day == {
        pd.Timestamp("2025-07-01"): [19.0],
        pd.Timestamp("2025-07-02"): [41.0, 25.0],
    }  # 23:00 UTC is 01:00
    assert result.n_empty == 1

"""Fitabase intraday and weight files: heart rate with coverage, hourly steps, minute sleep, weight."""

import pandas as pd
import pytest

from tests.conftest import realdata
from tests.transforms.ingest.sources.helpers import parse
from transforms.ingest.parse import ParseContext
from transforms.ingest.records import sample_locators
from transforms.ingest.samples import DailyFromSamples
from transforms.ingest.sources import _arrow_csv, fitabase_intraday, fitabase_weight


def to_daily(result):
    acc = DailyFromSamples("fitabase_intraday", "f")
    acc.add(result.samples.rename(columns={"account_id": "participant_id"}))
    return acc.finish().pivot_table(index=["participant_id", "day"], columns="metric", values="value")


def test_heartrate_seconds_mean_and_coverage(tmp_path):
    lines = ["Id,Time,Value"]
    for minute in range(40):  # 09:00–09:39, two samples a minute
        for sec in (5, 35):
            lines.append(f"1503960366,4/12/2016 9:{minute:02d}:{sec:02d} AM,{70 + minute % 3}")
    lines.append("1503960366,4/12/2016 10:00:05 AM,abc")
    path = tmp_path / "heartrate_seconds_merged.csv"
    path.write_text("\n".join(lines) + "\n")
    result = parse(fitabase_intraday, path, "f/heartrate_seconds_merged.csv")
    assert result.n_records == 81 and result.rejects["reason"].tolist() == ["Value is not a number (3 characters)"]
    acc = DailyFromSamples("fitabase_intraday", "f")
    acc.add(result.samples.rename(columns={"account_id": "participant_id"}))
    out = acc.finish().set_index("metric")
    assert out.loc["heart_rate_mean_bpm", "value"] == pytest.approx((70 * 14 + 71 * 13 + 72 * 13) / 40)
    assert out.loc["heart_rate_mean_bpm", "coverage"] == pytest.approx(1 / 24)


def test_hourly_steps_and_minute_sleep(tmp_path):
    steps = tmp_path / "hourlySteps_merged.csv"
    steps.write_text(
        "Id,ActivityHour,StepTotal\n1,4/12/2016 12:00:00 AM,0\n1,4/12/2016 8:00:00 AM,1200\n1,4/12/16 9:00,800\n"
    )
    assert to_daily(parse(fitabase_intraday, steps, "f/h.csv")).loc[("1", "2016-04-12"), "steps"] == 2000
    minutes = ["Id,date,value,logId"]
    start = pd.Timestamp("2016-04-12 23:00")
    for m in range(420):
        value = 3 if m < 10 else (2 if m % 50 == 0 else 1)
        minutes.append(f"1,{(start + pd.Timedelta(minutes=m)):%-m/%-d/%Y %-I:%M:%S %p},{value},11")
    sleep = tmp_path / "minuteSleep_merged.csv"
    sleep.write_text("\n".join(minutes) + "\n")
    daily = to_daily(parse(fitabase_intraday, sleep, "f/s.csv")).loc[("1", "2016-04-13")]
    asleep = sum(1 for m in range(420) if m >= 10 and m % 50 != 0)
    assert daily["sleep_minutes"] == asleep
    assert daily["sleep_efficiency_pct"] == pytest.approx(100 * asleep / 420)


@pytest.mark.realdata
def test_real_weight_log_pounds_and_kilograms():
    path = realdata("fitabase_fitbit_2016") / "weightLogInfo_merged.csv"
    raw = pd.read_csv(path)
    result = parse(fitabase_weight, path, "f/w.csv")
    assert result.n_records == len(raw) == 67 and result.rejects.empty
    assert result.observations["value"].to_numpy() == pytest.approx(raw["WeightKg"].to_numpy())


@pytest.mark.realdata
def test_real_hourly_calories_are_recognised_and_ignored():
    result = parse(fitabase_intraday, realdata("fitabase_fitbit_2016") / "hourlyCalories_merged.csv", "f/c.csv")
    assert result.n_records == result.n_ignored == 22099 and result.samples.empty


def _ordinary(path, monkeypatch):
    """The same file through the text-cell reader only (the Arrow fast path switched off)."""
    from tests.transforms.ingest.sources.test_engine_daily import text_cells_only

    text_cells_only(monkeypatch)
    try:
        return parse(fitabase_intraday, path, "f/heartrate_seconds_merged.csv")
    finally:
        monkeypatch.undo()


def _as_text(samples: pd.DataFrame) -> pd.DataFrame:
    """Samples with text locators and plain string labels, whichever path built them."""
    out = samples.assign(locator=sample_locators(samples)).drop(columns="line", errors="ignore")
    for column in ("account_id", "metric", "kind", "source", "source_file"):
        out[column] = out[column].astype("string")
    return out


@pytest.mark.parametrize("dirty", [False, True])
def test_heart_rate_fast_path_equals_the_ordinary_reader(tmp_path, monkeypatch, dirty):
    """Arrow batches (clean) and the row-by-row rules (any irregular row in the batch) give the same samples,
    rejects with line numbers and raw text, across several batches."""
    monkeypatch.setattr(_arrow_csv, "BLOCK_BYTES", 4096)  # many blocks
    lines = ["Id,Time,Value"]
    for k in range(600):
        lines.append(
            f"{2022484408 + k % 3},4/{12 + k // 300}/2016 {1 + k % 11}:{k % 60:02d}:05 "
            f"{'AM' if k % 2 else 'PM'},{60 + k % 25}"
        )
    if dirty:
        lines[50] = "2022484408,4/12/2016 7:21:00 AM,abc"
        lines[300] = ",4/12/2016 7:22:00 AM,70"
        lines[450] = "2022484408,4/12/16 7:23,71"  # Excel re-save spelling: valid, ordinary path
        lines[451] = "2022484408,yesterday,71"
    path = tmp_path / "heartrate_seconds_merged.csv"
    path.write_text("\n".join(lines) + "\n")
    fast = parse(fitabase_intraday, path, "f/heartrate_seconds_merged.csv")
    slow = _ordinary(path, monkeypatch)
    assert fast.n_records == slow.n_records == 600
    key = ["locator"]
    pd.testing.assert_frame_equal(
        _as_text(fast.samples).sort_values(key).reset_index(drop=True),
        _as_text(slow.samples).sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    if not dirty:
        assert fast.samples["line"].tolist() == list(range(2, 602)) and fast.samples["locator"].isna().all()
    pd.testing.assert_frame_equal(
        fast.rejects.sort_values(key).reset_index(drop=True), slow.rejects.sort_values(key).reset_index(drop=True)
    )
    if dirty:
        assert fast.rejects["locator"].tolist() == ["line 51", "line 301", "line 452"]
        assert fast.rejects["raw"].tolist()[0] == "2022484408,4/12/2016 7:21:00 AM,abc"


def test_fast_path_crlf_blank_and_short_lines_match_the_ordinary_reader(tmp_path, monkeypatch):
    """Windows line ends, blank lines (skipped by both readers, so line numbers agree) and a line with one
    field, across many small blocks: same samples, same rejects with the same line numbers and text."""
    monkeypatch.setattr(_arrow_csv, "BLOCK_BYTES", 1000)
    lines = ["Id,Time,Value"] + [
        f"1503960366,4/12/2016 {1 + k // 60}:{k % 60:02d}:00 AM,{60 + k % 7}" for k in range(400)
    ]
    lines[120] = ""
    lines[121] = ""
    lines[250] = "1503960366"
    lines[300] = "1503960366,4/12/2016 6:00:00 AM, 71 "
    path = tmp_path / "heartrate_seconds_merged.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    fast = parse(fitabase_intraday, path, "f/heartrate_seconds_merged.csv")
    slow = _ordinary(path, monkeypatch)
    assert fast.n_records == slow.n_records == 398
    pd.testing.assert_frame_equal(
        _as_text(fast.samples).sort_values("locator").reset_index(drop=True),
        _as_text(slow.samples).sort_values("locator").reset_index(drop=True),
        check_dtype=False,
    )
    pd.testing.assert_frame_equal(fast.rejects, slow.rejects)
    assert fast.rejects["raw"].tolist() == ["1503960366"]  # the line as written, not its cells padded
    assert fast.rejects["reason"].tolist() == ["line has a different number of fields than the header (3)"]


@pytest.mark.parametrize("where", [1, 7, 10])
def test_a_line_with_extra_fields_is_quarantined_by_both_readers(tmp_path, monkeypatch, where):
    """First, middle (a later block) or last line: quarantined with its line number, the rest of the file kept
    (pandas would make the extra fields of a first line into an index, or stop at a later one)."""
    monkeypatch.setattr(_arrow_csv, "BLOCK_BYTES", 100)
    lines = ["Id,Time,Value"] + [f"1503960366,4/12/2016 7:{m:02d}:00 AM,97" for m in range(10)]
    lines[where] += ",5"
    path = tmp_path / "heartrate_seconds_merged.csv"
    path.write_text("\n".join(lines) + "\n")
    fast = parse(fitabase_intraday, path, "f/heartrate_seconds_merged.csv")
    slow = _ordinary(path, monkeypatch)
    for result in (fast, slow):
        assert result.n_records == 10 and len(result.samples) == 9
        assert result.rejects[["locator", "reason", "raw"]].values.tolist() == [
            [f"line {where + 1}", "line has a different number of fields than the header (3)", lines[where]]
        ]  # the whole line kept, its extra field too


@pytest.mark.parametrize("body", ["Id,Time,Value\n", "Id,Time,Value", "\ufeffId,Time,Value\r\n\r\n"])
def test_header_only_file_reads_no_records(tmp_path, body):
    path = tmp_path / "heartrate_seconds_merged.csv"
    path.write_text(body, encoding="utf-8")
    result = parse(fitabase_intraday, path, "f/heartrate_seconds_merged.csv")
    assert result.n_records == 0 and result.samples.empty and result.rejects.empty


def test_fast_path_rows_failing_a_row_rule_are_quarantined_with_their_text(tmp_path):
    import datetime as dt

    from quality.rules import apply_row_rules
    from transforms.ingest.inputs import plain_file
    from transforms.ingest.parse import ParseContext

    path = tmp_path / "heartrate_seconds_merged.csv"
    path.write_text("Id,Time,Value\n1503960366,4/12/2016 7:21:00 AM,70\n1503960366,4/12/2016 7:22:00 AM,300\n")
    name = "f/heartrate_seconds_merged.csv"
    (chunk,) = list(fitabase_intraday.parse(plain_file(path, name), ParseContext(name, "UTC")))
    assert callable(chunk.raw_records)  # the Arrow path: raw text looked up only for rejected rows
    chunk.samples["participant_id"] = chunk.samples["account_id"]
    judged = apply_row_rules(chunk, fitabase_intraday.FORMAT, dt.date(2030, 1, 1))
    assert len(judged.samples) == 1
    assert judged.rejects[["locator", "raw"]].values.tolist() == [["line 3", "1503960366,4/12/2016 7:22:00 AM,300"]]


def _wide(prefix: str) -> str:
    return ",".join(f"{prefix}{m:02d}" for m in range(60))


# Every table of a Fitabase export (Fitabase's data dictionary, and the 18 files of the public 2016 MTurk export)
# that carries no metric of ours, or the same values as a table that is read: header → one data line.
IGNORED_TABLES = {
    "hourlyCalories_merged.csv": ("Id,ActivityHour,Calories", "1503960366,4/12/2016 12:00:00 AM,81"),
    "hourlyIntensities_merged.csv": (
        "Id,ActivityHour,TotalIntensity,AverageIntensity",
        "1503960366,4/12/2016 12:00:00 AM,20,0.333333",
    ),
    "minuteCaloriesNarrow_merged.csv": ("Id,ActivityMinute,Calories", "1503960366,4/12/2016 12:00:00 AM,0.7865"),
    "minuteIntensitiesNarrow_merged.csv": ("Id,ActivityMinute,Intensity", "1503960366,4/12/2016 12:00:00 AM,0"),
    "minuteMETsNarrow_merged.csv": ("Id,ActivityMinute,METs", "1503960366,4/12/2016 12:00:00 AM,10"),
    "minuteCaloriesWide_merged.csv": (
        f"Id,ActivityHour,{_wide('Calories')}",
        "1503960366,4/13/2016 12:00:00 AM" + ",1.8" * 60,
    ),
    "minuteIntensitiesWide_merged.csv": (
        f"Id,ActivityHour,{_wide('Intensity')}",
        "1503960366,4/13/2016 12:00:00 AM" + ",0" * 60,
    ),
    "minuteStepsWide_merged.csv": (f"Id,ActivityHour,{_wide('Steps')}", "1503960366,4/13/2016 12:00:00 AM" + ",4" * 60),
    "dailySteps_merged.csv": ("Id,ActivityDay,StepTotal", "1503960366,4/12/2016,13162"),
    "dailyCalories_merged.csv": ("Id,ActivityDay,Calories", "1503960366,4/12/2016,1985"),
    "dailyIntensities_merged.csv": (
        "Id,ActivityDay,SedentaryMinutes,LightlyActiveMinutes,FairlyActiveMinutes,VeryActiveMinutes,"
        "SedentaryActiveDistance,LightActiveDistance,ModeratelyActiveDistance,VeryActiveDistance",
        "1503960366,4/12/2016,728,328,13,25,0,6.05999994277954,0.550000011920929,1.87999999523163",
    ),
}


@pytest.mark.parametrize("engine", [False, True])
@pytest.mark.parametrize("name", sorted(IGNORED_TABLES))
def test_every_other_fitabase_table_is_recognised_and_its_records_counted_as_ignored(
    tmp_path, monkeypatch, name, engine
):
    """Whichever reader counts them (DuckDB's strict count or the text cells), every line is accounted for, with
    the reason; a line with another number of fields is quarantined with its number either way."""
    from transforms.ingest.inputs import plain_file
    from transforms.ingest.sources import detect

    monkeypatch.setattr(fitabase_intraday, "ENGINE_MIN_BYTES", 0 if engine else float("inf"))
    header, line = IGNORED_TABLES[name]
    path = tmp_path / name
    path.write_text("\r\n".join([header, line, line, "", line]) + "\r\n")
    assert detect(plain_file(path, name)) is fitabase_intraday
    result = parse(fitabase_intraday, path, f"f/{name}")
    assert (result.n_records, result.n_ignored, len(result.rejects), len(result.samples)) == (3, 3, 0, 0)
    path.write_text("\n".join([header, line, line + ",7", line]) + "\n")
    result = parse(fitabase_intraday, path, f"f/{name}")
    assert (result.n_records, result.n_ignored) == (3, 2)
    assert result.rejects["locator"].tolist() == ["line 3"] and "fields" in result.rejects["reason"].iloc[0]


def test_the_ignored_reason_is_noted(tmp_path):
    from transforms.ingest.inputs import plain_file

    path = tmp_path / "dailySteps_merged.csv"
    path.write_text("Id,ActivityDay,StepTotal\n1503960366,4/12/2016,13162\n")
    (chunk,) = fitabase_intraday.parse(plain_file(path, path.name), ParseContext("f/dailySteps_merged.csv", "UTC"))
    assert chunk.notes == ["records ignored: the same steps as dailyActivity_merged.csv (fitabase_daily_activity)"]

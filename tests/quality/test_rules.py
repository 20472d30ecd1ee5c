"""Row rules move impossible records to quarantine with a reason and the raw record."""

import datetime as dt

import pandas as pd

from quality.rules import apply_row_rules
from transforms.ingest.records import ParseResult


def observations(rows):
    frame = pd.DataFrame(rows, columns=["participant_id", "day", "metric", "value", "locator"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame.assign(unit="bpm", observed_at=pd.NaT, coverage=float("nan"), source="fmt", source_file="f.json")


def test_out_of_range_and_future_observations_are_quarantined():
    obs = observations(
        [
            ("p", "2025-01-01", "resting_hr_bpm", 60.0, "$[0]"),
            ("p", "2025-01-02", "resting_hr_bpm", 300.0, "$[1]"),
            ("p", "2030-01-01", "resting_hr_bpm", 61.0, "$[2]"),
            ("p", "2025-01-03", "steps", -5.0, "$[3]"),
        ]
    )
    raw = pd.Series(['{"a":0}', '{"a":1}', '{"a":2}', '{"a":3}'], index=["$[0]", "$[1]", "$[2]", "$[3]"])
    out = apply_row_rules(ParseResult(observations=obs, raw_records=raw), "fmt", today=dt.date(2025, 6, 1))
    assert out.observations["locator"].tolist() == ["$[0]"]
    reasons = dict(zip(out.rejects["locator"], out.rejects["reason"]))
    assert reasons == {
        "$[1]": "resting_hr_bpm=300 outside [25, 220]",
        "$[2]": "day 2030-01-01 is in the future",
        "$[3]": "steps=-5 outside [0, 100000]",
    }
    assert dict(zip(out.rejects["locator"], out.rejects["raw"]))["$[1]"] == '{"a":1}'


def responses(rows):
    frame = pd.DataFrame(rows, columns=["participant_id", "instrument", "item", "value", "locator"])
    at = pd.Timestamp("2025-02-03 09:00")
    return frame.assign(administered_at=at, day=at.normalize(), source="q", source_file="q.csv")


def test_one_bad_item_quarantines_that_instruments_administration_only():
    resp = responses(
        [
            ("p", "phq9", 1, 2.0, "line 2"),
            ("p", "phq9", 2, 7.0, "line 2"),
            ("p", "phq9", 3, 1.5, "line 2"),
            ("p", "gad7", 1, 1.0, "line 2"),
            ("q", "phq9", 1, 1.0, "line 3"),
            ("q", "phq9", 12, 1.0, "line 3"),
        ]
    )
    out = apply_row_rules(ParseResult(responses=resp), "q", today=dt.date(2025, 6, 1))
    kept = out.responses
    assert set(zip(kept["participant_id"], kept["instrument"])) == {("p", "gad7")}
    reasons = dict(zip(out.rejects["locator"], out.rejects["reason"]))
    assert reasons["line 2"] == "phq9 item 2=7 outside 0–3; phq9 item 3=1.5 is not a whole number"
    assert reasons["line 3"] == "phq9 item 12 does not exist (9 items)"

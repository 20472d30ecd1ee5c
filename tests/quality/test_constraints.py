"""The table-constraint defence: whatever a parser emits, only writable records pass, the others are
quarantined with their locator (or output row) and an ``internal:`` reason; rejects are completed, never
dropped."""

import datetime as dt

import numpy as np
import pandas as pd

from quality.constraints import enforce_table_constraints
from transforms.ingest.records import OBSERVATION_REQUIRED, ParseResult, empty_rejects

TODAY = dt.date(2025, 6, 1)


def observations(**overrides):
    rows = {
        "participant_id": ["p"] * 4,
        "day": pd.to_datetime(["2025-01-01", None, "2025-01-03", "2025-01-04"]),
        "metric": ["steps"] * 4,
        "value": [1.0, 2.0, np.inf, 4.0],
        "unit": ["count"] * 4,
        "observed_at": pd.NaT,
        "coverage": np.nan,
        "source": ["f"] * 4,
        "source_file": ["p/f.json"] * 4,
        "locator": ["$[0]", "$[1]", "$[2]", None],
    }
    rows.update(overrides)
    return pd.DataFrame(rows)


def test_unwritable_observations_are_quarantined_with_their_locator():
    raw = pd.Series(["r0", "r1", "r2", "r3"], index=["$[0]", "$[1]", "$[2]", "$[3]"])
    result = enforce_table_constraints(
        ParseResult(observations=observations(), raw_records=raw), "fmt", "p/f.json", TODAY
    )
    assert result.observations["day"].tolist() == [pd.Timestamp("2025-01-01")]
    assert result.observations["day"].dtype == "datetime64[s]"
    got = dict(zip(result.rejects["locator"], result.rejects["reason"]))
    assert got == {
        "$[1]": "internal: fmt parser produced no day",
        "$[2]": "internal: fmt parser produced a value that is not finite",
        "output row 3": "internal: fmt parser produced no locator",
    }
    raws = dict(zip(result.rejects["locator"], result.rejects["raw"]))
    assert raws["$[1]"] == "r1" and "metric=steps" in raws["output row 3"]  # no record text: the row's values


def test_uncastable_values_days_out_of_range_and_blank_keys():
    frame = observations(
        value=["1", "x", "3", "4"],
        day=["2025-01-01", "1999-12-31", "2025-06-09", "2025-01-04"],
        participant_id=["p", "p", "p", " "],
        locator=["a", "b", "c", "d"],
    )
    result = enforce_table_constraints(ParseResult(observations=frame), "fmt", "p/f.json", TODAY)
    assert result.observations["value"].tolist() == [1.0]
    assert dict(zip(result.rejects["locator"], result.rejects["reason"])) == {
        "b": "internal: fmt parser produced no value",
        "c": "internal: fmt parser produced day 2025-06-09, outside 2000-01-01 … tomorrow",
        "d": "internal: fmt parser produced no participant_id",
    }


def test_rejects_without_locator_or_reason_are_completed_not_dropped():
    rejects = pd.DataFrame(
        {
            "source_file": [None, "p/f.json"],
            "locator": [None, "line 3"],
            "source_format": [None, "f"],
            "reason": ["bad", None],
            "raw": ["", ""],
        }
    )
    result = enforce_table_constraints(ParseResult(rejects=rejects), "fmt", "p/f.json", TODAY)
    assert result.rejects[["source_file", "locator", "reason", "source_format"]].values.tolist() == [
        ["p/f.json", "(no locator)", "bad", "fmt"],
        ["p/f.json", "line 3", "internal: fmt parser gave no reason", "f"],
    ]


def test_a_clean_chunk_passes_unchanged():
    frame = observations(day=pd.to_datetime(["2025-01-01"] * 4), value=[1.0, 2, 3, 4], locator=list("abcd"))
    result = enforce_table_constraints(
        ParseResult(observations=frame, rejects=empty_rejects()), "fmt", "p/f.json", TODAY
    )
    assert len(result.observations) == 4 and result.rejects.empty
    assert not result.observations[list(OBSERVATION_REQUIRED)].isna().any().any()

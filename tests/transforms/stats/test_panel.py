"""The dense panel (transforms/stats/panel.py) against a pandas pivot of the same rows."""

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.stats.panel import build_panel

FIRST, LAST = pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-20")


def pivot(daily: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The reference: rows within FIRST … LAST pivoted by pandas, series sorted by participant then metric."""
    day = pd.to_datetime(pd.Series(daily["day"]).astype(object))
    rows = daily[((day >= FIRST) & (day <= LAST)).to_numpy()].astype({"participant_id": str, "metric": str})
    t = (pd.to_datetime(pd.Series(rows["day"]).astype(object)) - FIRST).dt.days.to_numpy()
    table = (
        rows.assign(t=t)
        .pivot_table(index=["participant_id", "metric"], columns="t", values="value", aggfunc="last", dropna=False)
        .reindex(columns=range((LAST - FIRST).days + 1))
    )
    table = table[table.notna().any(axis=1) | table.index.isin(rows.set_index(["participant_id", "metric"]).index)]
    keys = table.index.to_frame(index=False)
    return keys, table.to_numpy(dtype="float64")


def daily_frame(draw_rows, as_categories: bool, day_kind: str) -> pd.DataFrame:
    frame = pd.DataFrame(draw_rows, columns=["participant_id", "metric", "offset", "value"])
    frame = frame.drop_duplicates(["participant_id", "metric", "offset"], keep="last")
    days = FIRST + pd.to_timedelta(frame.pop("offset"), unit="D")
    frame["day"] = {
        "ns": days.astype("datetime64[ns]"),
        "s": days.astype("datetime64[s]"),
        "date": days.dt.date,
    }[day_kind].to_numpy()
    if as_categories:  # as warehouse.reads delivers them: categories sorted, one unused
        for column in ("participant_id", "metric"):
            categories = sorted({*frame[column], "zz-unused"})
            frame[column] = pd.Categorical(frame[column], categories=categories)
    return frame[["participant_id", "day", "metric", "value"]]


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["P01", "P10", "P2", "a", "B"]),
        st.sampled_from(["steps", "resting_hr_bpm", "sleep_minutes"]),
        st.integers(-5, 25),  # days before FIRST and after LAST are left out
        st.floats(-1e6, 1e6, allow_nan=False),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, as_categories=st.booleans(), day_kind=st.sampled_from(["ns", "s", "date"]))
def test_panel_equals_a_pandas_pivot(rows, as_categories, day_kind):
    daily = daily_frame(rows, as_categories, day_kind)
    panel = build_panel(daily, FIRST, LAST)
    keys, values = pivot(daily)
    assert panel.series.astype(str).values.tolist() == keys.astype(str).values.tolist()
    np.testing.assert_array_equal(panel.values, values.reshape(len(keys), 20))
    assert panel.first_day == FIRST and panel.values.shape[1] == 20


def test_unsorted_categories_and_python_dates():
    daily = pd.DataFrame(
        {
            "participant_id": pd.Categorical(["b", "a", "b"], categories=["b", "a"]),
            "day": [dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 21)],
            "metric": ["steps", "steps", "steps"],
            "value": [1.0, 2.0, 3.0],
        }
    )
    panel = build_panel(daily, FIRST, LAST)
    assert panel.series["participant_id"].tolist() == ["a", "b"]  # sorted by name, not by category order
    assert panel.values[0, 1] == 2.0 and panel.values[1, 0] == 1.0 and np.isnan(panel.values).sum() == 38

"""Day-range arithmetic behind the sensor's follow-up runs."""

import datetime as dt

from pipelines.partitions import affected_ranges, day_runs

D = dt.date


def test_day_runs_group_consecutive_days():
    days = [D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 5), D(2025, 3, 3), D(2025, 3, 9), D(2025, 3, 5)]
    assert day_runs(days) == [
        (D(2025, 3, 1), D(2025, 3, 3)),
        (D(2025, 3, 5), D(2025, 3, 5)),
        (D(2025, 3, 9), D(2025, 3, 9)),
    ]
    assert day_runs([]) == []


def test_affected_ranges_extend_merge_and_clip():
    first, last = D(2025, 1, 1), D(2025, 6, 30)
    changed = [(D(2025, 3, 1), D(2025, 3, 2)), (D(2025, 3, 20), D(2025, 3, 20)), (D(2025, 6, 25), D(2025, 6, 26))]
    # each change reaches 10 days on: 3-01…3-12 and 3-20…3-30 stay apart, June is clipped to the last partition
    assert affected_ranges(changed, 10, first, last) == [
        (D(2025, 3, 1), D(2025, 3, 12)),
        (D(2025, 3, 20), D(2025, 3, 30)),
        (D(2025, 6, 25), D(2025, 6, 30)),
    ]
    # with 20 days they overlap and merge
    assert affected_ranges(changed[:2], 20, first, last) == [(D(2025, 3, 1), D(2025, 4, 9))]
    # days before the first partition are dropped
    assert affected_ranges([(D(2024, 12, 1), D(2024, 12, 2))], 3, first, last) == []


def test_affected_ranges_leave_out_what_the_run_already_did():
    first, last = D(2025, 1, 1), D(2025, 6, 30)
    changed = [(D(2025, 3, 1), D(2025, 3, 1))]
    assert affected_ranges(changed, 10, first, last, done=(D(2025, 3, 4), D(2025, 3, 6))) == [
        (D(2025, 3, 1), D(2025, 3, 3)),
        (D(2025, 3, 7), D(2025, 3, 11)),
    ]
    assert affected_ranges(changed, 10, first, last, done=(D(2025, 2, 1), D(2025, 3, 31))) == []

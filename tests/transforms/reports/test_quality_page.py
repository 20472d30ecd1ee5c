"""The HTML quality report renders every section from the report tables, escapes what it shows, and
never includes quarantined record text."""

import datetime as dt

import pandas as pd

from transforms.reports.quality_page import render_quality_page


def data():
    return {
        "files": pd.DataFrame(
            [
                {
                    "path": "P1/export.xml",
                    "source_format": "apple_health",
                    "status": "ingested",
                    "rows_read": 10,
                    "rows_accepted": 8,
                    "rows_quarantined": 1,
                    "rows_empty": 0,
                    "rows_ignored": 1,
                    "message": None,
                },
                {
                    "path": "f/sleepDay.csv",
                    "source_format": "fitabase_sleep_day",
                    "status": "ingested",
                    "rows_read": 3,
                    "rows_accepted": 3,
                    "rows_quarantined": 0,
                    "rows_empty": 0,
                    "rows_ignored": 0,
                    "message": "schema drift: unexpected column(s) ['SleepScore']",
                },
                {
                    "path": "x/<script>.bin",
                    "source_format": None,
                    "status": "unsupported",
                    "rows_read": 0,
                    "rows_accepted": 0,
                    "rows_quarantined": 0,
                    "rows_empty": 0,
                    "rows_ignored": 0,
                    "message": "no parser",
                },
            ]
        ),
        "quarantine": pd.DataFrame(
            [
                {
                    "file": "P1/export.xml",
                    "source_format": "apple_health",
                    "reason_kind": "heart_rate_mean_bpm sample 310 outside [25, 250]",
                    "records": 1,
                    "first_locator": "Record 3, line 9",
                }
            ]
        ),
        "participants": pd.DataFrame(
            [
                {
                    "participant_id": "P1",
                    "source": "apple_health",
                    "data_yield": 0.4,
                    "days_with_signal": 40,
                    "days_in_span": 100,
                    "low_coverage_days": 3,
                }
            ]
        ),
        "weekly_yield": pd.DataFrame(
            {
                "participant_id": ["P1", "P1"],
                "week": pd.to_datetime(["2025-01-06", "2025-01-13"]),
                "share": [1.0, 2 / 7],
            }
        ),
        "checks": pd.DataFrame(
            [
                {
                    "asset": "daily_metrics",
                    "check_name": "values_in_physiological_range",
                    "severity": "ERROR",
                    "passed": False,
                    "unexpected_count": 1,
                    "rows_checked": 50,
                    "partition": "2025-01-01...2025-01-31",
                    "checked_at": pd.Timestamp("2025-02-01"),
                    "failing_days": '{"2025-01-07": 1}',
                }
            ]
        ),
        "blocked": pd.DataFrame(
            [
                {
                    "asset": "daily_metrics",
                    "day": pd.Timestamp("2025-01-07"),
                    "reason": "failed ERROR check(s): values_in_physiological_range",
                    "blocked_at": pd.Timestamp("2025-02-01"),
                }
            ]
        ),
    }


def test_report_has_every_section_problems_first_and_escapes_text():
    page = render_quality_page(data(), dt.datetime(2025, 2, 1, 8, 0))
    headings = [
        "1 Summary",
        "2 Problems",
        "Failed files (0)",
        "Failing checks (1)",
        "Blocked partitions (1)",
        "Participants with low data yield",
        "3 Coverage over time",
        "4 Quarantine",
        "5 Participants",
        "6 All checks",
        "7 Files",
        "Schema drift",
    ]
    positions = [page.index(h) for h in headings]
    assert positions == sorted(positions)  # problems before the details
    assert page.index("<details><summary>All") > page.index("6 All checks")  # the long file table is collapsed
    assert "x/&lt;script&gt;.bin" in page and "<script>" not in page
    assert "2025-01-07 (1)" in page  # failing days of the check
    assert "SleepScore" in page  # schema drift listed
    assert "rgba(26,115,232,0.29)" in page  # 2 of 7 days in the second week
    assert "<b>1</b>blocked partitions" in page
    assert "<td>2025-01-07</td>" in page and "00:00:00" not in page  # dates as dates
    assert "<th class='week' colspan=" in page and "0 % <span" in page  # week labels and a legend


def test_empty_warehouse_renders():
    empty = {k: v.iloc[0:0] for k, v in data().items()}
    page = render_quality_page(empty, dt.datetime(2025, 2, 1))
    assert "none" in page and "<b>0</b>files" in page

"""Partition replacement is idempotent and atomic; file batches replace what earlier versions wrote."""

import datetime as dt

import pandas as pd
import pytest

from warehouse import reads, tables, writes
from warehouse.connection import connect
from warehouse.embedded import DuckDBFileWarehouse


@pytest.fixture
def conn(tmp_path):
    c = connect(tmp_path / "wh.duckdb")
    yield c
    c.close()


@pytest.fixture
def wh(conn):
    return DuckDBFileWarehouse(conn)


def daily(days, value=1.0):
    return pd.DataFrame(
        {
            "participant_id": "p",
            "day": pd.to_datetime(days),
            "metric": "steps",
            "value": value,
            "unit": "count",
            "source": "s",
            "n_obs": 1,
            "coverage": None,
        }
    )


def snapshot(conn):
    return conn.execute("SELECT * FROM analytics.daily_metrics ORDER BY ALL").df()


def test_replacing_the_same_days_twice_leaves_identical_rows(conn, wh):
    frame = daily(["2025-01-01", "2025-01-02"])
    writes.replace_days(wh, tables.DAILY_METRICS, frame, dt.date(2025, 1, 1), dt.date(2025, 1, 2))
    first = snapshot(conn)
    writes.replace_days(wh, tables.DAILY_METRICS, frame, dt.date(2025, 1, 1), dt.date(2025, 1, 2))
    pd.testing.assert_frame_equal(first, snapshot(conn))
    assert len(first) == 2


def test_replacing_a_range_leaves_other_days_alone(conn, wh):
    writes.replace_days(
        wh,
        tables.DAILY_METRICS,
        daily(["2025-01-01", "2025-01-02", "2025-01-03"]),
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 3),
    )
    writes.replace_days(
        wh, tables.DAILY_METRICS, daily(["2025-01-02"], value=9.0), dt.date(2025, 1, 2), dt.date(2025, 1, 2)
    )
    rows = snapshot(conn)
    assert rows["value"].tolist() == [1.0, 9.0, 1.0]


def test_a_failed_write_rolls_back_to_the_previous_state(conn, wh):
    writes.replace_days(wh, tables.DAILY_METRICS, daily(["2025-01-01"]), dt.date(2025, 1, 1), dt.date(2025, 1, 1))
    before = snapshot(conn)
    broken = daily(["2025-01-01"]).assign(value=None)  # violates NOT NULL after the DELETE ran
    with pytest.raises(Exception):
        writes.replace_days(wh, tables.DAILY_METRICS, broken, dt.date(2025, 1, 1), dt.date(2025, 1, 1))
    pd.testing.assert_frame_equal(before, snapshot(conn))


def test_rows_outside_the_partition_are_refused(conn, wh):
    with pytest.raises(ValueError, match="outside the partition"):
        writes.replace_days(wh, tables.DAILY_METRICS, daily(["2025-01-05"]), dt.date(2025, 1, 1), dt.date(2025, 1, 2))


def file_row(path, sha, status="ingested"):
    return pd.DataFrame(
        [
            {
                "path": path,
                "sha256": sha,
                "bytes": 1,
                "source_format": "f",
                "participant_map_sha256": None,
                "rows_read": 1,
                "rows_accepted": 1,
                "rows_quarantined": 0,
                "rows_empty": 0,
                "rows_ignored": 0,
                "status": status,
                "message": None,
                "ingested_at": pd.Timestamp.now(),
            }
        ]
    )


def obs(path, value):
    return pd.DataFrame(
        [
            {
                "participant_id": "p",
                "day": pd.Timestamp("2025-01-01"),
                "metric": "steps",
                "value": value,
                "unit": "count",
                "observed_at": None,
                "coverage": None,
                "source": "f",
                "source_file": path,
                "locator": "line 2",
            }
        ]
    )


def replace_files(wh, files: pd.DataFrame, rows: list[writes.FileRows]) -> dict[int, str]:
    with writes.file_rows_stage(wh) as stage:
        refused = stage.add(rows)
        stage.commit(files)
    return refused


def rows_of(observations):
    empty = pd.DataFrame()
    return writes.FileRows(observations, empty, empty)


def test_a_new_file_version_replaces_the_old_rows(conn, wh):
    replace_files(wh, file_row("a.csv", "v1"), [rows_of(obs("a.csv", 1.0))])
    replace_files(wh, file_row("b.csv", "v1"), [rows_of(obs("b.csv", 5.0))])
    replace_files(wh, file_row("a.csv", "v2"), [rows_of(obs("a.csv", 2.0))])
    values = conn.execute("SELECT source_file, value FROM staging.observations ORDER BY 1").fetchall()
    assert values == [("a.csv", 2.0), ("b.csv", 5.0)]
    versions = conn.execute("SELECT path, sha256, status FROM ops.ingested_files ORDER BY 1, 2").fetchall()
    assert versions == [("a.csv", "v1", "superseded"), ("a.csv", "v2", "ingested"), ("b.csv", "v1", "ingested")]
    current = reads.current_file_versions(conn).set_index("path")["sha256"].to_dict()
    assert current == {"a.csv": "v2", "b.csv": "v1"}


@pytest.mark.parametrize("in_lake", [False, True])
def test_a_file_whose_rows_the_tables_refuse_costs_only_itself(wh, tmp_path, in_lake):
    from warehouse import lake

    bad = obs("b.csv", 5.0).assign(day=pd.NaT)  # NOT NULL day
    files = pd.concat([file_row("a.csv", "v1"), file_row("b.csv", "v1"), file_row("c.csv", "v1")])

    def check(c):
        with writes.file_rows_stage(c) as stage:
            refused = stage.add([rows_of(obs("a.csv", 1.0)), rows_of(bad), rows_of(obs("c.csv", 3.0))])
            assert list(refused) == [1]
            assert "NOT NULL" in refused[1] and "staging.observations" in refused[1] and "file_rows_" not in refused[1]
            stage.commit(files)
        got = c.conn.execute("SELECT source_file, value FROM staging.observations ORDER BY 1").fetchall()
        assert got == [("a.csv", 1.0), ("c.csv", 3.0)]

    if in_lake:
        with lake.connect(tmp_path / "lake") as lake_wh:
            check(lake_wh)
    else:
        check(wh)


def test_span_change_days_are_the_days_inside_one_span_only():
    import datetime as dt

    import pandas as pd

    from warehouse.writes import span_change_days

    def spans(rows):
        return pd.DataFrame(rows, columns=["participant_id", "metric", "first_day", "last_day"]).astype(
            {"first_day": "datetime64[s]", "last_day": "datetime64[s]"}
        )

    d = dt.date
    before = spans(
        [
            ("a", "hr", d(2024, 1, 1), d(2024, 1, 10)),
            ("b", "hr", d(2024, 2, 1), d(2024, 2, 3)),
            ("c", "hr", d(2024, 3, 5), d(2024, 3, 9)),
        ]
    )
    after = spans(
        [
            ("a", "hr", d(2024, 1, 1), d(2024, 1, 13)),
            ("c", "hr", d(2024, 3, 3), d(2024, 3, 8)),
            ("e", "hr", d(2024, 5, 1), d(2024, 5, 1)),
        ]
    )
    assert span_change_days(before, after) == [
        d(2024, 1, 11),
        d(2024, 1, 12),
        d(2024, 1, 13),  # a's span grew at its end
        d(2024, 2, 1),
        d(2024, 2, 2),
        d(2024, 2, 3),  # b's went
        d(2024, 3, 3),
        d(2024, 3, 4),
        d(2024, 3, 9),  # c's grew at its start, shrank at its end
        d(2024, 5, 1),
    ]  # e's is new
    assert span_change_days(before, before) == []

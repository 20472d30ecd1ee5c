"""The Parquet lake of the distributed profile (warehouse/lake.py): the same pipeline code on a lake publishes
what the DuckDB file publishes; partitions are replaced whole, idempotently, and never half-written."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from tests.pipelines.helpers import generate_home, published_tables, run
from warehouse import lake, reads, tables, writes
from warehouse.connection import writer

KEY = "3c" * 32


def _drift_frame(days, participants=("P1", "P2")) -> pd.DataFrame:
    rows = [
        {
            "participant_id": p,
            "day": pd.Timestamp(d),
            "metric": "resting_hr_bpm",
            "value": 60.0 + i,
            "robust_z": 0.5,
            "n_recent": 7,
            "flagged": False,
        }
        for i, d in enumerate(days)
        for p in participants
    ]
    return pd.DataFrame(rows)


def test_replacing_days_is_idempotent_and_leaves_other_days(tmp_path):
    days = [dt.date(2025, 3, d) for d in (1, 2, 3)]
    with lake.connect(tmp_path / "lake") as wh:
        assert writes.replace_days(wh, tables.DRIFT, _drift_frame(days), days[0], days[-1]) == 6
        first = reads.days(wh.conn, tables.DRIFT, days[0], days[-1])
        # the same write again: same rows, no duplicates
        writes.replace_days(wh, tables.DRIFT, _drift_frame(days), days[0], days[-1])
        again = reads.days(wh.conn, tables.DRIFT, days[0], days[-1])
        pd.testing.assert_frame_equal(
            first.sort_values(["day", "participant_id"]).reset_index(drop=True),
            again.sort_values(["day", "participant_id"]).reset_index(drop=True),
        )
        # replacing 03-02 … 03-03 with rows on 03-02 only: 03-03 is emptied, 03-01 untouched
        writes.replace_days(wh, tables.DRIFT, _drift_frame(days[1:2], ("P9",)), days[1], days[2])
        after = reads.days(wh.conn, tables.DRIFT, days[0], days[-1])
    assert sorted(zip(after["day"].astype(str), after["participant_id"])) == [
        ("2025-03-01", "P1"),
        ("2025-03-01", "P2"),
        ("2025-03-02", "P9"),
    ]
    folder = tmp_path / "lake" / "analytics" / "drift"
    assert sorted(p.name for p in folder.glob("day=*") if (p / "data.parquet").exists()) == [
        "day=2025-03-01",
        "day=2025-03-02",
    ]
    assert not list((tmp_path / "lake" / "_tmp").iterdir())  # every temporary file was renamed or removed


def test_views_have_the_warehouse_types_before_any_data(tmp_path):
    with lake.connect(tmp_path / "lake") as wh, writer(tmp_path / "w.duckdb") as embedded:
        for table in ("analytics.drift", "staging.observations", "quality.check_results"):
            names_types = [r[:2] for r in wh.conn.execute(f"DESCRIBE {table}").fetchall()]
            assert names_types == [r[:2] for r in embedded.execute(f"DESCRIBE {table}").fetchall()]
            assert wh.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_not_null_columns_are_enforced_as_in_the_duckdb_file(tmp_path):
    frame = _drift_frame([dt.date(2025, 3, 1)]).assign(metric=None)
    with lake.connect(tmp_path / "lake") as wh:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL constraint failed on metric"):
            writes.replace_days(wh, tables.DRIFT, frame, dt.date(2025, 3, 1), dt.date(2025, 3, 1))
        assert wh.conn.execute("SELECT count(*) FROM analytics.drift").fetchone()[0] == 0


def test_rows_outside_the_range_or_on_kept_days_are_refused(tmp_path):
    with lake.connect(tmp_path / "lake") as wh:
        with pytest.raises(ValueError, match="outside the partition range"):
            writes.replace_days(
                wh, tables.DRIFT, _drift_frame([dt.date(2025, 3, 9)]), dt.date(2025, 3, 1), dt.date(2025, 3, 3)
            )
        with pytest.raises(ValueError, match="blocked days"):
            writes.replace_days(
                wh,
                tables.DRIFT,
                _drift_frame([dt.date(2025, 3, 2)]),
                dt.date(2025, 3, 1),
                dt.date(2025, 3, 3),
                keep_days=[dt.date(2025, 3, 2)],
            )
        assert wh.conn.execute("SELECT count(*) FROM analytics.drift").fetchone()[0] == 0


def test_a_kept_day_keeps_its_file(tmp_path):
    days = [dt.date(2025, 3, 1), dt.date(2025, 3, 2)]
    with lake.connect(tmp_path / "lake") as wh:
        writes.replace_days(wh, tables.DRIFT, _drift_frame(days), days[0], days[1])
        writes.replace_days(wh, tables.DRIFT, _drift_frame(days[:1], ("P7",)), days[0], days[1], keep_days=[days[1]])
        rows = reads.days(wh.conn, tables.DRIFT, days[0], days[1])
    assert sorted(zip(rows["day"].astype(str), rows["participant_id"])) == [
        ("2025-03-01", "P7"),
        ("2025-03-02", "P1"),
        ("2025-03-02", "P2"),
    ]


@pytest.mark.slow
def test_pipeline_on_a_lake_publishes_what_the_duckdb_file_publishes(tmp_path, monkeypatch):
    """The same assets, in-process, once on warehouse.duckdb and once on a lake (WELLNESS_STORAGE=lake): the
    published analytics.duckdb files agree table by table, types included; a second lake run changes nothing."""
    monkeypatch.setenv("WELLNESS_PSEUDONYM_KEY", KEY)
    embedded, _ = generate_home(tmp_path / "a", participants=6, days=45, seed=8)
    on_lake, _ = generate_home(tmp_path / "b", participants=6, days=45, seed=8)
    assert run(embedded).ok
    monkeypatch.setenv("WELLNESS_STORAGE", "lake")
    assert run(on_lake).ok
    expected, got = published_tables(embedded.analytics), published_tables(on_lake.analytics)
    assert got == expected
    assert expected["main.drift"][1] > 500 and expected["quality.check_results"][1] > 0
    assert not on_lake.warehouse.exists() and (on_lake.home / "lake" / "analytics" / "drift").is_dir()

    shutil.copy(on_lake.analytics, tmp_path / "first.duckdb")
    assert run(on_lake).ok  # nothing changed in the landing folder: same tables (check history grows)
    again = published_tables(on_lake.analytics)
    first = published_tables(tmp_path / "first.duckdb")
    assert {k: v for k, v in again.items() if k != "quality.check_results"} == {
        k: v for k, v in first.items() if k != "quality.check_results"
    }

"""Publishing analytics.duckdb: what an analyst can open, and the data dictionary that describes it."""

import re
from pathlib import Path

import duckdb

from transforms import vocabulary
from warehouse.connection import connect
from warehouse.dictionary import documented
from warehouse.embedded import DuckDBFileWarehouse
from warehouse.publish import publish

DICTIONARY = Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md"


def _published(tmp_path) -> Path:
    conn = connect(tmp_path / "warehouse.duckdb")
    wh = DuckDBFileWarehouse(conn)
    try:
        conn.execute(
            "INSERT INTO quality.quarantine (source_file, locator, source_format, reason, raw, ingested_at) "
            "VALUES ('a.csv', 'line 2', 'x', 'bad', 'Id=1503960366,name=Jane', now())"
        )
        publish(wh, tmp_path / "analytics.duckdb")
    finally:
        conn.close()
    return tmp_path / "analytics.duckdb"


def _published_columns(path: Path) -> dict[str, set[str]]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        rows = conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = 'analytics'"
        ).fetchall()
    finally:
        conn.close()
    out: dict[str, set[str]] = {}
    for schema, table, column in rows:
        out.setdefault(f"{'analytics' if schema == 'main' else schema}.{table}", set()).add(column)
    return out


def _documented_columns() -> dict[str, set[str]]:
    """``### `schema.table``` sections and the first cell of each row of their column tables."""
    out: dict[str, set[str]] = {}
    current, header = None, None
    for line in DICTIONARY.read_text().splitlines():
        heading = re.match(r"^### `([a-z_]+\.[a-z_]+)`", line)
        if heading:
            current = out.setdefault(heading.group(1), set())
        elif line.startswith("## "):
            current = None
        elif not line.startswith("|"):
            header = None
        elif header is None:
            header = line  # a table's first line; only "| column | …" tables list columns
        elif current is not None and header.startswith("| column") and not line.startswith("|---"):
            current.update(c.strip() for c in line.split("|")[1].split(","))
    return out


def test_every_published_table_view_and_column_is_in_the_data_dictionary(tmp_path):
    published = _published_columns(_published(tmp_path))
    documented = _documented_columns()
    assert {"analytics.latest_drift", "analytics.participant_summary", "quality.quarantine"} <= set(published)
    assert sorted(published) == sorted(documented)
    for name, columns in published.items():
        assert columns == documented[name], name


def test_every_published_table_view_and_column_carries_the_dictionarys_text_as_its_comment(tmp_path):
    docs = documented()
    conn = duckdb.connect(str(_published(tmp_path)), read_only=True)
    try:
        objects = conn.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = 'analytics' "
            "UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() "
            "WHERE database_name = 'analytics' AND NOT internal"
        ).fetchall()
        columns = conn.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE database_name = 'analytics'"
        ).fetchall()
    finally:
        conn.close()
    assert len(objects) == len(docs) and len(columns) > 200
    for schema, name, comment in objects:
        published = f"{'analytics' if schema == 'main' else schema}.{name}"
        assert comment and comment == docs[published].description, published
    for schema, name, column, comment in columns:
        published = f"{'analytics' if schema == 'main' else schema}.{name}"
        assert comment and comment == docs[published].columns[column], f"{published}.{column}"
    drift = docs["analytics.drift"]
    assert drift.columns["recent_z"] == "(recent_median − m) / mad: the drift's size [robust SD]"
    assert drift.columns["flagged"].startswith("the drift detector alarms: cusum > cusum_threshold")
    assert docs["analytics.episodes"].columns["recovery_days"].endswith("[days]")


def test_the_metrics_table_is_the_vocabulary_and_daily_wide_has_a_column_per_metric(tmp_path):
    conn = duckdb.connect(str(_published(tmp_path)), read_only=True)
    try:
        rows = {r[0]: r[1:] for r in conn.execute("SELECT metric, unit, aggregation, domain FROM metrics").fetchall()}
        wide = [r[0] for r in conn.execute("DESCRIBE daily_wide").fetchall()]
    finally:
        conn.close()
    assert {m: (v.unit, v.aggregation) for m, v in vocabulary.metrics().items()} == {m: r[:2] for m, r in rows.items()}
    assert rows["resting_hr_bpm"][2] == "autonomic_arousal" and rows["nap_minutes"][2] is None
    assert rows["ema_stress"][2] == "autonomic_arousal"  # weight 0.5 in both of its domains: the first listed
    assert wide == ["participant_id", "day", *vocabulary.metrics()]


def test_published_quarantine_withholds_the_verbatim_record(tmp_path):
    conn = duckdb.connect(str(_published(tmp_path)), read_only=True)
    try:
        assert conn.execute("SELECT source_file, locator, reason FROM quality.quarantine").fetchall() == [
            ("a.csv", "line 2", "bad")
        ]
        columns = {r[0] for r in conn.execute("DESCRIBE quality.quarantine").fetchall()}
        assert "raw" not in columns
        text = conn.execute("SELECT string_agg(CAST(q AS VARCHAR), '') FROM quality.quarantine q").fetchone()[0]
        assert "1503960366" not in text
    finally:
        conn.close()


def test_publishing_again_moves_the_link_and_removes_stale_builds(tmp_path):
    stale = tmp_path / ".analytics.duckdb.999999.building"
    stale.write_bytes(b"half-written")
    path = _published(tmp_path)
    first = _published_columns(path)
    assert not stale.exists() and path.is_symlink()
    first_target = path.resolve()
    assert _published_columns(_published(tmp_path)) == first
    assert path.resolve() != first_target and path.resolve().name == "analytics.duckdb"
    assert [p.name for p in tmp_path.iterdir() if "building" in p.name or p.name.endswith(".link")] == []


def _table_hashes(conn, names):
    out = {}
    for name in names:
        cols = [r[0] for r in conn.execute(f"DESCRIBE {name}").fetchall() if r[0] != "raw"]
        out[name] = conn.execute(f"SELECT count(*), sum(hash({', '.join(cols)})) FROM {name}").fetchone()
    return out


def _steps(day, value):
    import pandas as pd

    return pd.DataFrame(
        {
            "participant_id": ["P1", "P2"],
            "day": pd.to_datetime([day, day]).astype("datetime64[s]"),
            "metric": "steps",
            "value": [value, value + 1],
            "unit": "count",
            "source": "fitabase_daily_activity",
            "n_obs": 1,
            "coverage": None,
        }
    )


def _value_on(path: Path, day: str):
    published = duckdb.connect(str(path), read_only=True)
    try:
        return published.execute(
            "SELECT value FROM analytics.daily_metrics WHERE participant_id = 'P1' AND day = CAST(? AS DATE)", [day]
        ).fetchall()
    finally:
        published.close()


def test_republishing_patches_the_spare_generation_and_matches_the_warehouse(tmp_path):
    import datetime as dt

    from warehouse import tables, writes
    from warehouse.publish import generations_dir

    target = tmp_path / "analytics.duckdb"
    conn = connect(tmp_path / "warehouse.duckdb")
    wh = DuckDBFileWarehouse(conn)
    try:
        for k in range(5):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=k)
            writes.replace_days(wh, tables.DAILY_METRICS, _steps(day, 1000 + k), day, day)
        publish(wh, target)  # built from scratch
        first = target.resolve()
        writes.replace_days(
            wh, tables.DAILY_METRICS, _steps(dt.date(2025, 1, 2), 7), dt.date(2025, 1, 2), dt.date(2025, 1, 2)
        )
        publish(wh, target)  # no spare yet: a copy of the first, patched
        second = target.resolve()
        assert second != first and _value_on(target, "2025-01-02") == [(7.0,)]
        first_inode = first.stat().st_ino
        day = dt.date(2025, 1, 3)
        writes.replace_days(wh, tables.DAILY_METRICS, _steps(day, 5), day, day)  # a re-run of one day
        assert conn.execute("SELECT count(*) FROM ops.publish_pending").fetchone()[0] == 1
        counts = publish(wh, target)
        assert counts["analytics.daily_metrics"] == 10
        assert conn.execute("SELECT count(*) FROM ops.publish_pending").fetchone()[0] == 0
        # the first generation was patched in place (both days it lacked), not copied
        assert target.resolve() == first and first.stat().st_ino == first_inode
        assert sorted(p.name for p in generations_dir(target).iterdir()) == sorted(
            [first.parent.name, second.parent.name]
        )
        warehouse_side = _table_hashes(conn, ["analytics.daily_metrics", "quality.quarantine"])
    finally:
        conn.close()
    published = duckdb.connect(str(target), read_only=True)
    try:
        assert _table_hashes(published, ["analytics.daily_metrics", "quality.quarantine"]) == warehouse_side
    finally:
        published.close()
    assert _value_on(target, "2025-01-02") == [(7.0,)] and _value_on(target, "2025-01-03") == [(5.0,)]


def test_a_reader_holding_the_spare_gets_a_new_generation_and_keeps_its_view(tmp_path):
    import datetime as dt
    import subprocess
    import sys
    import time

    from warehouse import tables, writes

    target = tmp_path / "analytics.duckdb"
    conn = connect(tmp_path / "warehouse.duckdb")
    wh = DuckDBFileWarehouse(conn)
    try:
        day = dt.date(2025, 1, 1)
        writes.replace_days(wh, tables.DAILY_METRICS, _steps(day, 1), day, day)
        publish(wh, target)
        writes.replace_days(wh, tables.DAILY_METRICS, _steps(day, 2), day, day)
        publish(wh, target)
        spare = next(
            p for p in target.parent.glob(".analytics.generations/*/analytics.duckdb") if p != target.resolve()
        )
        flag = tmp_path / "reading"
        reader = subprocess.Popen(
            [
                sys.executable,
                "-c",
                (
                    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
                    "v = c.execute('SELECT value FROM daily_metrics WHERE participant_id = $$P1$$').fetchall(); "
                    "open(sys.argv[2], 'w').write(str(v)); time.sleep(60); "
                    "print(c.execute('SELECT value FROM daily_metrics WHERE participant_id = $$P1$$').fetchall())"
                ),
                str(spare),
                str(flag),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not flag.exists():
                assert time.monotonic() < deadline and reader.poll() is None
                time.sleep(0.05)
            assert flag.read_text() == "[(1.0,)]"  # an analyst who opened the file two publications ago
            writes.replace_days(wh, tables.DAILY_METRICS, _steps(day, 3), day, day)
            t0 = time.monotonic()
            publish(wh, target)  # the spare is locked: a copy of the current generation instead
            assert time.monotonic() - t0 < 20
            assert target.resolve() not in (spare,) and _value_on(target, "2025-01-01") == [(3.0,)]
            assert len(list(target.parent.glob(".analytics.generations/*"))) == 2
        finally:
            reader.kill()
            reader.wait()
        assert spare.exists() is False  # pruned; the reader kept its open file until it ended
    finally:
        conn.close()


def test_a_file_from_the_mirror_layout_is_replaced_by_the_link(tmp_path):
    old = tmp_path / "analytics.duckdb"
    duckdb.connect(str(old)).close()
    for name in (".analytics.mirror.duckdb", ".analytics.mirror.json"):
        (tmp_path / name).write_text("old layout")
    path = _published(tmp_path)
    assert path.is_symlink() and "quality.quarantine" in _published_columns(path)
    assert not (tmp_path / ".analytics.mirror.duckdb").exists() and not (tmp_path / ".analytics.mirror.json").exists()


def test_a_new_warehouse_is_published_from_scratch_instead_of_patched(tmp_path):
    import datetime as dt

    import pandas as pd

    from warehouse import tables, writes

    conn = connect(tmp_path / "warehouse.duckdb")

    wh = DuckDBFileWarehouse(conn)
    try:
        day = dt.date(2025, 1, 1)
        writes.replace_days(
            wh,
            tables.DAILY_METRICS,
            pd.DataFrame(
                {
                    "participant_id": ["P1"],
                    "day": pd.to_datetime([day]).astype("datetime64[s]"),
                    "metric": "steps",
                    "value": [1.0],
                    "unit": "count",
                    "source": "x",
                    "n_obs": 1,
                    "coverage": None,
                }
            ),
            day,
            day,
        )
        publish(wh, tmp_path / "analytics.duckdb")
    finally:
        conn.close()
    (tmp_path / "warehouse.duckdb").unlink()
    conn = connect(tmp_path / "warehouse.duckdb")  # a fresh warehouse: new identity, nothing pending
    wh = DuckDBFileWarehouse(conn)
    try:
        publish(wh, tmp_path / "analytics.duckdb")
    finally:
        conn.close()
    published = duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True)
    try:
        assert published.execute("SELECT count(*) FROM analytics.daily_metrics").fetchone()[0] == 0
    finally:
        published.close()

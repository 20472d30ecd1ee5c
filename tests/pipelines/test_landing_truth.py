"""The landing folder as the source of truth: a record counts once however many files hold it, a file that
goes takes its rows with it, an archive folder changes nothing, and the same folder gives the same tables."""

import json
import shutil
import zipfile

import pytest

from pipelines.settings import Paths
from tests.pipelines.helpers import generate_home, query, run

pytestmark = pytest.mark.slow
ANALYTICS = (
    "main.daily_metrics",
    "main.baselines",
    "main.drift",
    "main.proxies",
    "main.questionnaire_scores",
    "main.questionnaire_change",
    "main.episodes",
)


def analytics_tables(paths) -> dict:
    """Every analytics table → (rows, order-independent hash of its rows without run times and without
    ``source_file``: which of two identical copies a value came from is provenance, not content)."""
    import duckdb

    conn = duckdb.connect(str(paths.analytics), read_only=True)
    try:
        out = {}
        for name in ANALYTICS:
            columns = [
                r[0]
                for r in conn.execute(f"DESCRIBE {name}").fetchall()
                if r[0] not in ("source_file", "ingested_at", "checked_at", "run_id")
            ]
            out[name] = conn.execute(f"SELECT count(*), sum(hash({', '.join(columns)})) FROM {name}").fetchone()
        return out
    finally:
        conn.close()


def add_duplicates(landing):
    """A copy of every family's data beside the original: the Apple export unzipped next to its zip, the
    Fitabase folder copied, one participant's Fitbit takeout copied into a second folder of theirs, the
    questionnaire export copied."""
    archive = next(landing.rglob("export.zip"))
    with zipfile.ZipFile(archive) as z:
        z.extractall(archive.parent)
    shutil.copytree(landing / "fitabase_export", landing / "fitabase_copy")
    takeout = next(p for p in sorted(landing.glob("P*/fitbit")) if (p / "sleep.json").exists())
    shutil.copytree(takeout, takeout.parent / "fitbit_again")
    shutil.copy(landing / "questionnaires" / "surveys.csv", landing / "questionnaires" / "surveys (1).csv")
    return archive, takeout


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    paths, _ = generate_home(tmp_path_factory.mktemp("clean"))
    assert run(paths).ok
    return paths, analytics_tables(paths)


def test_every_record_counts_once_and_removing_the_copies_restores_the_tables(tmp_path, clean):
    clean_paths, expected = clean
    paths = Paths(tmp_path / "home")
    shutil.copytree(clean_paths.landing, paths.landing)
    archive, takeout = add_duplicates(paths.landing)
    assert run(paths).ok
    assert analytics_tables(paths) == expected  # nothing summed: exactly the tables of either copy alone

    files = query(
        paths,
        "SELECT path, rows_read, rows_accepted, rows_quarantined, rows_duplicate, rows_empty, "
        "rows_ignored FROM ops.ingested_files WHERE status = 'ingested'",
    ).set_index("path")
    assert (
        files["rows_read"] == files[["rows_accepted", "rows_quarantined", "rows_empty", "rows_ignored"]].sum(axis=1)
    ).all()
    zipped = files.loc[archive.relative_to(paths.landing).as_posix()]
    assert zipped["rows_accepted"] == 0 and zipped["rows_duplicate"] > 0  # its extracted copy counts instead
    for copy in ("fitabase_export/dailyActivity_merged.csv", "questionnaires/surveys.csv"):
        assert files.loc[copy, "rows_accepted"] == 0 and files.loc[copy, "rows_duplicate"] > 0
    reasons = query(paths, "SELECT source_file, reason FROM quality.quarantine")
    by_file = reasons.groupby("source_file")["reason"].first()
    assert by_file["fitabase_export/dailyActivity_merged.csv"].startswith(
        "duplicate of file fitabase_copy/dailyActivity_merged.csv (line "
    )
    assert by_file["questionnaires/surveys.csv"].startswith("duplicate of file questionnaires/surveys (1).csv")
    again = takeout.parent / "fitbit_again"
    sleep = "/".join(again.relative_to(paths.landing).parts[:-1] + ("fitbit", "sleep.json"))
    assert any(r.startswith(f"duplicate of file {sleep}") for r in reasons["reason"])

    # the landing folder is the source of truth: the copies removed, their records count in the originals again
    extras = (
        archive.parent / "apple_health_export",
        paths.landing / "fitabase_copy",
        again,
        paths.landing / "questionnaires" / "surveys (1).csv",
    )
    gone = sum(len([f for f in e.rglob("*") if f.is_file()]) if e.is_dir() else 1 for e in extras)
    for extra in extras:
        shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
    assert run(paths).ok
    assert analytics_tables(paths) == expected
    removed = query(paths, "SELECT path, day_ranges, message FROM ops.ingested_files WHERE status = 'removed'")
    assert len(removed) == gone and removed["day_ranges"].map(json.loads).map(len).min() > 0
    assert (
        query(paths, "SELECT count(*) AS n FROM quality.quarantine WHERE reason LIKE '%duplicate of file%'")["n"][0]
        == 0
    )
    assert (
        query(paths, "SELECT rows_duplicate FROM ops.ingested_files WHERE status = 'ingested'")["rows_duplicate"] == 0
    ).all()


def test_a_deleted_file_takes_its_rows_and_archiving_changes_nothing(tmp_path, clean):
    clean_paths, expected = clean
    paths = Paths(tmp_path / "home")
    shutil.copytree(clean_paths.landing, paths.landing)
    assert run(paths).ok
    participant = sorted(p.name for p in paths.landing.glob("P*") if (p / "fitbit").exists())[0]
    # archived: moved under landing/archive/<participant>/, the tables stay as they are
    (paths.landing / "archive").mkdir()
    shutil.move(paths.landing / participant, paths.landing / "archive" / participant)
    assert run(paths).ok
    assert analytics_tables(paths) == expected
    # deleted: its rows go, as in a fresh run without it
    (paths.landing / "archive" / participant / "fitbit" / "resting_heart_rate.json").unlink()
    assert run(paths).ok
    left = query(
        paths,
        "SELECT count(*) AS n FROM staging.observations WHERE participant_id = ? AND metric = 'resting_hr_bpm'",
        [participant],
    )["n"][0]
    assert left == 0
    fresh = Paths(tmp_path / "fresh")
    shutil.copytree(paths.landing, fresh.landing)
    assert run(fresh).ok
    assert analytics_tables(paths) == analytics_tables(fresh)


def test_a_folder_named_like_a_zip_member_does_not_touch_the_zips_rows(tmp_path, clean):
    clean_paths, _ = clean
    paths = Paths(tmp_path / "home")
    shutil.copytree(clean_paths.landing, paths.landing)
    archive = next(paths.landing.rglob("export.zip"))
    assert run(paths).ok
    before = query(
        paths,
        "SELECT count(*) AS n FROM staging.observations WHERE source_file LIKE ?",
        [archive.relative_to(paths.landing).as_posix() + "//%"],
    )["n"][0]
    twin = archive.parent / "export.zip!apple_health_export"
    twin.mkdir()
    (twin / "notes.csv").write_text("note\nhello\n")
    (archive.parent / "other.txt").write_text("x")
    assert run(paths, reingest=True).ok
    after = query(
        paths,
        "SELECT count(*) AS n FROM staging.observations WHERE source_file LIKE ?",
        [archive.relative_to(paths.landing).as_posix() + "//%"],
    )["n"][0]
    assert after == before > 0

"""The ``wellness`` command: generate writes a cohort; demo runs end to end twice with identical tables."""

import pytest

from pipelines import cli
from pipelines.settings import Paths
from tests.pipelines.helpers import fingerprints

pytestmark = pytest.mark.slow


def test_generate_writes_landing_and_ground_truth(tmp_path, capsys):
    out = tmp_path / "landing"
    assert cli.main(["generate", "--participants", "6", "--days", "30", "--seed", "2", "--out", str(out)]) == 0
    assert (out / "participants.csv").exists() and (out / "questionnaires" / "surveys.csv").exists()
    assert (tmp_path / "ground_truth.csv").exists()
    assert "generated 6 participants x 30 days" in capsys.readouterr().out


def test_demo_twice_gives_the_same_tables(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WELLNESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    args = ["demo", "--participants", "10", "--days", "90", "--seed", "4"]
    assert cli.main(args) == 0
    first_out = capsys.readouterr().out
    for line in (
        "participants       10",
        "rows accepted",
        "checks ",
        "top drift episodes",
        "· episodes ",
        "wall time",
        "make dev",
    ):
        assert line in first_out
    paths = Paths(tmp_path / "home")
    first = fingerprints(paths)
    assert cli.main(args) == 0
    assert fingerprints(paths) == first
    assert "telemetry" in (tmp_path / "dagster_home" / "dagster.yaml").read_text()

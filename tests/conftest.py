"""Shared fixtures: real third-party samples (skipped when ../shared/realdata is absent) and a small
synthetic cohort run once through the whole pipeline."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("WELLNESS_REALDATA", REPO.parent / "shared" / "realdata"))
# The test process loads the definitions once, for many homes: their partitions must not follow whichever
# home's data happened to be there (tests/pipelines/test_run_ranges.py runs the data-derived default in
# fresh processes).
os.environ.setdefault("WELLNESS_PARTITIONS_START", "2000-01-01")


def realdata(name: str) -> Path:
    """Path of a real sample folder, or skip the test with the reason."""
    path = REALDATA / name
    if not path.is_dir():
        pytest.skip(f"real sample {path} not present (it ships with the project's shared data, not the repo)")
    return path


@pytest.fixture
def landing_copy(tmp_path):
    """Copy real sample files into a temporary landing folder: ``landing_copy(name, subfolder)``."""
    landing = tmp_path / "landing"

    def copy(name: str, subfolder: str | None = None, pattern: str = "*") -> Path:
        dest = landing / (subfolder or name)
        dest.mkdir(parents=True, exist_ok=True)
        for f in realdata(name).glob(pattern):
            if f.is_file() and f.name != "SOURCE.txt":
                shutil.copy(f, dest / f.name)
        return landing

    return copy


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """A 40-participant × 110-day synthetic cohort, generated and run through ingestion and the daily
    assets once for the session. Returns (paths, cohort)."""
    from pipelines.runner import run_pipeline
    from pipelines.settings import Paths
    from tests.pipelines.helpers import product_instance
    from transforms.synthetic.cohort import CohortSpec, simulate
    from transforms.synthetic.vendor_files import write_cohort

    home = tmp_path_factory.mktemp("wellness_home")
    paths = Paths(home)
    cohort = simulate(CohortSpec(participants=40, days=110, seed=11, episode_fraction=0.4))
    write_cohort(cohort, paths.landing, paths.ground_truth)
    with product_instance(paths) as instance:
        outcome = run_pipeline(paths, instance=instance, echo=lambda *_: None)
    assert outcome.ok
    return paths, cohort

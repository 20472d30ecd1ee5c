"""Deployment profiles (pipelines/settings.Profile): the embedded default, the distributed profile's executor,
storage and backfill policy, and clear errors for bad values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.definitions import build_executor, celery_config
from pipelines.settings import Paths, Profile

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    for name in (
        "WELLNESS_PROFILE",
        "WELLNESS_STORAGE",
        "WELLNESS_LAKE_ROOT",
        "WELLNESS_CELERY_QUEUE",
        "WELLNESS_RUN_PARTITIONS",
        "WELLNESS_CELERY_BROKER",
        "WELLNESS_CELERY_BACKEND",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_default_is_embedded(clean_env, tmp_path):
    profile = Profile.from_env(Paths(tmp_path))
    assert (profile.name, profile.storage, profile.lake_root) == ("embedded", "duckdb", None)
    assert build_executor(profile).name == "in_process"


def test_distributed_uses_celery_and_a_lake_under_the_home(clean_env, tmp_path):
    clean_env.setenv("WELLNESS_PROFILE", "distributed")
    clean_env.setenv("WELLNESS_CELERY_QUEUE", "site-a")
    profile = Profile.from_env(Paths(tmp_path))
    assert profile.storage == "lake" and profile.lake_root == (tmp_path / "lake").resolve()
    assert build_executor(profile).name == "celery"
    config = celery_config(profile)
    assert config["broker"] == "pyamqp://guest:guest@127.0.0.1:5672//" and config["backend"] == "rpc://"
    assert config["config_source"]["task_default_queue"] == "site-a"
    assert config["config_source"]["task_acks_late"] is True
    clean_env.setenv("WELLNESS_CELERY_BROKER", "pyamqp://u:secret@mq:5672//")
    assert celery_config(Profile.from_env(Paths(tmp_path)))["broker"] == {"env": "WELLNESS_CELERY_BROKER"}


def test_storage_can_be_overridden_alone(clean_env, tmp_path):
    clean_env.setenv("WELLNESS_STORAGE", "lake")
    clean_env.setenv("WELLNESS_LAKE_ROOT", str(tmp_path / "shared"))
    profile = Profile.from_env(Paths(tmp_path))
    assert profile.name == "embedded" and profile.lake_root == (tmp_path / "shared").resolve()


@pytest.mark.parametrize("name,value", [("WELLNESS_PROFILE", "cluster"), ("WELLNESS_STORAGE", "s3")])
def test_unknown_values_are_refused_by_name(clean_env, tmp_path, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Profile.from_env(Paths(tmp_path))


def test_distributed_definitions_split_backfills_into_runs(tmp_path):
    """Built for a profile in this process: the profile decides the backfill policy and the executor."""
    from pipelines.definitions import build_definitions

    paths = Paths(tmp_path)
    for profile, expected in (
        (
            Profile(name="distributed", storage="lake", lake_root=tmp_path / "lake", run_partitions=7),
            ("MULTI_RUN", 7, "celery"),
        ),
        (Profile(), ("SINGLE_RUN", None, "in_process")),
    ):
        defs = build_definitions(paths, profile)
        policy = defs.resolve_assets_def("drift").backfill_policy
        assert (policy.policy_type.value, policy.max_partitions_per_run, defs.executor.name) == expected


def test_the_lazy_entry_point_builds_the_environment_s_definitions(tmp_path):
    """Loaded as the daemon's code server loads them (workspace.yaml's ``defs``), with the distributed environment."""
    code = (
        "import json; from pipelines.definitions import defs; "
        "a = defs().resolve_assets_def('drift'); p = a.backfill_policy; "
        "print(json.dumps([p.policy_type.value, p.max_partitions_per_run, defs().executor.name]))"
    )
    env = {
        **os.environ,
        "WELLNESS_PROFILE": "distributed",
        "WELLNESS_RUN_PARTITIONS": "7",
        "WELLNESS_HOME": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path),
    }
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["MULTI_RUN", 7, "celery"]

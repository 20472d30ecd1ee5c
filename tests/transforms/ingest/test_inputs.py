"""Zip archives are read in place and refused when unsafe."""

import zipfile

import pytest

from transforms.ingest.errors import MalformedFile
from transforms.ingest.inputs import safe_members, zip_members


def make_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_members_are_listed_with_archive_paths(tmp_path):
    path = make_zip(tmp_path / "a.zip", {"x/export.xml": "<HealthData/>", "x/readme.txt": "hi"})
    members = zip_members(path, "p1/a.zip")
    assert [m.source_file for m in members] == ["p1/a.zip//x/export.xml", "p1/a.zip//x/readme.txt"]
    with members[0].open() as fh:
        assert fh.read() == b"<HealthData/>"


@pytest.mark.parametrize("name", ["../../etc/cron.d/evil", "/etc/passwd", "a/../../b.csv", "C:/windows/x.csv"])
def test_zip_slip_names_are_refused(tmp_path, name):
    path = make_zip(tmp_path / "slip.zip", {name: "x"})
    with pytest.raises(MalformedFile, match="unsafe path"):
        safe_members(path, "p/slip.zip")


def test_zip_bomb_ratio_is_refused(tmp_path):
    path = make_zip(tmp_path / "bomb.zip", {"zeros.csv": b"0" * 50_000_000})
    with pytest.raises(MalformedFile, match="compression ratio"):
        safe_members(path, "p/bomb.zip")


def test_not_a_zip_is_malformed(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(MalformedFile):
        safe_members(path, "p/broken.zip")

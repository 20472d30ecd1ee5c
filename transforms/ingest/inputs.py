"""What a parser reads: a landing file, or a member of a zip archive in the landing folder.

Zip members are read in place, never extracted, so an archive cannot write outside the landing folder.
Members are still vetted (``safe_members``): a name that is absolute or climbs out with ``..`` is refused,
and the archive is refused as a whole when its members would expand beyond the bounds in ingest.toml
(total uncompressed size, compression ratio, member count) — the classic zip-bomb signs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from transforms import vocabulary
from transforms.ingest.errors import MalformedFile

HEAD_BYTES = 16384
MEMBER_SEPARATOR = "//"  # no path can hold it (components are never empty): a member never collides with a file


@dataclass(frozen=True)
class LandingFile:
    """One input: ``source_file`` is its name in every table (``a/b.csv`` or ``a/x.zip//dir/b.csv``)."""

    source_file: str
    opener: Callable[[], IO[bytes]]
    size: int
    path: Path | None = None  # a plain file's path on disk (None for a zip member): engines that read a path

    @property
    def name(self) -> str:
        return PurePosixPath(self.source_file.split(MEMBER_SEPARATOR)[-1]).name

    def open(self) -> IO[bytes]:
        return self.opener()

    def head(self, n: int = HEAD_BYTES) -> str:
        """The first bytes as text (UTF-16 when the file starts with its byte-order mark)."""
        with self.open() as fh:
            raw = fh.read(n)
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16", errors="replace")
        return raw.decode("utf-8", errors="replace")


def vet(source: LandingFile) -> None:
    """Refuse, before any parser sees it, an input over the bounds of ingest.toml: a JSON document larger than
    ``max_json_bytes`` (JSON is read whole), or a text file whose first line does not end within
    ``max_line_bytes`` or holds more than ``max_columns`` fields (a header parse would grow with it). XML is
    streamed and bounded by its size."""
    rules = vocabulary.ingest_rules()
    with source.open() as fh:
        first = fh.readline(rules.max_line_bytes + 1)
    body = first.lstrip(b"\xef\xbb\xbf").lstrip()
    if body[:1] in (b"[", b"{"):
        if source.size > rules.max_json_bytes:
            raise MalformedFile(
                source.source_file,
                f"a JSON document of {source.size:,} bytes: over max_json_bytes "
                f"({rules.max_json_bytes:,}) in ingest.toml",
            )
        return
    if body[:1] == b"<" or first.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in first[:1024]:
        return  # XML (streamed), UTF-16 text or binary: bounded by the readers themselves
    if len(first) > rules.max_line_bytes and not first.endswith(b"\n"):
        raise MalformedFile(
            source.source_file, f"first line longer than max_line_bytes ({rules.max_line_bytes:,}) in ingest.toml"
        )
    if first.count(b",") + 1 > rules.max_columns:
        raise MalformedFile(
            source.source_file,
            f"header of {first.count(b',') + 1:,} fields: over max_columns ({rules.max_columns:,}) in ingest.toml",
        )


def plain_file(path: Path, source_file: str) -> LandingFile:
    return LandingFile(source_file, lambda: open(path, "rb"), path.stat().st_size, path)


def is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip" and zipfile.is_zipfile(path)


def safe_members(path: Path, source_file: str) -> list[zipfile.ZipInfo]:
    """The archive's file members, or MalformedFile naming what makes the archive unsafe."""
    rules = vocabulary.ingest_rules()
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise MalformedFile(source_file, f"unreadable zip archive: {exc}") from exc
    if len(infos) > rules.zip_max_members:
        raise MalformedFile(source_file, f"zip has {len(infos)} members (limit {rules.zip_max_members})")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > rules.zip_max_uncompressed_bytes:
        raise MalformedFile(
            source_file, f"zip would expand to {total:,} bytes (limit {rules.zip_max_uncompressed_bytes:,})"
        )
    if packed and total / packed > rules.zip_max_ratio:
        raise MalformedFile(
            source_file, f"zip compression ratio {total / packed:.0f}:1 exceeds {rules.zip_max_ratio:.0f}:1 (zip bomb?)"
        )
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise MalformedFile(source_file, f"zip member {info.filename!r} has an unsafe path")
    return infos


class _BoundedReader(io.RawIOBase):
    """Stops a member that inflates beyond its declared size (a lying header)."""

    def __init__(self, raw: IO[bytes], limit: int, label: str, owner: zipfile.ZipFile):
        self._raw, self._left, self._label, self._owner = raw, limit, label, owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(min(len(buffer), self._left + 1))
        if len(data) > self._left:
            raise MalformedFile(self._label, "zip member inflates beyond its declared size")
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        self._owner.close()
        super().close()


def zip_members(path: Path, source_file: str) -> list[LandingFile]:
    members = []
    for info in safe_members(path, source_file):
        label = f"{source_file}{MEMBER_SEPARATOR}{info.filename}"

        def opener(info=info, label=label):
            archive = zipfile.ZipFile(path)
            raw = archive.open(info)
            return io.BufferedReader(_BoundedReader(raw, info.file_size, label, archive), buffer_size=1 << 20)

        members.append(LandingFile(label, opener, info.file_size))
    return members

"""Evidence files behind a small interface: a local folder now, an object store (S3-compatible) later.

Files are content-addressed: the key of a file is the SHA-256 of its bytes, written as 64 lower-case hex digits.
Callers never build paths: they hand bytes (or a stream) to :meth:`EvidenceStore.put` and get the key back, and they
read with :meth:`EvidenceStore.open`. No user-supplied text (a file name, a desa name) ever reaches a path: the only
thing a path is built from is a key that has been checked to be 64 hex digits.

Which store an app uses is chosen by ``app.config["EVIDENCE_STORE"]`` (default ``"local"``) from
:data:`STORE_FACTORIES`; adding an object store means adding a factory there, not touching callers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, current_app

CHUNK_SIZE = 1024 * 1024
TEMP_PREFIX = ".incoming-"
"""Name prefix of a file being written; it becomes its key only by an atomic rename once complete."""
_KEY_PATTERN = re.compile(r"\A[0-9a-f]{64}\Z")


class StorageError(Exception):
    """A storage operation failed (a missing object, a malformed key)."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What :meth:`EvidenceStore.put` returns: the content key and the size in bytes."""

    sha256: str
    size: int


class EvidenceStore(Protocol):
    """Content-addressed blob store for evidence files and their display copies."""

    def put(self, data: bytes | BinaryIO) -> StoredObject:
        """Store ``data`` (idempotent: the same bytes give the same key and one stored copy)."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """Open the object for reading; raises :class:`StorageError` when it does not exist."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether the object is stored."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the object (no error when it is already gone)."""
        ...

    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every stored key with the last time it was written or stored again (UTC)."""
        ...

    def remove_incomplete(self, older_than: datetime, *, dry_run: bool = False) -> int:
        """Remove writes that never finished (a killed process) begun before ``older_than``; return how many."""
        ...


def check_key(sha256: str) -> str:
    """Return ``sha256`` if it is 64 lower-case hex digits; anything else never becomes part of a path."""
    if not isinstance(sha256, str) or not _KEY_PATTERN.match(sha256):
        raise StorageError("kunci berkas tidak valid")
    return sha256


class LocalEvidenceStore:
    """Files under one folder, fanned out as ``ab/cd/abcd...`` so no directory grows huge.

    Writes go to a temporary file in the destination's own folder and are moved into place with ``os.replace``,
    which is atomic on one file system: a reader sees the whole file or nothing, and an upload that fails midway
    (a dropped connection, a full disk) leaves only a temporary file that is removed on the way out.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        key = check_key(sha256)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes | BinaryIO) -> StoredObject:
        if isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
            key = hashlib.sha256(payload).hexdigest()
            target = self._path(key)
            if self._refresh(target):
                return StoredObject(key, len(payload))
            self._write_atomically(target, [payload])
            return StoredObject(key, len(payload))
        return self._put_stream(data)

    def _put_stream(self, stream: BinaryIO) -> StoredObject:
        # The key is known only after reading everything: spool into a temporary file in the root (the same file
        # system as every destination), then move it into its fan-out folder.
        digest = hashlib.sha256()
        size = 0
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.root)
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := stream.read(CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            key = digest.hexdigest()
            target = self._path(key)
            if self._refresh(target):
                os.unlink(temp_name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp_name, target)
            return StoredObject(key, size)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise

    @staticmethod
    def _refresh(target: Path) -> bool:
        """Whether ``target`` exists; if so its time is set to now, so the sweep treats it as just stored (a file
        left unreferenced earlier and uploaded again must not be swept before the new row refers to it)."""
        try:
            os.utime(target)
        except FileNotFoundError:
            return False
        return True

    @staticmethod
    def _write_atomically(target: Path, chunks: list[bytes]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError as error:
            raise StorageError("berkas tidak ditemukan di penyimpanan") from error

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(sha256).unlink()

    def stored(self) -> Iterator[tuple[str, datetime]]:
        for path in self.root.glob("??/??/*"):
            if _KEY_PATTERN.match(path.name) and path.parent.parent.name == path.name[:2] and path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def remove_incomplete(self, older_than: datetime, *, dry_run: bool = False) -> int:
        removed = 0
        for path in self.root.rglob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(FileNotFoundError):
                if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, UTC) < older_than:
                    if not dry_run:
                        path.unlink()
                    removed += 1
        return removed


StoreFactory = Callable[[Flask], EvidenceStore]


def _local_store(app: Flask) -> EvidenceStore:
    return LocalEvidenceStore(app.config["EVIDENCE_DIR"])


STORE_FACTORIES: dict[str, StoreFactory] = {"local": _local_store}
"""Store kinds by the name used in ``EVIDENCE_STORE``; an S3-compatible store registers itself here."""


def init_app(app: Flask) -> None:
    """Create the configured store once and keep it on ``app.extensions``."""
    kind = app.config.get("EVIDENCE_STORE", "local")
    try:
        factory = STORE_FACTORIES[kind]
    except KeyError as error:
        raise RuntimeError(f"EVIDENCE_STORE tidak dikenal: {kind!r} (pilihan: {', '.join(STORE_FACTORIES)})") from error
    app.extensions["evidence_store"] = factory(app)


def get_store(app: Flask | None = None) -> EvidenceStore:
    """The evidence store of ``app`` (default: the current app)."""
    target: Flask = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    if "evidence_store" not in target.extensions:
        init_app(target)
    store: EvidenceStore = target.extensions["evidence_store"]
    return store

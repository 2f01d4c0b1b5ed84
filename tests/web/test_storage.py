"""The evidence store: content addressing, atomic writes, no user text in paths, the factory by configuration."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from flask import Flask

from assessment.platform import storage
from assessment.platform.storage import LocalEvidenceStore, StorageError


def test_put_returns_the_sha256_and_the_same_bytes_come_back(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    data = b"surat keputusan kepala desa" * 100
    stored = store.put(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    with store.open(stored.sha256) as handle:
        assert handle.read() == data


def test_stream_and_bytes_give_the_same_key(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    data = os.urandom(3 * storage.CHUNK_SIZE + 17)
    assert store.put(io.BytesIO(data)) == store.put(data)


def test_same_content_is_stored_once(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    store.put(b"sama")
    store.put(io.BytesIO(b"sama"))
    stored_files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(stored_files) == 1


def test_files_are_fanned_out_by_key(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    key = store.put(b"isi").sha256
    assert (tmp_path / key[:2] / key[2:4] / key).is_file()


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "abc", "0" * 63 + "/", "", "0" * 65])
def test_keys_that_are_not_sha256_hex_never_become_paths(tmp_path: Path, key: str) -> None:
    store = LocalEvidenceStore(tmp_path)
    with pytest.raises(StorageError):
        store.open(key)
    with pytest.raises(StorageError):
        store.exists(key)
    with pytest.raises(StorageError):
        store.delete(key)


def test_open_missing_object_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        LocalEvidenceStore(tmp_path).open("0" * 64)


def test_delete_removes_and_tolerates_missing(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    key = store.put(b"hapus").sha256
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)


class _BrokenStream(io.RawIOBase):
    """A stream that fails midway, like an upload whose connection drops."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 2:
            raise ConnectionResetError("koneksi putus")
        return b"x" * 1000


def test_upload_that_fails_midway_leaves_no_file(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        store.put(_BrokenStream())  # type: ignore[arg-type]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_failed_write_of_bytes_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalEvidenceStore(tmp_path)

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        store.put(b"isi bukti")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_store_is_chosen_by_configuration(tmp_path: Path) -> None:
    app = Flask("t")
    app.config.update(EVIDENCE_DIR=str(tmp_path / "bukti"))
    assert isinstance(storage.get_store(app), LocalEvidenceStore)


def test_another_store_kind_can_be_added_without_touching_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory: dict[str, bytes] = {}

    class MemoryStore:
        def put(self, data: bytes | io.BufferedIOBase) -> storage.StoredObject:
            payload = data if isinstance(data, bytes) else data.read()
            key = hashlib.sha256(payload).hexdigest()
            memory[key] = payload
            return storage.StoredObject(key, len(payload))

        def open(self, sha256: str) -> io.BytesIO:
            return io.BytesIO(memory[sha256])

        def exists(self, sha256: str) -> bool:
            return sha256 in memory

        def delete(self, sha256: str) -> None:
            memory.pop(sha256, None)

    monkeypatch.setitem(storage.STORE_FACTORIES, "memory", lambda app: MemoryStore())
    app = Flask("t")
    app.config.update(EVIDENCE_STORE="memory")
    key = storage.get_store(app).put(b"objek").sha256
    assert memory[key] == b"objek"


def test_unknown_store_kind_is_a_clear_error() -> None:
    app = Flask("t")
    app.config.update(EVIDENCE_STORE="ftp")
    with pytest.raises(RuntimeError, match="EVIDENCE_STORE"):
        storage.get_store(app)

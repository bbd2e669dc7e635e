"""Two processes pulling one layer, and a writer killed with SIGKILL mid-extraction (root)."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import signal
import tarfile
import time

import pytest

from pypod.storage.store import Store

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (overlay)")


def big_layer(files: int = 1500) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for i in range(files):
            info = tarfile.TarInfo(f"d{i % 20}/f{i}")
            data = os.urandom(2000)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _put(graph: str, run: str, driver: str, data: bytes, start, results) -> None:
    store = Store.open(graph, run, driver)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    start.wait()
    layer = store.put_layer(digest[7:], None, io.BytesIO(data), diff_digest=digest)
    results.put(layer.id)
    store.close()


@pytest.mark.parametrize("driver", ["overlay", "vfs"])
def test_two_processes_put_the_same_layer(tmp_path, driver: str) -> None:
    graph, run = str(tmp_path / "g"), str(tmp_path / "r")
    Store.open(graph, run, driver).close()
    data = big_layer()
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_put, args=(graph, run, driver, data, start, results)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ids = {results.get(timeout=5) for _ in procs}
    assert len(ids) == 1
    store = Store.open(graph, run)
    try:
        assert [layer.id for layer in store.layers()] == list(ids)
        assert store.diff(ids.pop()).read() == data
        assert os.listdir(f"{graph}/tmp") == []
    finally:
        store.close()


def _slow_put(graph: str, run: str, read_fd: int) -> None:
    store = Store.open(graph, run, "overlay")
    with os.fdopen(read_fd, "rb") as stream:
        store.put_layer("ab" * 32, None, stream)


def test_sigkill_mid_extraction_leaves_no_layer(tmp_path) -> None:
    graph, run = str(tmp_path / "g"), str(tmp_path / "r")
    Store.open(graph, run, "overlay").close()
    data = big_layer()
    read_fd, write_fd = os.pipe()
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_slow_put, args=(graph, run, read_fd))
    proc.start()
    os.close(read_fd)
    os.write(write_fd, data[: len(data) // 2])  # half a layer, then the writer dies
    deadline = time.time() + 20
    while not os.listdir(f"{graph}/tmp") and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    os.close(write_fd)
    assert os.listdir(f"{graph}/tmp")  # the staging dir is still there...
    store = Store.open(graph, run)
    try:
        assert not store.has_layer("ab" * 32)
        assert os.listdir(f"{graph}/tmp") == []  # ...until the next open removes it
        assert [n for n in os.listdir(f"{graph}/overlay") if len(n) == 64] == []
        # and the layer can be stored afterwards
        store.put_layer("ab" * 32, None, io.BytesIO(data))
        assert store.diff("ab" * 32).read() == data
    finally:
        store.close()


def test_orphaned_layer_dir_is_removed_on_open(tmp_path) -> None:
    graph, run = str(tmp_path / "g"), str(tmp_path / "r")
    store = Store.open(graph, run, "overlay")
    store.close()
    orphan = f"{graph}/overlay/{'cd' * 32}"
    os.makedirs(f"{orphan}/diff")
    os.makedirs(f"{graph}/layers/{'cd' * 32}")
    Store.open(graph, run).close()
    assert not os.path.exists(orphan)
    assert not os.path.exists(f"{graph}/layers/{'cd' * 32}")

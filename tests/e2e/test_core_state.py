"""The container database under real concurrency (separate processes, each with its own
connection), cross-process locks, and volumes mounted for real (root)."""

from __future__ import annotations

import multiprocessing as mp
import os
import secrets
import subprocess
import time

import pytest

from pypod.core.containers import ContainerStore
from pypod.core.model import ContainerConfig, ContainerState, Status
from pypod.core.volumes import Volumes
from pypod.host.mounts import is_mountpoint

WRITERS = 20


def _config(name: str = "") -> ContainerConfig:
    cid = secrets.token_hex(32)
    return ContainerConfig(
        id=cid,
        name=name or "tmp",
        created=time.time(),
        image_id="0" * 64,
        image_name="localhost/busybox:latest",
    )


def _create_one(graph: str, run: str, start: float, named: bool, out: mp.Queue) -> None:
    # every writer opens its own store, as 20 separate `pypod run -d` would
    while time.time() < start:
        time.sleep(0.001)
    store = ContainerStore.open(graph, run)
    try:
        cfg = _config(f"named-{os.getpid()}" if named else "")
        cfg = store.create(cfg, ContainerState(), random_name=not named)
        with store.locked(cfg.id):
            store.set_state(cfg.id, ContainerState(status=Status.RUNNING, pid=os.getpid()))
        out.put(("ok", cfg.id, cfg.name))
    except Exception as exc:  # reported to the parent, which fails the test
        out.put(("error", repr(exc), ""))
    finally:
        store.close()


def _read_loop(graph: str, run: str, stop_at: float, out: mp.Queue) -> None:
    store = ContainerStore.open(graph, run)
    reads = 0
    try:
        while time.time() < stop_at:
            for cfg, st in store.list():
                # a record is never visible without its state, nor half-written
                assert cfg.id and st.status in (Status.CONFIGURED, Status.RUNNING)
            reads += 1
        out.put(("reads", reads, ""))
    except Exception as exc:
        out.put(("error", repr(exc), ""))
    finally:
        store.close()


@pytest.mark.parametrize("named", [False, True], ids=["random-names", "given-names"])
def test_twenty_concurrent_creates(tmp_path, named):
    graph, run = str(tmp_path / "graph"), str(tmp_path / "run")
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    start = time.time() + 0.5
    procs = [
        ctx.Process(target=_create_one, args=(graph, run, start, named, out))
        for _ in range(WRITERS)
    ]
    readers = [ctx.Process(target=_read_loop, args=(graph, run, start + 1.5, out))
               for _ in range(2)]  # fmt: skip
    for p in procs + readers:
        p.start()
    results = [out.get(timeout=60) for _ in range(WRITERS + len(readers))]
    for p in procs + readers:
        p.join(30)
    errors = [r for r in results if r[0] == "error"]
    assert not errors, errors
    created = [r for r in results if r[0] == "ok"]
    assert len(created) == WRITERS
    assert len({r[1] for r in created}) == WRITERS
    assert len({r[2] for r in created}) == WRITERS
    assert all(r[1] > 0 for r in results if r[0] == "reads")
    store = ContainerStore.open(graph, run)
    try:
        listed = store.list()
        assert {c.id for c, _ in listed} == {r[1] for r in created}
        assert all(st.status is Status.RUNNING for _, st in listed)
    finally:
        store.close()


def _hold_lock(graph: str, run: str, cid: str, ready: mp.Event, release: mp.Event) -> None:
    store = ContainerStore.open(graph, run)
    with store.locked(cid):
        ready.set()
        release.wait(10)
    store.close()


def test_lock_excludes_another_process(tmp_path):
    graph, run = str(tmp_path / "graph"), str(tmp_path / "run")
    store = ContainerStore.open(graph, run)
    cfg = store.create(_config("locked"), ContainerState())
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_hold_lock, args=(graph, run, cfg.id, ready, release))
    p.start()
    try:
        assert ready.wait(10)
        t0 = time.monotonic()
        ctx_timer = __import__("threading").Timer(0.3, release.set)
        ctx_timer.start()
        with store.locked(cfg.id):
            waited = time.monotonic() - t0
        assert waited >= 0.25
    finally:
        release.set()
        p.join(10)
        store.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs volume needs root")
def test_tmpfs_volume_is_mounted_on_first_use_and_unmounted_after_last(tmp_path):
    store = ContainerStore.open(str(tmp_path / "graph"), str(tmp_path / "run"))
    vols = Volumes(store, store.graph_root)
    try:
        vols.create("t", options={"type": "tmpfs", "device": "tmpfs", "o": "size=2m,mode=0711"})
        data = vols.data_path("t")
        assert not is_mountpoint(data)
        assert vols.mount("t") == data
        assert is_mountpoint(data)
        vols.mount("t")
        with open(os.path.join(data, "f"), "w") as f:
            f.write("in tmpfs")
        vols.unmount("t")
        assert is_mountpoint(data)  # one user left
        vols.unmount("t")
        assert not is_mountpoint(data)
        assert not os.path.exists(os.path.join(data, "f"))
        vols.mount("t")
        vols.remove("t")  # removal unmounts
        assert not os.path.exists(data)
    finally:
        subprocess.run(["umount", "-l", str(tmp_path / "graph/volumes/t/_data")],
                       capture_output=True, check=False)  # fmt: skip
        store.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="bind-mounting a device volume needs root")
def test_bind_device_volume(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "hello").write_text("hi")
    store = ContainerStore.open(str(tmp_path / "graph"), str(tmp_path / "run"))
    vols = Volumes(store, store.graph_root)
    try:
        vols.create("b", options={"type": "none", "device": str(src), "o": "bind"})
        data = vols.mount("b")
        assert (tmp_path / "graph/volumes/b/_data/hello").read_text() == "hi"
        vols.unmount("b")
        assert not is_mountpoint(data)
        assert (src / "hello").exists()
    finally:
        subprocess.run(["umount", "-l", str(tmp_path / "graph/volumes/b/_data")],
                       capture_output=True, check=False)  # fmt: skip
        store.close()


def test_image_events_are_logged(pypod, store, tmp_path):
    """import, tag, untag, save, remove and load each leave Podman's image event."""
    import io
    import json
    import tarfile

    rootfs = tmp_path / "rootfs.tar"
    with tarfile.open(rootfs, "w") as tar:
        info = tarfile.TarInfo("hello")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    image_id = pypod("import", "-q", str(rootfs), "localhost/ev:1").stdout.strip()
    image_id = image_id.removeprefix("sha256:")
    pypod("tag", "localhost/ev:1", "ev:2")
    pypod("untag", "localhost/ev:1", "localhost/ev:2")
    archive = str(tmp_path / "ev.tar")
    pypod("save", "-o", archive, "localhost/ev:1")
    pypod("rmi", "localhost/ev:1")
    pypod("load", "-q", "-i", archive)
    with open(os.path.join(store.runroot, "events", "events.log"), encoding="utf-8") as f:
        events = [json.loads(line) for line in f]
    got = [(e["Type"], e["Status"], e.get("Name", "")) for e in events]
    assert got == [
        ("image", "import", "localhost/ev:1"),
        ("image", "tag", "localhost/ev:2"),
        ("image", "untag", "localhost/ev:2"),
        ("image", "save", "localhost/ev:1"),
        ("image", "untag", "localhost/ev:1"),
        ("image", "remove", "localhost/ev:1"),
        ("image", "load", "localhost/ev:1"),
    ]
    assert all(e["ID"] == image_id for e in events[:3])

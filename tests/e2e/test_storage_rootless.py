"""The store as the unprivileged test user, inside pypod's user namespace, on real disks.

Layers are stored by a small script run through `pypod unshare` (the Store API as a rootless
engine uses it); ownership, whiteouts and opaque marks are then checked from outside, as root,
where the subordinate ids are visible. Mounts live in the user's namespace, so each test
unmounts what it mounted before its store is deleted.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.pypod_cli import StoreDirs, pypod_binary, remove_store_dirs
from tests.fixtures.users import RootlessPypod, UserInfo, make_user_dir, run_as_user

pytestmark = pytest.mark.rootless

PYTHON = str(Path(pypod_binary()).parent / "python")
FUSE = "overlay.mount_program=/usr/bin/fuse-overlayfs"

# Runs inside the namespace: store the layers, replay their diffs, mount the image, report.
STORE_SCRIPT = r"""
import hashlib, io, json, os, stat, sys
from pypod import log
log.configure("debug")
from pypod.storage.db import chain_ids
from pypod.storage.store import Store

spec = json.loads(sys.argv[1])
tars = [open(p, "rb").read() for p in spec["layers"]]
diffs = ["sha256:" + hashlib.sha256(t).hexdigest() for t in tars]
chains = chain_ids(diffs)
out = {}
store = Store.open(spec["graph"], spec["run"], spec["driver"], tuple(spec["options"]), True)
out["driver"], out["mode"] = store.driver_name, getattr(store.driver, "mode", "")
parent = None
try:
    for chain, data, diff in zip(chains, tars, diffs):
        store.put_layer(chain, parent, io.BytesIO(data), diff_digest=diff)
        parent = chain
except Exception as exc:
    out["error"] = str(exc)
    print(json.dumps(out))
    sys.exit(0)
out["paths"] = [store.layer_path(c) for c in chains]
out["replay"] = [store.diff(c).read() == t for c, t in zip(chains, tars)]
config = json.dumps({"rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
image_id = hashlib.sha256(config).hexdigest()
store.create_image(image_id, parent, config=config)
root = store.mount_image(image_id)
try:
    tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            tree[os.path.relpath(path, root)] = [st.st_uid, stat.S_IFMT(st.st_mode)]
    out["tree"] = tree
    if os.path.exists(os.path.join(root, "etc", "keep")):
        with open(os.path.join(root, "etc", "keep")) as f:
            out["keep"] = f.read()
    with open("/proc/self/mountinfo") as f:
        out["fstype"] = [l.split(" - ")[1].split()[0] for l in f if l.split()[4] == root]
finally:
    store.unmount_image(image_id)
out["mounted_after"] = store.mounted_images()
print(json.dumps(out))
"""

# Runs inside the namespace: lazily unmount everything below a directory.
UNMOUNT_SCRIPT = r"""
import subprocess, sys
prefix = sys.argv[1].rstrip("/") + "/"
with open("/proc/self/mountinfo") as f:
    targets = [l.split()[4] for l in f if l.split()[4].startswith(prefix)]
for t in sorted(targets, reverse=True):
    subprocess.run(["umount", "-l", t], check=False)
"""


def tar(*members: tuple) -> bytes:
    """(kind, name, data[, uid]): f file, d dir, c char device, b block device, p fifo."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for kind, name, data, *owner in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            info.mode = 0o644 if kind == "f" else 0o755
            if owner:
                info.uid = info.gid = owner[0]
            if kind == "f":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
                continue
            info.type = {
                "d": tarfile.DIRTYPE,
                "c": tarfile.CHRTYPE,
                "b": tarfile.BLKTYPE,
                "p": tarfile.FIFOTYPE,
            }[kind]
            if kind in "cb":
                info.devmajor, info.devminor = (1, 3) if kind == "c" else (7, 0)
            t.addfile(info)
    return buf.getvalue()


LAYERS = [
    tar(
        ("d", "etc", b""),
        ("f", "etc/keep", b"keep", 1000),
        ("f", "etc/gone", b"gone"),
        ("d", "opq", b""),
        ("f", "opq/old", b"old"),
        ("d", "dir", b""),
        ("f", "dir/a", b"a"),
        ("d", "dev", b""),
        ("c", "dev/null", b""),
        ("b", "dev/loop0", b""),
        ("p", "fifo", b""),
        ("d", "home", b"", 1000),
    ),
    tar(
        ("f", "etc/.wh.gone", b""),
        ("d", "opq", b""),
        ("f", "opq/.wh..wh..opq", b""),
        ("f", "opq/new", b"new"),
        ("f", ".wh.dir", b""),
    ),
    tar(("f", "etc/keep", b"changed", 1000), ("d", "dir", b""), ("f", "dir/b", b"b")),
]


@pytest.fixture
def ns_store(pypod_rootless: RootlessPypod) -> Iterator[RootlessPypod]:
    """pypod_rootless, whose namespace mounts below the store are removed afterwards."""
    yield pypod_rootless
    unshare_python(pypod_rootless, UNMOUNT_SCRIPT, pypod_rootless.dirs.base, check=False)


def unshare_python(pypod: RootlessPypod, code: str, *args: str, check: bool = True):
    return pypod("unshare", PYTHON, "-c", code, *args, check=check)


def write_layers(dirs: StoreDirs, layers: list[bytes]) -> list[str]:
    paths = []
    for i, data in enumerate(layers):
        path = os.path.join(dirs.base, f"layer{i}.tar")
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        paths.append(path)
    return paths


def store_layers(
    pypod: RootlessPypod, layers: list[bytes], driver: str = "", options: tuple[str, ...] = ()
) -> tuple[dict, str]:
    spec = {
        "graph": pypod.dirs.root,
        "run": pypod.dirs.runroot,
        "driver": driver,
        "options": list(options),
        "layers": write_layers(pypod.dirs, layers),
    }
    r = unshare_python(pypod, STORE_SCRIPT, json.dumps(spec))
    return json.loads(r.stdout), r.stderr


def kernel_at_least(major: int, minor: int) -> bool:
    release = os.uname().release.split("-")[0].split(".")
    return (int(release[0]), int(release[1])) >= (major, minor)


@pytest.mark.parametrize("options", [(), (FUSE,)], ids=["native", "fuse-overlayfs"])
def test_overlay_image_rootless(
    ns_store: RootlessPypod, rootless_user: UserInfo, options: tuple[str, ...]
) -> None:
    if not options and not kernel_at_least(5, 11):
        pytest.skip("rootless kernel overlayfs needs userxattr (Linux >= 5.11)")
    out, log = store_layers(ns_store, LAYERS, options=options)
    assert out["driver"] == "overlay"
    assert out["mode"] == ("fuse" if options else "native")
    assert out["fstype"] == (["fuse.fuse-overlayfs"] if options else ["overlay"])
    assert out["replay"] == [True, True, True]  # byte-identical, skipped devices included

    # seen inside the namespace, through the mount
    tree = out["tree"]
    assert out["keep"] == "changed"
    assert tree["etc/keep"] == [1000, stat.S_IFREG]
    assert tree["home"] == [1000, stat.S_IFDIR]
    assert "etc/gone" not in tree
    assert sorted(k for k in tree if k.startswith("opq/")) == ["opq/new"]
    assert sorted(k for k in tree if k.startswith("dir/")) == ["dir/b"]
    assert tree["fifo"][1] == stat.S_IFIFO
    assert tree["dev"][1] == stat.S_IFDIR and not any(k.startswith("dev/") for k in tree)
    assert out["mounted_after"] == {}

    # device nodes were skipped with a debug message, not an error
    assert "dev/null: skipped: device nodes cannot be created in a user namespace" in log
    assert "dev/loop0: skipped" in log

    # seen from outside, as root: in-image ids shifted into the subordinate range
    sub = rootless_user.subuid[0]
    lower, middle, upper = out["paths"]
    for path in (f"{lower}/etc/keep", f"{upper}/etc/keep", f"{lower}/home"):
        st = os.lstat(path)
        assert (st.st_uid, st.st_gid) == (sub + 999, rootless_user.subgid[0] + 999), path
    assert os.lstat(f"{lower}/etc/gone").st_uid == rootless_user.uid  # image uid 0
    assert os.listdir(f"{lower}/dev") == []
    whiteout = os.lstat(f"{middle}/etc/gone")
    assert stat.S_ISCHR(whiteout.st_mode) and whiteout.st_rdev == 0
    assert not os.path.lexists(f"{middle}/etc/.wh.gone")
    assert os.getxattr(f"{middle}/opq", "user.overlay.opaque") == b"y"
    assert "trusted.overlay.opaque" not in os.listxattr(f"{middle}/opq")
    assert stat.S_ISCHR(os.lstat(f"{middle}/dir").st_mode)


def test_ids_beyond_the_namespace(ns_store: RootlessPypod) -> None:
    """An owner outside the subordinate range fails with advice, unless chown errors are
    ignored (the storage option accepts the driver prefix, as containers/storage's does)."""
    layer = tar(("f", "big", b"x", 200_000))
    out, _ = store_layers(ns_store, [layer])
    assert "cannot set owner 200000:200000" in out["error"]
    assert "ignore_chown_errors" in out["error"]
    out, _ = store_layers(ns_store, [layer], options=("overlay.ignore_chown_errors=true",))
    assert "error" not in out
    assert out["tree"]["big"] == [0, stat.S_IFREG]  # squashed to the user's own id


def info_store(pypod: RootlessPypod, *flags: str) -> dict:
    return json.loads(pypod(*flags, "info", "--format", "json").stdout)["store"]


PODMAN_OVERLAY_KEYS = {
    "Backing Filesystem",
    "Native Overlay Diff",
    "Supports d_type",
    "Using metacopy",
}


def test_info_native(pypod_rootless: RootlessPypod) -> None:
    if not kernel_at_least(5, 11):
        pytest.skip("rootless kernel overlayfs needs userxattr (Linux >= 5.11)")
    store = info_store(pypod_rootless)
    status = store["graphStatus"]
    assert store["graphDriverName"] == "overlay"
    assert set(status) >= PODMAN_OVERLAY_KEYS
    assert status["Native Overlay Diff"] == "true"
    assert status["Using metacopy"] == "false"
    assert status["Supports d_type"] == "true"
    assert status["Backing Filesystem"] == "extfs" or not status["Backing Filesystem"].startswith(
        "<"
    )
    assert status["Overlay Mode"] == "native"
    assert "userxattr" in status["Driver Reason"]
    assert store["graphOptions"] == {}
    # probed once: the verdict is cached in the graph root
    with open(os.path.join(pypod_rootless.dirs.root, "overlay", ".support")) as f:
        assert json.load(f)["mode"] == "native"


def test_info_forced_fuse_and_vfs(pypod_rootless: RootlessPypod) -> None:
    store = info_store(pypod_rootless, "--storage-opt", FUSE)
    status = store["graphStatus"]
    assert store["graphDriverName"] == "overlay"
    assert status["Native Overlay Diff"] == "false"
    assert status["Overlay Mode"] == "fuse-overlayfs"
    assert "overlay.mount_program" in status["Driver Reason"]
    program = store["graphOptions"]["overlay.mount_program"]
    assert program["Executable"] == "/usr/bin/fuse-overlayfs"
    assert "fuse-overlayfs" in program["Version"]

    dirs = pypod_rootless.dirs
    vfs = RootlessPypod(StoreDirs(dirs.base, dirs.root + "-vfs", dirs.runroot + "-vfs"))
    store = info_store(vfs, "--storage-driver", "vfs")
    assert store["graphDriverName"] == "vfs"
    assert set(store["graphStatus"]) == {"Driver Reason"}
    assert "configured" in store["graphStatus"]["Driver Reason"]

    r = pypod_rootless("--storage-opt", "overlay.mount_program=/nonexistent", "info", check=False)
    assert r.rc == 125 and "/nonexistent" in r.stderr


def test_no_overlay_falls_back_to_vfs(
    pypod_rootless: RootlessPypod, rootless_user: UserInfo
) -> None:
    """A graph root whose cached verdict is "no overlay here" (as a host without overlayfs and
    fuse would record) gets vfs, and says why, then and after reopening; asking for overlay
    explicitly probes again instead of trusting the cache."""
    dirs = pypod_rootless.dirs
    for root in (dirs.root, dirs.root + "-2"):
        home = os.path.join(root, "overlay")
        os.makedirs(home)
        with open(os.path.join(home, ".support"), "w") as f:
            json.dump({"mode": "", "reason": "no overlay (test)"}, f)
        for path in (root, home, f"{home}/.support"):
            os.chown(path, rootless_user.uid, rootless_user.gid)
    for _ in range(2):
        store = info_store(pypod_rootless)
        assert store["graphDriverName"] == "vfs"
        reason = store["graphStatus"]["Driver Reason"]
        assert reason == "overlay is not supported here: no overlay (test)"
    again = RootlessPypod(StoreDirs(dirs.base, dirs.root + "-2", dirs.runroot + "-2"))
    store = info_store(again, "--storage-driver", "overlay")
    assert store["graphDriverName"] == "overlay"


def test_native_failure_falls_back_to_fuse(
    rootless_user: UserInfo, private_runtime_dir: str
) -> None:
    """A graph root on an overlay mount, where the kernel refuses another overlay's upper
    layer: the probe fails, fuse-overlayfs takes over, and info says why."""
    from tests.fixtures.pypod_cli import make_store_dirs, run_command

    base = make_store_dirs(rootless_user.uid, rootless_user.gid).base
    try:
        for d in ("l", "u", "w", "m"):
            os.mkdir(os.path.join(base, d))
        os.chown(os.path.join(base, "u"), rootless_user.uid, rootless_user.gid)
        opts = f"lowerdir={base}/l,upperdir={base}/u,workdir={base}/w"
        run_command(["mount", "-t", "overlay", "overlay", "-o", opts, f"{base}/m"])
        # the private runtime dir means a new pause process, which copies this mount
        dirs = StoreDirs(base, f"{base}/m/graph", f"{base}/m/run")
        pypod = RootlessPypod(dirs, env={"XDG_RUNTIME_DIR": private_runtime_dir})
        for _ in range(2):  # the second run reads the cached verdict
            store = info_store(pypod)
            status = store["graphStatus"]
            assert store["graphDriverName"] == "overlay"
            assert status["Backing Filesystem"] == "overlayfs"
            assert status["Overlay Mode"] == "fuse-overlayfs"
            reason = status["Driver Reason"]
            assert reason.startswith("kernel overlayfs cannot mount here: mount(2): ")
            assert reason.endswith("; using fuse-overlayfs")
            assert store["graphOptions"]["overlay.mount_program"]["Executable"]
        home = f"{base}/m/graph/overlay"
        assert not [n for n in os.listdir(home) if n.startswith(".probe-")]
        with open(f"{home}/.support") as f:
            assert json.load(f)["mode"] == "fuse"
    finally:
        remove_store_dirs(StoreDirs(base, "", ""))


def test_default_paths_and_modes(rootless_user: UserInfo, private_runtime_dir: str) -> None:
    home = make_user_dir("pypod-home-")
    try:
        env = {"HOME": home, "XDG_RUNTIME_DIR": private_runtime_dir}
        r = run_as_user([pypod_binary(), "info", "--format", "json"], env=env)
        store = json.loads(r.stdout)["store"]
        graph = os.path.join(home, ".local", "share", "pypod", "storage")
        run = os.path.join(private_runtime_dir, "pypod")
        assert (store["graphRoot"], store["runRoot"]) == (graph, run)
        for path in (graph, run):
            st = os.stat(path)
            assert stat.S_IMODE(st.st_mode) == 0o700, path
            assert st.st_uid == rootless_user.uid, path
    finally:
        remove_store_dirs(StoreDirs(home, "", ""))


def test_second_command_sees_the_mount(ns_store: RootlessPypod) -> None:
    """Mounts live in the user's namespace, which every rootless command joins."""
    from tests.fixtures import ocibuild

    tarball = os.path.join(ns_store.dirs.base, "rootfs.tar")
    with open(tarball, "wb") as f:
        f.write(ocibuild.make_tar({"etc/": b"", "etc/motd": b"hello\n"}))
    os.chmod(tarball, 0o644)
    ns_store("import", "-q", tarball, "localhost/mnt:1")
    inner = [pypod_binary(), *ns_store.dirs.global_flags()]
    path = ns_store("unshare", *inner, "image", "mount", "localhost/mnt:1").stdout.strip()
    assert ns_store("unshare", "cat", f"{path}/etc/motd").stdout == "hello\n"
    listed = ns_store("unshare", *inner, "image", "mount").stdout
    assert listed == f"localhost/mnt:1  {path}\n"
    assert not os.path.ismount(path)  # not in root's (the host's) namespace
    ns_store("unshare", *inner, "image", "unmount", "localhost/mnt:1")
    r = ns_store("unshare", "cat", "/proc/self/mountinfo")
    assert f" {path} " not in r.stdout

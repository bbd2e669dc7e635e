"""`pypod volume ...` end to end, as root and rootless, with Podman's outputs and exit codes."""

from __future__ import annotations

import io
import json
import os
import secrets
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor

from pypod.core.containers import ContainerStore
from pypod.core.model import ContainerConfig, ContainerState, Mount


def _events(store) -> list[dict]:
    path = os.path.join(store.runroot, "events", "events.log")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def tar_names(data: bytes | str) -> list[str]:
    src = {"name": data} if isinstance(data, str) else {"fileobj": io.BytesIO(data)}
    with tarfile.open(**src) as tar:  # type: ignore[arg-type]
        return sorted(tar.getnames())


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_create_ls_inspect_rm(pypod, store):
    assert pypod("volume", "create", "v1").stdout == "v1\n"
    r = pypod("volume", "create", "--label", "a=b", "-l", "c", "-o", "type=tmpfs",
              "-o", "device=tmpfs", "-o", "o=nodev", "v2")  # fmt: skip
    assert r.stdout == "v2\n"
    anon = pypod("volume", "create").stdout.strip()
    assert len(anon) == 64
    r = pypod("volume", "create", "v1", check=False)
    assert r.rc == 125
    assert "volume with name v1 already exists: volume already exists" in r.stderr
    assert pypod("volume", "create", "--ignore", "v1").stdout == "v1\n"

    assert pypod("volume", "ls").stdout == (
        f"DRIVER      VOLUME NAME\nlocal       {anon}\nlocal       v1\nlocal       v2\n"
    )
    assert pypod("volume", "ls", "-q").stdout == f"{anon}\nv1\nv2\n"
    assert pypod("volume", "ls", "--noheading", "--filter", "label=c").stdout == (
        "local       v2\n"
    )
    assert pypod("volume", "ls", "-q", "--filter", "name=^v").stdout == "v1\nv2\n"
    assert pypod("volume", "ls", "-q", "--filter", "label=a=b,driver=local").stdout == "v2\n"
    assert pypod("volume", "ls", "-q", "--filter", "label=a=x").stdout == ""
    assert pypod("volume", "ls", "-q", "--filter", "dangling=true").stdout.count("\n") == 3
    r = pypod("volume", "ls", "--filter", "bogus=1", check=False)
    assert r.rc == 125 and '"bogus" is an invalid volume filter' in r.stderr
    r = pypod("volume", "ls", "--format", "{{.Name}} {{.Labels}} {{.Options}} {{.Scope}}")
    assert "v2 map[a:b c:] map[device:tmpfs o:nodev type:tmpfs] local\n" in r.stdout
    docs = json.loads(pypod("volume", "ls", "--format", "json").stdout)
    assert [d["Name"] for d in docs] == [anon, "v1", "v2"]

    docs = json.loads(pypod("volume", "inspect", "v2").stdout)
    assert docs == [
        {
            "Name": "v2",
            "Driver": "local",
            "Mountpoint": os.path.join(store.root, "volumes", "v2", "_data"),
            "CreatedAt": docs[0]["CreatedAt"],
            "Labels": {"a": "b", "c": ""},
            "Scope": "local",
            "Options": {"device": "tmpfs", "o": "nodev", "type": "tmpfs"},
            "MountCount": 0,
            "NeedsCopyUp": True,
            "NeedsChown": True,
        }
    ]
    assert docs[0]["CreatedAt"].endswith("Z") and "T" in docs[0]["CreatedAt"]
    r = pypod("volume", "inspect", "--format", "{{.Name}}:{{.Driver}}", "v1")
    assert r.stdout == "v1:local\n"
    assert len(json.loads(pypod("volume", "inspect", "--all").stdout)) == 3
    r = pypod("volume", "inspect", "v1", "nope", check=False)
    assert r.rc == 125 and "no such volume nope" in r.stderr
    assert [d["Name"] for d in json.loads(r.stdout)] == ["v1"]

    assert pypod("volume", "exists", "v1").rc == 0
    assert pypod("volume", "exists", "nope", check=False).rc == 1

    r = pypod("volume", "rm", "v1", "nope", check=False)
    assert r.stdout == "v1\n" and r.rc == 1
    assert 'no volume with name "nope" found: no such volume' in r.stderr
    assert not os.path.exists(os.path.join(store.root, "volumes", "v1"))
    assert pypod("volume", "rm", "-a").stdout == f"{anon}\nv2\n"
    assert pypod("volume", "ls", "-q").stdout == ""
    statuses = [(e["Status"], e["Name"]) for e in _events(store) if e["Type"] == "volume"]
    assert statuses == [("create", "v1"), ("create", "v2"), ("create", anon), ("remove", "v1"),
                        ("remove", anon), ("remove", "v2")]  # fmt: skip


def _add_container_using(store, volume: str) -> str:
    """A real container record whose mounts name the volume (what `create -v` leaves)."""
    cs = ContainerStore.open(store.root, store.runroot)
    try:
        cid = secrets.token_hex(32)
        cs.create(
            ContainerConfig(
                id=cid,
                name="user-" + cid[:6],
                created=time.time(),
                image_id="",
                image_name="",
                mounts=(Mount(type="volume", source=volume, destination="/data"),),
            ),
            ContainerState(),
        )
        return cid
    finally:
        cs.close()


def test_rm_in_use_and_prune(pypod, store):
    for name in ("used", "free1", "free2"):
        pypod("volume", "create", "--label", f"n={name}", name)
    cid = _add_container_using(store, "used")
    r = pypod("volume", "rm", "used", check=False)
    assert r.rc == 2
    assert r.stderr.strip().endswith(
        f"volume used is being used by the following container(s): {cid}: volume is being used"
    )
    assert pypod("volume", "ls", "-q", "--filter", "dangling=false").stdout == "used\n"

    r = pypod("volume", "prune", input="n\n")
    assert "The following volumes will be removed:\nfree1\nfree2\n" in r.stdout
    assert pypod("volume", "ls", "-q").stdout == "free1\nfree2\nused\n"
    assert pypod("volume", "prune", "-f", "--filter", "label=n=free1").stdout == "free1\n"
    assert pypod("volume", "prune", "-f").stdout == "free2\n"
    assert pypod("volume", "ls", "-q").stdout == "used\n"

    # -f removes the container using the volume first
    assert pypod("volume", "rm", "-f", "used").stdout == "used\n"
    assert pypod("container", "exists", cid, check=False).rc == 1


def test_export_import(pypod, store, tmp_path):
    pypod("volume", "create", "src")
    data = os.path.join(store.root, "volumes", "src", "_data")
    os.makedirs(os.path.join(data, "d"))
    with open(os.path.join(data, "d", "f"), "w") as f:
        f.write("payload")
    os.symlink("d/f", os.path.join(data, "link"))

    r = pypod("volume", "export", "src")
    assert tar_names(r.stdout_bytes) == ["d", "d/f", "link"]
    out = str(tmp_path / "out.tar")
    pypod("volume", "export", "src", "-o", out)
    assert tar_names(out) == ["d", "d/f", "link"]

    pypod("volume", "create", "dst")
    pypod("volume", "import", "dst", out)
    dst = os.path.join(store.root, "volumes", "dst", "_data")
    with open(os.path.join(dst, "d", "f")) as f:
        assert f.read() == "payload"
    assert os.readlink(os.path.join(dst, "link")) == "d/f"

    pypod("volume", "import", "dst", "-", input=_tar({"from-stdin": b"x"}))
    assert os.path.exists(os.path.join(dst, "from-stdin"))
    r = pypod("volume", "import", "nope", out, check=False)
    assert r.rc == 125 and "no such volume" in r.stderr
    r = pypod("volume", "export", "nope", check=False)
    assert r.rc == 125
    r = pypod("volume", "import", "dst", str(tmp_path / "missing.tar"), check=False)
    assert r.rc == 125


def test_bad_input(pypod):
    for args, text in [
        (("volume", "create", "a", "b"), "accepts at most 1 arg(s), received 2"),
        (("volume", "create", "-o", "bogus=1", "x"), "invalid mount option bogus"),
        (("volume", "create", "-d", "nfs", "x"), "no volume plugin with name nfs"),
        (("volume", "create", "bad/name"), "must match"),
        (("volume", "rm"), "choose either one or more volumes or all"),
        (("volume", "inspect"), "provide one or more volume names or use --all"),
        (("volume", "exists"), "accepts 1 arg(s), received 0"),
    ]:
        r = pypod(*args, check=False)
        assert r.rc == 125, r
        assert text in r.stderr, r
    assert pypod("volume", "ls", "-q").stdout == ""  # nothing left behind


def test_concurrent_creates(pypod):
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda i: pypod("volume", "create", f"c{i}"), range(10)))
    assert sorted(r.stdout for r in results) == sorted(f"c{i}\n" for i in range(10))
    assert len(pypod("volume", "ls", "-q").stdout.split()) == 10


def test_rootless_volumes(pypod_rootless, rootless_store):
    assert pypod_rootless("volume", "create", "--label", "x=y", "rv").stdout == "rv\n"
    assert pypod_rootless("volume", "ls", "-q").stdout == "rv\n"
    doc = json.loads(pypod_rootless("volume", "inspect", "rv").stdout)[0]
    assert doc["Labels"] == {"x": "y"}
    assert doc["Mountpoint"].startswith(rootless_store.root)
    tar = os.path.join(rootless_store.base, "in.tar")
    with open(tar, "wb") as f:
        f.write(_tar({"hello": b"hi"}))
    os.chmod(tar, 0o644)
    pypod_rootless("volume", "import", "rv", tar)
    r = pypod_rootless("volume", "export", "rv")
    assert tar_names(r.stdout_bytes) == ["hello"]
    assert pypod_rootless("volume", "exists", "rv").rc == 0
    assert pypod_rootless("volume", "rm", "rv").stdout == "rv\n"
    assert pypod_rootless("volume", "ls", "-q").stdout == ""
    r = pypod_rootless("volume", "rm", "rv", check=False)
    assert r.rc == 1


def test_rootless_tmpfs_volume_mount(pypod_rootless, rootless_store):
    """A tmpfs volume mounts inside the rootless user's namespaces (entered with unshare)."""
    import sys

    pypod_rootless("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "tv")
    script = (
        "import sys; from pypod.core.containers import ContainerStore as S;"
        "from pypod.core.volumes import Volumes as V;"
        "from pypod.host.mounts import is_mountpoint as m;"
        "s = S.open(sys.argv[1], sys.argv[2]); v = V(s, s.graph_root); p = v.mount('tv');"
        "a = m(p); v.unmount('tv'); print(a, m(p))"
    )
    r = pypod_rootless(
        "unshare", sys.executable, "-c", script, rootless_store.root, rootless_store.runroot
    )
    assert r.stdout == "True False\n"
    pypod_rootless("volume", "rm", "tv")


def test_events_backend_none(pypod, store):
    pypod("--events-backend", "none", "volume", "create", "quiet")
    assert not os.path.exists(os.path.join(store.runroot, "events", "events.log"))

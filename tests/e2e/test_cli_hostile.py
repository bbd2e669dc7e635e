"""Hostile input through the real CLI: escaping tarballs (import and load), a docker-archive
that lies about a layer digest, a truncated archive, an unknown layer media type, a missing
platform, wrong credentials, an unreachable registry. Each fails with exit 125 and one
"Error: ..." line, writes nothing outside the store, and leaves no image, layer or staging
directory behind. (Library-level variants live in tests/unit/test_tar_extract.py and
tests/e2e/test_copy_errors.py; these go through the `pypod` process.)"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import tarfile
import tempfile
from types import SimpleNamespace

import pytest

from pypod.image.registry import RegistryClient
from tests.fixtures import ocibuild as ob

TLS = "--tls-verify=false"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def outside():
    """A directory outside the store that hostile archives aim at, with one victim file."""
    path = tempfile.mkdtemp(prefix="pypod-hostile-", dir="/var/tmp")
    with open(os.path.join(path, "victim"), "wb") as f:
        f.write(b"original")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def snapshot(path: str) -> dict[str, tuple[int, bytes]]:
    out = {}
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        st = os.lstat(full)
        with open(full, "rb") as f:
            out[name] = (st.st_nlink, f.read())
    return out


def hostile_tar(kind: str, outside: str) -> bytes:
    """A layer tar attacking `outside` in one way."""
    depth = "../" * 16  # climbs to / from any staging directory
    members: list[tuple[str, str, bytes | str]] = {
        "dotdot": [("f", f"{depth}{outside.lstrip('/')}/pwned", b"pwned")],
        "symlink": [("s", "evil", f"{depth}{outside.lstrip('/')}"), ("f", "evil/pwned", b"pw")],
        "hardlink": [("h", "hard", f"{depth}{outside.lstrip('/')}/victim")],
        "hardlink-write": [
            ("h", "hard", f"{depth}{outside.lstrip('/')}/victim"),
            ("f", "hard", b"pwned"),
        ],
    }[kind]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for typ, name, payload in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if typ == "f":
                assert isinstance(payload, bytes)
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            else:
                info.type = tarfile.SYMTYPE if typ == "s" else tarfile.LNKTYPE
                info.linkname = str(payload)
                tar.addfile(info)
    return buf.getvalue()


def docker_archive(layers: list[bytes], *, lie: bool = False, tag: str = "hostile:1") -> bytes:
    """A docker-archive (`docker save` layout) of the given layer tars; with lie, the manifest
    and config name a digest the first layer's bytes do not have."""
    names = []
    diff_ids = []
    files: dict[str, bytes] = {}
    for i, tar in enumerate(layers):
        digest = sha(tar)
        if lie and i == 0:
            digest = sha(b"not this layer")
        names.append(f"blobs/sha256/{digest[7:]}")
        diff_ids.append(digest)
        files[names[-1]] = tar
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
    ).encode()
    files[f"blobs/sha256/{sha(config)[7:]}"] = config
    manifest = [{"Config": f"blobs/sha256/{sha(config)[7:]}", "RepoTags": [tag], "Layers": names}]
    files["manifest.json"] = json.dumps(manifest).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def assert_clean_failure(pypod, r, *, contains: tuple[str, ...] = (), lines: int = 1) -> None:
    """Exit 125, one error line (Podman's format lists load's per-format failures below it),
    and nothing stored: no image, no layer, no staging dir."""
    assert r.rc == 125, str(r)
    out = r.stderr.splitlines()
    assert len(out) == lines and out[0].startswith("Error: "), str(r)
    assert not contains or any(c in out[0] for c in contains), str(r)
    assert "Traceback" not in r.stderr
    assert_store_empty(pypod)


def assert_store_empty(pypod) -> None:
    assert pypod("images", "-aq").stdout == ""
    root = pypod.dirs.root
    for sub in ("overlay", "layers", "vfs/dir"):
        path = os.path.join(root, sub)
        if os.path.isdir(path):
            assert [n for n in os.listdir(path) if len(n) == 64] == [], sub
    assert os.listdir(os.path.join(root, "tmp")) == []


ESCAPE = ("escapes", "outside the layer")
KINDS = ["dotdot", "symlink", "hardlink", "hardlink-write"]


@pytest.mark.parametrize("kind", KINDS)
def test_import_hostile_tarball(pypod, tmp_path, outside, kind):
    before = snapshot(outside)
    tar = tmp_path / "evil.tar"
    tar.write_bytes(hostile_tar(kind, outside))
    r = pypod("import", "-q", str(tar), "evil:1", check=False)
    assert_clean_failure(pypod, r, contains=ESCAPE)
    assert snapshot(outside) == before


@pytest.mark.parametrize("kind", KINDS)
def test_load_hostile_layer(pypod, tmp_path, outside, kind):
    before = snapshot(outside)
    good = ob.make_tar({"ok/": b"", "ok/file": os.urandom(256)})
    archive = tmp_path / "evil-archive.tar"
    archive.write_bytes(docker_archive([good, hostile_tar(kind, outside)]))
    r = pypod("load", "-q", "-i", str(archive), check=False)
    assert_clean_failure(pypod, r, contains=ESCAPE)
    assert snapshot(outside) == before


def test_import_absolute_names_stay_inside(pypod, tmp_path, outside):
    """Absolute member names are relative to the layer, as in every container tool: the
    import succeeds and the host path is untouched."""
    before = snapshot(outside)
    tar = tmp_path / "abs.tar"
    tar.write_bytes(ob.make_tar({f"{outside}/victim": b"inside", f"{outside}/new": b"x"}))
    image_id = pypod("import", "-q", str(tar), "abs:1").stdout.strip().removeprefix("sha256:")
    assert snapshot(outside) == before
    # the files are in the layer, under the same (now relative) path
    saved = tmp_path / "abs-saved.tar"
    pypod("save", "-q", "-o", str(saved), image_id)
    with tarfile.open(saved) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
        layer = outer.extractfile(manifest[0]["Layers"][0])
        assert layer is not None
        with tarfile.open(fileobj=io.BytesIO(layer.read())) as inner:
            names = inner.getnames()
    assert f"{outside.lstrip('/')}/victim" in [n.lstrip("/") for n in names]


def test_load_lying_layer_digest(pypod, tmp_path):
    layers = [ob.make_tar({"a/": b"", "a/f": os.urandom(512)}), ob.make_tar({"b": b"b"})]
    archive = tmp_path / "lie.tar"
    archive.write_bytes(docker_archive(layers, lie=True))
    r = pypod("load", "-q", "-i", str(archive), check=False)
    assert_clean_failure(pypod, r, contains=("did not match",))


def test_load_truncated_archive(pypod, tmp_path):
    layers = [ob.make_tar({"big": os.urandom(256 * 1024)}), ob.make_tar({"small": b"s"})]
    data = docker_archive(layers)
    # cut inside the first layer's data: manifest.json (last) and the rest are gone
    archive = tmp_path / "cut.tar"
    archive.write_bytes(data[: len(data) // 2])
    r = pypod("load", "-q", "-i", str(archive), check=False)
    assert_clean_failure(pypod, r, contains=("payload does not match",), lines=3)
    # manifest.json readable (first in the tar) but the big layer cut short
    members = _tar_members(data)
    reordered = _tar_of({"manifest.json": members.pop("manifest.json"), **members})
    cut = tmp_path / "cut2.tar"
    cut.write_bytes(reordered[: len(reordered) // 2])
    r = pypod("load", "-q", "-i", str(cut), check=False)
    assert_clean_failure(pypod, r, contains=("payload does not match",), lines=3)


def _tar_members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _tar_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_pull_unknown_layer_media_type(pypod, registry):
    img = ob.build_image([{"x": os.urandom(128)}])
    doc = json.loads(img.manifest)
    doc["layers"][0]["mediaType"] = "application/vnd.example.unknown.layer"
    img.manifest = json.dumps(doc).encode()
    repo = registry.repo()
    client = RegistryClient(registry.host, insecure=True)
    try:
        ob.push_image(client, repo, "v1", img)
    finally:
        client.close()
    r = pypod("pull", "-q", TLS, f"{registry.host}/{repo}:v1", check=False)
    assert_clean_failure(pypod, r)


def test_pull_missing_platform(pypod, registry):
    repo = registry.repo()
    imgs = [ob.build_image(ob.sample_layers(1), arch=a) for a in ("arm64", "ppc64le")]
    client = RegistryClient(registry.host, insecure=True)
    try:
        ob.push_index(client, repo, "v1", imgs)
    finally:
        client.close()
    r = pypod("pull", "-q", TLS, "--arch", "s390x", f"{registry.host}/{repo}:v1", check=False)
    assert_clean_failure(pypod, r, contains=("s390x",))


def test_pull_wrong_credentials(pypod, auth_registry):
    reg = auth_registry
    repo = reg.repo()
    img = ob.build_image([{"c": os.urandom(64)}])
    creds = SimpleNamespace(username=reg.username, password=reg.password)
    client = RegistryClient(reg.host, insecure=True, credentials=creds)
    try:
        ob.push_image(client, repo, "v1", img)
    finally:
        client.close()
    ref = f"{reg.host}/{repo}:v1"
    r = pypod("pull", "-q", TLS, "--creds", f"{reg.username}:wrong", ref, check=False)
    assert_clean_failure(pypod, r)
    assert "wrong" not in r.stderr  # the password is never echoed


def test_pull_unreachable_registry(pypod):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    r = pypod("pull", "-q", TLS, f"127.0.0.1:{port}/some/image:1", check=False)
    assert_clean_failure(pypod, r, contains=("connection refused",))

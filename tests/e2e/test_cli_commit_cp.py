"""commit and cp against real containers, root and rootless: the commit round trip (added,
changed and deleted files, config changes), cp both ways, streams, symlinks, ownership and
a container symlink to / that must not reach the host."""

from __future__ import annotations

import io
import json
import os
import tarfile

from tests.e2e.cli_run_helpers import engine, workdir  # noqa: F401 - fixtures
from tests.fixtures.images import BUSYBOX_REF
from tests.fixtures.pypod_cli import Pypod, StoreDirs

LOOP = "while true; do sleep 0.1; done"


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def test_commit_round_trip(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _ = engine
    pp("run", "-d", "--name", "src", "-e", "FOO=bar", "-w", "/tmp", "-l", "a=b", BUSYBOX_REF,
       "sh", "-c", LOOP)  # fmt: skip
    pp("exec", "src", "sh", "-c",
       "echo new > /added; echo changed > /etc/passwd; rm /bin/vi; mkdir -p /d/e")  # fmt: skip
    r = pp("commit", "-p", "-c", "ENV X=1", "-c", "EXPOSE 80", "src", "committed")
    image_id = r.stdout.strip()
    assert len(image_id) == 64
    assert "Writing manifest to image destination" in r.stderr
    doc = json.loads(pp("image", "inspect", "committed").stdout)[0]
    cfg = doc["Config"]
    assert {"FOO=bar", "X=1"} <= set(cfg["Env"])
    assert cfg["WorkingDir"] == "/tmp" and cfg["Labels"] == {"a": "b"}
    assert cfg["Cmd"] == ["sh", "-c", LOOP] and "80/tcp" in cfg["ExposedPorts"]
    assert doc["History"][-1]["created_by"] == "/bin/sh"
    assert doc["History"][-1]["comment"] == "FROM localhost/busybox:latest"
    assert len(doc["RootFS"]["Layers"]) == 2
    out = pp(
        "run",
        "--rm",
        "committed",
        "sh",
        "-c",
        "cat /added /etc/passwd; test -e /bin/vi || echo gone; test -d /d/e && echo dir",
    )
    assert out.stdout.split() == ["new", "changed", "gone", "dir"]
    assert pp("ps", "--format", "{{.Status}}", "-f", "name=src").stdout.startswith("Up")


def test_commit_options_and_errors(pypod: Pypod, busybox: str) -> None:
    pypod("create", "--name", "c", busybox, "true")
    bad = pypod("commit", "-c", "BOGUS x", "c", check=False)
    assert bad.rc == 125 and 'invalid change "BOGUS x" - invalid instruction BOGUS' in bad.stderr
    msg = pypod("commit", "-m", "hello", "c", check=False)
    assert msg.rc == 125 and "only compatible with the docker image format" in msg.stderr
    missing = pypod("commit", "nope", check=False)
    assert missing.rc == 125 and 'no container with name or ID "nope" found' in missing.stderr
    q = pypod("commit", "-q", "-f", "docker", "-m", "hello", "-a", "me", "--squash",
              "-c", 'CMD ["echo", "hi"]', "c", "sq")  # fmt: skip
    assert q.stderr == "" and len(q.stdout.strip()) == 64
    doc = json.loads(pypod("image", "inspect", "sq").stdout)[0]
    assert doc["Author"] == "me" and doc["Comment"] == "hello"
    assert len(doc["RootFS"]["Layers"]) == 1
    assert doc["ManifestType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert pypod("run", "--rm", "sq").stdout == "hi\n"
    # as Podman: the message is the Docker config's comment only, the history entry says FROM;
    # WorkingDir is always written; an OCI image's Comment is its first history entry's
    pypod("commit", "-q", "-f", "docker", "-m", "hello", "c", "dk")
    doc = json.loads(pypod("image", "inspect", "dk").stdout)[0]
    assert doc["Comment"] == "hello" and doc["Config"]["WorkingDir"] == "/"
    assert doc["History"][-1]["comment"] == f"FROM {BUSYBOX_REF}"
    pypod("commit", "-q", "c", "oc")
    doc = json.loads(pypod("image", "inspect", "oc").stdout)[0]
    assert doc["Comment"] == doc["History"][0].get("comment", "")
    pypod("rm", "-a", "-f")


def test_cp_both_ways(engine: tuple[Pypod, StoreDirs], workdir: str) -> None:  # noqa: F811
    pp, _ = engine
    work = workdir
    with open(os.path.join(work, "f.txt"), "w") as f:
        f.write("hello\n")
    os.makedirs(os.path.join(work, "tree/sub"))
    with open(os.path.join(work, "tree/sub/g"), "w") as f:
        f.write("g\n")
    os.system(f"chmod -R a+rwX {work}")
    pp("run", "-d", "--name", "live", "-u", "5:6", BUSYBOX_REF, "sh", "-c", LOOP)
    pp("create", "--name", "cold", BUSYBOX_REF, "true")
    pp("cp", f"{work}/f.txt", "live:/tmp/")
    pp("cp", f"{work}/tree", "live:/tmp/t2")
    got = pp("exec", "live", "sh", "-c", "cat /tmp/f.txt /tmp/t2/sub/g; stat -c %u:%g /tmp/f.txt")
    assert got.stdout.split() == ["hello", "g", "5:6"]  # --archive: the container user's ids
    pp("cp", "-a=false", f"{work}/f.txt", "cold:/f-keep")
    pp("cp", "cold:/f-keep", f"{work}/back.txt")
    assert _read(os.path.join(work, "back.txt")) == "hello\n"
    # a symlink as the source is followed and named after its target, as Podman does
    pp("cp", "cold:/bin/sh", f"{work}/")
    assert os.path.getsize(os.path.join(work, "busybox")) > 100_000
    # tar to stdout and from stdin
    data = pp("cp", "cold:/etc", "-").stdout_bytes
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
    assert "etc/passwd" in names
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("in/x.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    pp("cp", "-", "live:/tmp", input=buf.getvalue())
    assert pp("exec", "live", "cat", "/tmp/in/x.txt").stdout == "abc"
    # errors as Podman's
    r = pp("cp", "cold:/nonexist", f"{work}/x", check=False)
    assert r.rc == 125 and '"/nonexist" could not be found on container cold' in r.stderr
    r = pp("cp", f"{work}/tree", "cold:/bin/sh", check=False)
    assert r.rc == 125 and "destination must be a directory when copying a directory" in r.stderr
    r = pp("cp", f"{work}/f.txt", "nope:/x", check=False)
    assert r.rc == 125 and 'container "nope" does not exist' in r.stderr


def test_cp_symlink_to_root_stays_inside(
    engine: tuple[Pypod, StoreDirs],  # noqa: F811
    workdir: str,  # noqa: F811
) -> None:
    pp, _ = engine
    work = workdir
    marker = os.path.join(work, "marker")
    with open(marker, "w") as f:
        f.write("m\n")
    os.chmod(marker, 0o666)
    pp("run", "--name", "evil", BUSYBOX_REF, "sh", "-c",
       f"ln -s / /escape; ln -s ../../../../../../ /dots; mkdir -p {work}")  # fmt: skip
    pp("cp", marker, f"evil:/escape{work}/through-link")
    pp("cp", marker, f"evil:/dots{work}/through-dots")
    assert not os.path.exists(os.path.join(work, "through-link"))
    assert not os.path.exists(os.path.join(work, "through-dots"))
    pp("cp", f"evil:{work}/through-link", f"{work}/copied-back")
    assert _read(os.path.join(work, "copied-back")) == "m\n"

"""save and load in every format, to files and through pipes, several images at once."""

from __future__ import annotations

import json
import subprocess

import pytest
from cli_image_helpers import import_image, tar_names

from tests.fixtures.pypod_cli import root_env


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("docker-archive", "manifest.json"),
        ("oci-archive", "index.json"),
        ("oci-dir", "index.json"),
        ("docker-dir", "manifest.json"),
    ],
)
def test_save_load_round_trip(pypod, tmp_path, fmt, marker):
    image_id = import_image(pypod, tmp_path, "rt:1", "-c", "LABEL x=y")
    out = tmp_path / "saved"
    r = pypod("save", "--format", fmt, "-o", str(out), "rt:1")
    assert "Storing signatures" in r.stderr
    if out.is_dir():
        assert (out / marker).exists()
    else:
        assert marker in tar_names(out.read_bytes())
    pypod("rmi", "-a")
    r = pypod("load", "-i", str(out))
    name = "sha256:" + image_id if fmt == "docker-dir" else "localhost/rt:1"
    assert r.stdout == f"Loaded image: {name}\n"
    i = json.loads(pypod("image", "inspect", image_id).stdout)[0]
    assert i["Labels"] == {"x": "y"}


def test_save_to_stdout_and_load_from_stdin(pypod, tmp_path):
    image_id = import_image(pypod, tmp_path, "pipe:1")
    r = pypod("save", "pipe:1")
    assert r.stderr == ""  # no progress when the archive goes to stdout
    assert "manifest.json" in tar_names(r.stdout_bytes)
    pypod("rmi", "-a")
    r = pypod("load", "-q", input=r.stdout_bytes)
    assert r.stdout == "Loaded image: localhost/pipe:1\n"
    assert pypod("image", "exists", image_id).rc == 0


def test_save_refuses_a_terminal(pypod, tmp_path):
    import_image(pypod, tmp_path, "tty:1")
    argv = pypod.argv(("save", "tty:1"))
    # `script` gives the command a pseudo-terminal as stdout
    cmd = " ".join(f"'{a}'" for a in argv)
    proc = subprocess.run(
        ["script", "-qec", cmd, "/dev/null"],
        capture_output=True,
        env=root_env(),
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 125
    assert b"refusing to save to terminal. Use -o flag or redirect" in proc.stdout


def test_multi_image_docker_archive(pypod, tmp_path):
    a = import_image(pypod, tmp_path, "ma:1", content=b"a")
    b = import_image(pypod, tmp_path, "mb:1", content=b"b")
    out = tmp_path / "multi.tar"
    pypod("save", "-q", "-m", "-o", str(out), "ma:1", "mb:1")
    manifest = json.loads(_member(out.read_bytes(), "manifest.json"))
    assert sorted(t for e in manifest for t in e["RepoTags"]) == [
        "localhost/ma:1",
        "localhost/mb:1",
    ]
    pypod("rmi", "-a")
    r = pypod("load", "-q", "-i", str(out))
    assert sorted(r.stdout.splitlines()) == [
        "Loaded image: localhost/ma:1",
        "Loaded image: localhost/mb:1",
    ]
    assert pypod("image", "exists", a).rc == 0 and pypod("image", "exists", b).rc == 0


def test_save_load_errors(pypod, tmp_path):
    import_image(pypod, tmp_path, "err:1")
    r = pypod("save", "-o", str(tmp_path / "x.tar"), "nope", check=False)
    assert (r.rc, r.stderr) == (125, "Error: nope: image not known\n")
    assert not (tmp_path / "x.tar").exists()
    r = pypod("save", "--format", "bogus", "-o", str(tmp_path / "x.tar"), "err:1", check=False)
    assert r.rc == 125
    r = pypod(
        "save",
        "--format",
        "oci-archive",
        "-o",
        str(tmp_path / "x.tar"),
        "err:1",
        "err:1",
        check=False,
    )
    assert r.rc == 125
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\0" * 4096)
    before = pypod("images", "-aq").stdout
    r = pypod("load", "-i", str(junk), check=False)
    assert r.rc == 125 and "payload does not match any of the supported image formats" in r.stderr
    r = pypod("load", "-i", str(tmp_path / "missing.tar"), check=False)
    assert r.rc == 125
    assert pypod("images", "-aq").stdout == before


def _member(data: bytes, name: str) -> bytes:
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        f = tar.extractfile(name)
        assert f is not None
        return f.read()

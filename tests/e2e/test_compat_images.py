"""Image commands against the literal forms Podman 4.3 prints (compared side by side on a host
with podman; podman itself is not run here)."""

from __future__ import annotations

import json
import os

from cli_image_helpers import rootfs_tar

MTIME_NS = 1704164645_123456789  # 2024-01-02T03:04:05.123456789Z


def _tarball(tmp_path, name: str = "rootfs.tar") -> str:
    path = rootfs_tar(os.path.join(tmp_path, name), {"data/": b"", "data/file": b"x"})
    os.utime(path, ns=(MTIME_NS, MTIME_NS))
    return path


def _import(pypod, tar: str, *flags: str, name: str = "") -> str:
    args = ("import", "-q", *flags, tar, *([name] if name else []))
    return pypod(*args).stdout.strip().removeprefix("sha256:")


def test_import_is_dated_by_the_tarball_and_reproducible(pypod, tmp_path):
    tar = _tarball(tmp_path)
    first = _import(pypod, tar)
    assert _import(pypod, tar) == first  # the same file gives the same image, as Podman
    doc = json.loads(pypod("image", "inspect", first).stdout)[0]
    assert doc["Created"] == "2024-01-02T03:04:05.123456789Z"
    assert doc["Comment"] == "imported from tarball"
    assert doc["History"][0]["comment"] == "imported from tarball"
    assert doc["History"][0]["created"] == "2024-01-02T03:04:05.123456789Z"
    assert doc["Config"] == {}
    out = pypod("image", "inspect", "--format", "{{.Created}}", first).stdout
    assert out == "2024-01-02 03:04:05.123456789 +0000 UTC\n"
    out = pypod("image", "inspect", "--format", "{{.Labels}} {{.Config.Cmd}}", first).stdout
    assert out == "map[] []\n"
    hist = json.loads(pypod("history", "--format", "json", first).stdout)
    assert hist[0]["created"] == "2024-01-02T03:04:05.123456789Z"
    assert hist[0]["Created"] == "2024-01-02T03:04:05Z"


def test_import_changes_as_podman_stores_them(pypod, tmp_path):
    tar = _tarball(tmp_path)
    image = _import(pypod, tar, "-c", "STOPSIGNAL TERM", "-c", "WORKDIR /a", "-c", "WORKDIR b")
    doc = json.loads(pypod("image", "inspect", image).stdout)[0]
    assert doc["Config"] == {"WorkingDir": "/a/b", "StopSignal": "15"}
    r = pypod("import", "-c", "FOO bar", tar, check=False)
    assert (r.rc, r.stderr) == (
        125,
        'Error: invalid change "FOO bar" - invalid instruction FOO\n',
    )
    r = pypod("import", "-c", "ENV", tar, check=False)
    assert r.stderr == 'Error: invalid change "ENV" - must be formatted as KEY VALUE\n'


def test_images_json_one_entry_per_name_and_names_history(pypod, tmp_path):
    image = _import(pypod, _tarball(tmp_path))
    pypod("tag", image, "a:1", "b:2")
    docs = json.loads(pypod("images", "--format", "json").stdout)
    assert len(docs) == 2  # Podman repeats an image once per name
    doc = docs[0]
    assert list(doc)[:9] == [
        "Id", "ParentId", "RepoTags", "RepoDigests", "Size", "SharedSize", "VirtualSize",
        "Labels", "Containers",
    ]  # fmt: skip
    assert doc["RepoTags"] is None
    assert doc["Names"] == ["localhost/a:1", "localhost/b:2"]
    assert doc["History"] == ["localhost/b:2", "localhost/a:1"]  # the latest name first
    assert "Dangling" not in doc
    pypod("untag", image)
    doc = json.loads(pypod("images", "--format", "json").stdout)[0]
    assert doc["Dangling"] is True
    assert "Names" not in doc
    assert doc["History"] == ["localhost/b:2", "localhost/a:1"]
    insp = json.loads(pypod("image", "inspect", image).stdout)[0]
    assert insp["NamesHistory"] == ["localhost/b:2", "localhost/a:1"]


def test_images_filter_and_sort_errors(pypod, tmp_path):
    _import(pypod, _tarball(tmp_path), name="x:1")
    cases = {
        ("--sort", "bogus"): 'Error: "bogus" is not a valid field for sorting. '
        "Choose from: created, id, repository, size, tag\n",
        ("--filter", "bogus=1"): 'Error: unsupported image filter "bogus"\n',
        ("--filter", "dangling"): 'Error: invalid image filter "dangling": must be in the '
        'format "filter=value or filter!=value"\n',
        ("--filter", "dangling=maybe"): 'Error: non-boolean value "dangling" for maybe filter: '
        'strconv.ParseBool: parsing "maybe": invalid syntax\n',
        ("--filter", "since=nope"): "Error: could not find local image for filter filter "
        '"since"="nope": nope: image not known\n',
        ("--filter", "until=10x"): 'Error: failed to parse value as time or duration: "10x"\n',
        ("-f", "dangling=true", "-f", "dangling=false"): 'Error: specifying "dangling" filter '
        "more than once with different values is not supported\n",
        ("--filter", "intermediate=true"): 'Error: specifying "intermediate" filter more than '
        "once with different values is not supported\n",
    }
    for args, want in cases.items():
        r = pypod("images", *args, check=False)
        assert (r.rc, r.stderr) == (125, want), args
    out = pypod("images", "--filter", "reference!=x", "--format", "{{.Repository}}").stdout
    assert out == ""
    assert pypod("images", "--filter", "id=abc", "-q").stdout == ""  # Podman wants a full id


def test_history_names_the_base_image_and_parent(pypod, tmp_path):
    base = _import(pypod, _tarball(tmp_path), name="base:1")
    pypod("create", "--name", "c-compat-hist", "base:1", "true")
    pypod("commit", "-q", "c-compat-hist", "child:1")
    ids = pypod("history", "-q", "--no-trunc", "child:1").stdout.split()
    assert ids[1] == base  # not <missing>: the base image is stored
    assert pypod("image", "inspect", "--format", "{{.Parent}}", "child:1").stdout == base + "\n"
    assert pypod("history", "--format", "{{.Tags}}", "child:1").stdout == "[]\n[]\n"
    pypod("rm", "c-compat-hist")


def test_rmi_several_unknown_and_tree_layout(pypod, tmp_path):
    r = pypod("rmi", "nope", "nope2:x", check=False)
    assert r.rc == 1
    assert r.stderr == (
        "Error: 2 errors occurred:\n\t* nope: image not known\n\t* nope2:x: image not known\n"
    )
    _import(pypod, _tarball(tmp_path), name="t:1")
    lines = pypod("image", "tree", "t:1").stdout.splitlines()
    assert lines[3] == "Image Layers"
    assert lines[4].startswith("└── ID: ")
    assert lines[4].endswith("Top Layer of: [localhost/t:1]")
    assert " Size: " in lines[4] and len(lines[4].split(" Size: ")[1].split(" Top")[0]) == 7


def test_size_counts_config_and_manifests_as_podman(pypod, store, tmp_path):
    """containers/storage's image size: the layers plus the config, every stored manifest and
    the primary one again (podman 4.3 showed 2131015 for a 2129920-byte busybox layer with a
    409-byte config and a 343-byte manifest); the same in images, inspect and system df."""
    import sqlite3

    tar = rootfs_tar(str(tmp_path / "s.tar"), {"data/": b"", "data/f": b"x" * 5000})
    image = pypod("import", "-q", tar, "localhost/sz:1").stdout.strip().removeprefix("sha256:")
    db = sqlite3.connect(os.path.join(store.root, "pypod.db"))
    try:
        row = db.execute("SELECT length(config) FROM images WHERE id = ?", (image,)).fetchone()
        config = row[0]
        manifests = [
            n
            for (n,) in db.execute(
                "SELECT length(m.raw) FROM manifests m JOIN images i ON i.id = m.image_id"
                " WHERE i.id = ? ORDER BY m.digest = i.digest DESC",
                (image,),
            )
        ]  # the image's own manifest first
        (layers,) = db.execute("SELECT sum(diff_size) FROM layers").fetchone()
    finally:
        db.close()
    want = layers + config + sum(manifests) + manifests[0]
    assert pypod("image", "inspect", "--format", "{{.Size}}", image).stdout == f"{want}\n"
    listed = json.loads(pypod("images", "--format", "json").stdout)
    assert [d["Size"] for d in listed] == [want]

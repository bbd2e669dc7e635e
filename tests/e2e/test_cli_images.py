"""images, tag, untag, rmi, image exists, inspect, history, tree, prune: the local image
commands against a real store, as root."""

from __future__ import annotations

import json
from pathlib import Path

from cli_image_helpers import import_image


def test_empty_store_lists_headers_only(pypod):
    r = pypod("images")
    assert r.stdout == "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n"
    assert pypod("images", "-q").stdout == ""
    assert json.loads(pypod("images", "--format", "json").stdout) == []


def test_import_then_list_inspect_history(pypod, tmp_path):
    image_id = import_image(
        pypod, tmp_path, "demo:1", "-c", 'CMD ["/bin/sh"]', "-c", "LABEL a=b", "-m", "hello"
    )
    r = pypod("images")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert lines[1].split()[:3] == ["localhost/demo", "1", image_id[:12]]
    assert pypod("images", "-q").stdout == image_id[:12] + "\n"
    assert pypod("images", "-q", "--no-trunc").stdout == f"sha256:{image_id}\n"

    doc = json.loads(pypod("images", "--format", "json").stdout)[0]
    assert doc["Id"] == image_id
    assert doc["Names"] == ["localhost/demo:1"]
    assert doc["Labels"] == {"a": "b"}
    assert doc["Digest"].startswith("sha256:")
    assert doc["RepoDigests"] == [f"localhost/demo@{doc['Digest']}"]

    insp = json.loads(pypod("image", "inspect", "demo:1").stdout)
    assert len(insp) == 1
    i = insp[0]
    for key in (
        "Id",
        "Digest",
        "RepoTags",
        "RepoDigests",
        "Parent",
        "Comment",
        "Created",
        "Config",
        "Version",
        "Author",
        "Architecture",
        "Os",
        "Size",
        "VirtualSize",
        "GraphDriver",
        "RootFS",
        "Labels",
        "Annotations",
        "ManifestType",
        "User",
        "History",
        "NamesHistory",
    ):
        assert key in i, key
    assert i["Id"] == image_id
    assert i["Config"] == {"Cmd": ["/bin/sh"], "Labels": {"a": "b"}}
    assert i["Comment"] == "hello"
    assert i["RepoTags"] == ["localhost/demo:1"]
    assert i["RootFS"]["Type"] == "layers" and len(i["RootFS"]["Layers"]) == 1
    assert i["History"][0]["created_by"].startswith("/bin/sh -c #(nop) ADD file:")
    assert pypod("inspect", "--format", "{{.Id}}", image_id[:12]).stdout == image_id + "\n"
    assert (
        pypod("inspect", "--type", "image", "-f", "{{.Config.Cmd}}", "demo:1").stdout
        == "[/bin/sh]\n"
    )

    hist = pypod("history", "demo:1").stdout.splitlines()
    assert hist[0].split()[:2] == ["ID", "CREATED"]
    assert "COMMENT" in hist[0]
    assert hist[1].startswith(image_id[:12]) and hist[1].rstrip().endswith("hello")
    assert pypod("history", "-q", "demo:1").stdout == image_id[:12] + "\n"
    hj = json.loads(pypod("history", "--format", "json", "demo:1").stdout)
    assert hj[0]["id"] == image_id and hj[0]["comment"] == "hello"
    assert pypod("history", "--format", "{{.ID}} {{.Comment}}", "demo:1").stdout == (
        f"{image_id[:12]} hello\n"
    )


def test_images_format_sort_filter(pypod, tmp_path):
    a = import_image(pypod, tmp_path, "aaa:1", "-c", "LABEL team=x", content=b"a")
    b = import_image(pypod, tmp_path, "bbb:2", content=b"b")
    out = pypod("images", "--format", "{{.Repository}}:{{.Tag}}", "--sort", "repository").stdout
    assert out.splitlines() == ["localhost/aaa:1", "localhost/bbb:2"]
    out = pypod("images", "--format", "table {{.ID}} {{.Tag}}", "--noheading").stdout
    assert {line.split()[0] for line in out.splitlines()} == {a[:12], b[:12]}
    assert pypod("images", "-q", "--filter", "label=team=x").stdout == a[:12] + "\n"
    assert pypod("images", "-q", "--filter", "reference=bbb").stdout == b[:12] + "\n"
    assert pypod("images", "-q", "--filter", "reference=localhost/aaa:*").stdout == a[:12] + "\n"
    assert pypod("images", "-q", "--filter", f"id={b}").stdout == b[:12] + "\n"  # full id
    assert pypod("images", "-q", "--filter", "dangling=true").stdout == ""
    assert pypod("images", "-q", "bbb:2").stdout == b[:12] + "\n"
    r = pypod("images", "--filter", "bogus=1", check=False)
    assert r.rc == 125 and r.stderr.startswith("Error: ")
    r = pypod("images", "--sort", "color", check=False)
    assert r.rc == 125
    digests = pypod("images", "--digests").stdout.splitlines()
    assert "DIGEST" in digests[0] and "sha256:" in digests[1]


def test_tag_untag(pypod, tmp_path):
    image_id = import_image(pypod, tmp_path, "orig:1")
    pypod("tag", "orig:1", "second", "quay.io/x/y:2")
    names = json.loads(pypod("image", "inspect", image_id).stdout)[0]["RepoTags"]
    assert set(names) == {"localhost/orig:1", "localhost/second:latest", "quay.io/x/y:2"}
    r = pypod("tag", "orig:1", "BAD:x", check=False)
    assert r.rc == 125 and "repository name must be lowercase" in r.stderr
    r = pypod("tag", "nope", "x", check=False)
    assert r.rc == 125 and r.stderr == "Error: nope: image not known\n"
    r = pypod("untag", image_id, "never:1", check=False)
    assert r.rc == 125 and "localhost/never:1: tag not known" in r.stderr
    pypod("untag", image_id, "second")
    names = json.loads(pypod("image", "inspect", image_id).stdout)[0]["RepoTags"]
    assert set(names) == {"localhost/orig:1", "quay.io/x/y:2"}
    pypod("untag", image_id)
    assert pypod("images", "--format", "{{.Repository}} {{.Tag}}").stdout == "<none> <none>\n"
    assert pypod("images", "-q", "--filter", "dangling=true").stdout == image_id[:12] + "\n"


def test_rmi_paths_and_exit_codes(pypod, tmp_path):
    image_id = import_image(pypod, tmp_path, "one:1")
    pypod("tag", "one:1", "two:1")
    r = pypod("rmi", "nope", check=False)
    assert (r.rc, r.stderr) == (1, "Error: nope: image not known\n")
    assert pypod("rmi", "-i", "nope").rc == 0
    # by id with several names: needs --force, nothing removed
    r = pypod("rmi", image_id[:12], check=False)
    assert r.rc == 125 and "more than one tag" in r.stderr and "please force removal" in r.stderr
    # by name with other names left: only untags
    assert pypod("rmi", "two:1").stdout == "Untagged: localhost/two:1\n"
    assert pypod("image", "exists", "one:1").rc == 0
    r = pypod("rmi", "one:1", "nope", check=False)
    assert r.stdout == f"Untagged: localhost/one:1\nDeleted: {image_id}\n"
    assert r.rc == 1
    assert pypod("image", "exists", image_id, check=False).rc == 1
    assert pypod("images", "-aq").stdout == ""


def test_rmi_all_force_and_mixed_errors(pypod, tmp_path):
    a = import_image(pypod, tmp_path, "a:1", content=b"1")
    b = import_image(pypod, tmp_path, "b:1", content=b"2")
    pypod("tag", "a:1", "a:2")
    r = pypod("rmi", "nope", a[:12], check=False)
    assert r.rc == 125 and "2 errors occurred" in r.stderr
    r = pypod("rmi", "-a", "x", check=False)
    assert r.rc == 125
    out = pypod("rmi", "-a").stdout
    assert f"Deleted: {a}" in out and f"Deleted: {b}" in out and "Untagged: localhost/a:2" in out
    assert pypod("images", "-aq").stdout == ""


def test_image_exists_and_inspect_errors(pypod, tmp_path):
    image_id = import_image(pypod, tmp_path, "ex:1")
    assert pypod("image", "exists", "ex:1").rc == 0
    assert pypod("image", "exists", image_id[:5]).rc == 0
    assert pypod("image", "exists", f"sha256:{image_id}").rc == 0
    assert pypod("image", "exists", "ex:2", check=False).rc == 1
    assert pypod("image", "exists", check=False).rc == 125
    r = pypod("image", "inspect", "nope", check=False)
    assert (r.rc, r.stdout) == (125, "[]\n")
    assert r.stderr == "Error: inspecting object: nope: image not known\n"
    r = pypod("inspect", "ex:1", "nope", check=False)
    assert r.rc == 125 and json.loads(r.stdout)[0]["Id"] == image_id
    assert 'no such object: "nope"' in r.stderr
    r = pypod("inspect", "--type", "bogus", "ex:1", check=False)
    assert r.rc == 125


def test_tree_and_prune(pypod, tmp_path):
    image_id = import_image(pypod, tmp_path, "tree:1")
    out = pypod("image", "tree", "tree:1").stdout
    assert out.startswith(f"Image ID: {image_id[:12]}\nTags:     [localhost/tree:1]\nSize:     ")
    assert "Image Layers\n└── ID: " in out
    assert pypod("image", "tree", "nope", check=False).rc == 125

    dangling = import_image(pypod, tmp_path, content=b"dangling")
    r = pypod("image", "prune", input="n\n")
    assert "WARNING! This command removes all dangling images." in r.stdout
    assert "Are you sure you want to continue? [y/N]" in r.stdout
    assert pypod("image", "exists", dangling).rc == 0
    assert pypod("image", "prune", "-f").stdout == dangling + "\n"
    assert pypod("image", "exists", dangling, check=False).rc == 1
    assert pypod("image", "exists", "tree:1").rc == 0
    assert pypod("image", "prune", "-f").stdout == ""
    assert pypod("image", "prune", "-a", "-f").stdout == image_id + "\n"
    assert pypod("images", "-aq").stdout == ""


def test_import_variants_and_errors(pypod, tmp_path):
    import gzip

    from cli_image_helpers import rootfs_tar

    plain = rootfs_tar(str(tmp_path / "r.tar"))
    gz = tmp_path / "r.tar.gz"
    plain_bytes = Path(plain).read_bytes()
    gz.write_bytes(gzip.compress(plain_bytes))
    r = pypod(
        "import",
        str(gz),
        "gz:1",
        "--arch",
        "arm64",
        "--os",
        "linux",
        "-c",
        "ENV A=1 B=2",
        "-c",
        "EXPOSE 80",
        "-c",
        "WORKDIR /srv",
        "-c",
        "USER 1000",
        "-c",
        "ENTRYPOINT /x",
        "-c",
        "VOLUME /data",
        "-c",
        "STOPSIGNAL SIGTERM",
    )
    assert "Getting image source signatures" in r.stderr and "Storing signatures" in r.stderr
    i = json.loads(pypod("image", "inspect", "gz:1").stdout)[0]
    assert i["Architecture"] == "arm64"
    cfg = i["Config"]
    assert cfg["Env"] == ["A=1", "B=2"] and cfg["ExposedPorts"] == {"80/tcp": {}}
    assert cfg["WorkingDir"] == "/srv" and cfg["User"] == "1000"
    assert cfg["Entrypoint"] == ["/bin/sh", "-c", "/x"] and cfg["Volumes"] == {"/data": {}}
    assert cfg["StopSignal"] == "15"  # Podman stores the number
    # stdin and no name: an untagged image, only the id printed with -q
    r = pypod("import", "-q", "-", input=plain_bytes)
    assert r.stdout.startswith("sha256:") and r.stderr == ""
    # bad input leaves nothing behind
    before = pypod("images", "-aq").stdout
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a tarball at all" * 100)
    assert pypod("import", str(junk), "junk:1", check=False).rc == 125
    assert pypod("import", str(tmp_path / "missing.tar"), check=False).rc == 125
    assert pypod("import", plain, "x:1", "-c", "FROM foo", check=False).rc == 125
    assert pypod("images", "-aq").stdout == before

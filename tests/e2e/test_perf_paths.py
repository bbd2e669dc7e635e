"""The fast paths of docs/performance.md ("Container paths"), checked for what they return
and for what they do not load.

Each module check runs a real command in a fresh interpreter against a real store and reads
sys.modules afterwards (as test_startup_imports.py does for `images`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.fixtures.images import BUSYBOX_REF
from tests.fixtures.pypod_cli import Pypod, StoreDirs, root_env

_PROBE = """
import sys
from pypod.cli.main import main
rc = main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.write("MODULES=" + ",".join(sorted(sys.modules)) + "\\n")
sys.exit(rc)
"""


def _modules(store: StoreDirs, *args: str) -> tuple[str, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *store.global_flags(), *args],
        capture_output=True,
        text=True,
        env=root_env(),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES="))
    return proc.stdout, set(line.removeprefix("MODULES=").split(","))


def _graph_root(pypod: Pypod) -> str:
    return pypod("info", "--format", "{{.Store.GraphRoot}}").stdout.strip()


def test_images_counts_containers_in_one_query(pypod: Pypod, store: StoreDirs, busybox: str):
    db = os.path.join(_graph_root(pypod), "containers.db")
    out, mods = _modules(store, "images", "--format", "{{.Repository}} {{.Containers}}")
    assert out == "localhost/busybox 0\n"
    assert not os.path.exists(db)  # a read creates no container database
    assert "pypod.core.model" not in mods
    pypod("create", "--name", "a", BUSYBOX_REF, "true")
    pypod("create", "--name", "b", BUSYBOX_REF, "true")
    out, mods = _modules(store, "images", "--format", "{{.Repository}} {{.Containers}}")
    assert out == "localhost/busybox 2\n"
    assert "pypod.core.model" not in mods and "pypod.core.containers" not in mods
    pypod("rm", "a", "b")


def test_run_rm_loads_no_short_name_rules_or_hashing(pypod: Pypod, store: StoreDirs, busybox: str):
    out, mods = _modules(store, "run", "--rm", "--network", "none", BUSYBOX_REF, "echo", "hi")
    assert out == "hi\n"
    unwanted = {
        "pypod.config.registries_conf",  # a full name is looked up as stored
        "pypod.image.shortnames",
        "secrets",  # ids and names come from os.urandom
        "hmac",
        "platform",
        "pypod.domain.containers_start",  # start/attach/cleanup types
        "pypod.domain.containers_ops",  # the other verbs' types
        "pypod.local.container_list",
    }
    assert sorted(unwanted & mods) == []
    assert pypod("ps", "-a", "-q").stdout == ""


def test_cleanup_and_inspect_load_only_their_types(pypod: Pypod, store: StoreDirs, busybox: str):
    cid = pypod("create", "--name", "c", BUSYBOX_REF, "true").stdout.strip()
    _, mods = _modules(store, "container", "cleanup", cid)
    assert "pypod.domain.containers_create" not in mods
    out, mods = _modules(store, "inspect", "c")
    assert json.loads(out)[0]["Id"] == cid
    assert "pypod.local.container_exec" not in mods  # no exec sessions: nothing to reap
    assert "pypod.local.container_list" not in mods
    pypod("rm", "c")


def test_ps_brief_rows_match_inspect(pypod: Pypod, busybox: str, tmp_path):
    """ps reads a few JSON fields in SQL (ContainerStore.list_brief); the columns and the
    filters on them must agree with the full config that inspect decodes."""
    pypod("create", "--name", "p1", "--label", "k=v", "-v", f"{tmp_path}:/data",
          "--entrypoint", "/bin/sh", BUSYBOX_REF, "-c", "exit 0")  # fmt: skip
    pypod("create", "--name", "p2", "--rm", BUSYBOX_REF, "sleep", "5")
    fmt = "{{.Names}}|{{.Command}}|{{.Labels}}|{{.Mounts}}|{{.Image}}|{{.AutoRemove}}"
    rows = pypod("ps", "-a", "--format", fmt).stdout.splitlines()
    # oldest first, as Podman 4.3 lists them
    assert rows[0].startswith("p1|/bin/sh -c exit 0|map[k:v]|[/data]|localhost/busybox:latest|")
    assert rows[1].startswith("p2|sleep 5|")
    doc = json.loads(pypod("inspect", "p1").stdout)[0]
    assert doc["Path"] == "/bin/sh" and doc["Args"] == ["-c", "exit 0"]
    assert doc["Config"]["Labels"] == {"k": "v"}
    names = "{{.Names}}"
    ps = pypod("ps", "-a", "--format", names, "--filter", "label=k=v").stdout
    assert ps == "p1\n"
    ps = pypod("ps", "-a", "--format", names, "--filter", "volume=/data").stdout
    assert ps == "p1\n"
    ps = pypod("ps", "-a", "--format", names, "--filter", f"ancestor={BUSYBOX_REF}").stdout
    assert sorted(ps.split()) == ["p1", "p2"]
    pypod("rm", "p1", "p2")

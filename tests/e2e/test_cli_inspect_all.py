"""`inspect` finds every kind of object: containers, images, volumes, networks and pods, in
that order when --type is all (Podman's order)."""

from __future__ import annotations

import json

from tests.fixtures.pypod_cli import Pypod


def test_inspect_every_kind(pypod: Pypod, busybox: str) -> None:
    pypod("pod", "create", "--name", "ia-pod", "--network", "none")
    pypod("network", "create", "ia-net")
    pypod("volume", "create", "ia-vol")
    pypod("create", "--name", "ia-ctr", busybox, "true")
    try:
        out = pypod("inspect", "--format", "{{.Name}}", "ia-ctr", "ia-vol", "ia-net", "ia-pod")
        assert out.stdout.split() == ["ia-ctr", "ia-vol", "ia-net", "ia-pod"]
        docs = json.loads(pypod("inspect", "ia-pod", "ia-net").stdout)
        assert [d.get("Name") or d.get("name") for d in docs] == ["ia-pod", "ia-net"]
        # a name shared by a container and a network resolves to the container
        pypod("network", "create", "ia-ctr")
        assert (
            pypod("inspect", "--format", "{{.Id}}", "ia-ctr").stdout.strip()
            == pypod("container", "inspect", "--format", "{{.Id}}", "ia-ctr").stdout.strip()
        )
        assert "ia-ctr" in pypod("inspect", "--type", "network", "ia-ctr").stdout
        r = pypod("inspect", "--type", "pod", "ia-net", check=False)
        assert r.rc == 125 and "no such pod" in r.stderr
        assert pypod("inspect", "--latest", "--format", "{{.Name}}").stdout == "ia-ctr\n"
        r = pypod("inspect", "nothing-here", check=False)
        assert r.rc == 125 and 'no such object: "nothing-here"' in r.stderr
    finally:
        pypod("rm", "-f", "ia-ctr", check=False)
        pypod("pod", "rm", "-f", "ia-pod", check=False)
        pypod("network", "rm", "ia-net", "ia-ctr", check=False)

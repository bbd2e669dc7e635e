"""Volume and network commands against the literal outputs of Podman 4.3 (recorded side by side
on this machine; Podman itself is not run here). Networks are only created, never set up: no
bridge or firewall rule is made, each test has its own store."""

from __future__ import annotations

import json

from tests.fixtures.pypod_cli import Pypod

NO_VALUE = "Error: filter input must be in the form of filter=value: name is invalid\n"


def _err(pypod: Pypod, *args: str) -> tuple[int, str]:
    r = pypod(*args, check=False)
    return r.rc, r.stderr


# volumes ---------------------------------------------------------------------------------------
def test_volume_create_errors(pypod: Pypod) -> None:
    assert _err(pypod, "volume", "create", "a", "b") == (
        125, "Error: accepts at most 1 arg(s), received 2\n")  # fmt: skip
    assert _err(pypod, "volume", "create", "bad name!") == (
        125, "Error: running volume create option: names must match "
        "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument\n")  # fmt: skip
    assert _err(pypod, "volume", "create", "--driver", "foo", "v3") == (
        125, "Error: volume v3 uses volume plugin foo but it could not be retrieved: no volume "
        "plugin with name foo available: required plugin missing\n")  # fmt: skip
    assert _err(pypod, "volume", "create", "--label", "=x", "v6") == (
        125, 'Error: unable to process labels: invalid label format: "=x"\n')  # fmt: skip
    assert _err(pypod, "volume", "create", "-o", "=x", "v6") == (
        125, 'Error: unable to process options: invalid label format: "=x"\n')  # fmt: skip
    assert pypod("volume", "ls", "-q").stdout == ""


def test_volume_owner_from_o_and_omitted_fields(pypod: Pypod) -> None:
    assert pypod("volume", "create", "-o", "o=uid=1000,gid=1000", "vu").stdout == "vu\n"
    assert pypod("volume", "create", "-o", "o=uid=0", "vu0").stdout == "vu0\n"
    docs = json.loads(pypod("volume", "inspect", "vu", "vu0").stdout)
    for d in docs:
        del d["Mountpoint"], d["CreatedAt"]
    assert docs == [
        {"Name": "vu", "Driver": "local", "Labels": {}, "Scope": "local",
         "Options": {"GID": "1000", "UID": "1000", "o": "uid=1000,gid=1000"},
         "UID": 1000, "GID": 1000, "MountCount": 0, "NeedsCopyUp": True},
        {"Name": "vu0", "Driver": "local", "Labels": {}, "Scope": "local",
         "Options": {"UID": "0", "o": "uid=0"}, "MountCount": 0, "NeedsCopyUp": True},
    ]  # fmt: skip
    assert list(json.loads(pypod("volume", "inspect", "vu").stdout)[0]) == [
        "Name", "Driver", "Mountpoint", "CreatedAt", "Labels", "Scope", "Options", "UID", "GID",
        "MountCount", "NeedsCopyUp"]  # fmt: skip


def test_volume_ls_json_empty_maps_and_empty_table(pypod: Pypod) -> None:
    assert pypod("volume", "ls").stdout == ""  # no volumes: no header either
    assert pypod("volume", "ls", "--format", "table {{.Name}}").stdout == ""
    assert pypod("volume", "ls", "--format", "json").stdout == "[]\n"
    pypod("volume", "create", "v1")
    out = pypod("volume", "ls", "--format", "json").stdout
    assert '    "Labels": {\n      \n    },\n' in out
    assert '    "Options": {\n      \n    },\n' in out
    assert json.loads(out)[0]["Labels"] == {}


def test_volume_filters_and_inspect_errors(pypod: Pypod) -> None:
    assert _err(pypod, "volume", "ls", "--filter", "name", "-q") == (125, NO_VALUE)
    assert _err(pypod, "volume", "ls", "--filter", "dangling=maybe") == (
        125, 'Error: "maybe" is not a valid value for the "dangling" filter - must be true or '
        "false\n")  # fmt: skip
    assert _err(pypod, "volume", "ls", "--filter", "foo=bar") == (
        125, 'Error: "foo" is an invalid volume filter\n')  # fmt: skip
    pypod("volume", "create", "v1")
    assert _err(pypod, "volume", "inspect", "--all", "v1") == (
        125, "Error: provide one or more volume names or use --all\n")  # fmt: skip
    r = pypod("volume", "inspect", "n1", "n2", "n3", check=False)
    assert (r.rc, r.stdout) == (125, "[]\n")
    assert r.stderr == (
        "error inspecting object: no such volume n2\n"
        "error inspecting object: no such volume n3\n"
        "Error: inspecting object: no such volume n1\n"
    )


def test_volume_rm_errors(pypod: Pypod, busybox: str) -> None:
    assert _err(pypod, "volume", "rm", "n1", "n2") == (1,
        'Error: no volume with name "n1" found: no such volume\n'
        'Error: no volume with name "n2" found: no such volume\n')  # fmt: skip
    assert _err(pypod, "volume", "rm", "-f", "n1") == (0, "")
    pypod("volume", "create", "used")
    cid = pypod("create", "--network", "none", "-v", "used:/data", busybox, "true").stdout.strip()
    # unknown names are reported first, then the volumes found; in use exits 2
    r = pypod("volume", "rm", "used", "nosuch", check=False)
    assert (r.rc, r.stdout) == (2, "")
    assert r.stderr == (
        'Error: no volume with name "nosuch" found: no such volume\n'
        f"Error: volume used is being used by the following container(s): {cid}: volume is "
        "being used\n"
    )
    pypod("rm", cid)


def test_volume_copy_up_waits_for_content(pypod: Pypod, busybox: str) -> None:
    """Podman keeps NeedsCopyUp until a container's mount point holds files to copy."""
    pypod("volume", "create", "v1")
    pypod("run", "--rm", "--network", "none", "-v", "v1:/nothing-here", busybox, "true")
    doc = json.loads(pypod("volume", "inspect", "v1").stdout)[0]
    assert doc["NeedsCopyUp"] is True and doc["MountCount"] == 0
    pypod("run", "--rm", "--network", "none", "-v", "v1:/etc", busybox, "true")
    doc = json.loads(pypod("volume", "inspect", "v1").stdout)[0]
    assert "NeedsCopyUp" not in doc and doc["MountCount"] == 0


# networks --------------------------------------------------------------------------------------
def test_network_create_label_and_option_errors(pypod: Pypod) -> None:
    assert _err(pypod, "network", "create", "--label", "=x", "n3") == (
        125, 'Error: failed to parse labels: invalid label format: "=x"\n')  # fmt: skip
    assert _err(pypod, "network", "create", "-o", "=x", "n3") == (
        125, 'Error: unable to parse options: invalid label format: "=x"\n')  # fmt: skip


def test_network_ls_filters_and_quiet(pypod: Pypod) -> None:
    pypod("network", "create", "--label", "a=b", "n1")
    assert _err(pypod, "network", "ls", "--filter", "name") == (125, NO_VALUE)
    assert _err(pypod, "network", "ls", "--filter", "foo=bar") == (
        125, 'Error: invalid filter "foo"\n')  # fmt: skip
    assert _err(pypod, "network", "ls", "--filter", "dangling=x") == (
        125, 'Error: invalid dangling filter value "x"\n')  # fmt: skip
    # the default network is never dangling
    assert pypod("network", "ls", "-q", "--filter", "dangling=true").stdout == "n1\n"
    assert pypod("network", "ls", "-q", "--filter", "dangling=false").stdout == "podman\n"
    # --quiet wins over --format
    assert pypod("network", "ls", "-q", "--format", "{{.ID}}").stdout == "n1\npodman\n"
    # Labels: "k=v" in ls, a Go map in inspect
    assert pypod("network", "ls", "--format", "{{.Labels}}", "-f", "name=n1").stdout == "a=b\n"
    r = pypod("network", "inspect", "--format", "{{.Labels}}", "n1", "podman")
    assert r.stdout == "map[a:b]\nmap[]\n"


def test_network_inspect_and_rm_errors(pypod: Pypod) -> None:
    r = pypod("network", "inspect", "x1", "x2", check=False)
    assert (r.rc, r.stdout) == (125, "[]\n")
    assert r.stderr == (
        "error inspecting object: network x2: unable to find network with name or ID x2: "
        "network not found\n"
        "Error: inspecting object: network x1: unable to find network with name or ID x1: "
        "network not found\n"
    )
    assert _err(pypod, "network", "rm", "x1", "x2") == (1,
        "Error: unable to find network with name or ID x1: network not found\n"
        "Error: unable to find network with name or ID x2: network not found\n")  # fmt: skip
    assert _err(pypod, "network", "rm", "-f", "x1") == (0, "")


def test_network_used_by_created_container(pypod: Pypod, busybox: str) -> None:
    """A created (never started) container counts as a user of its network, as in Podman."""
    pypod("network", "create", "--internal", "n31")
    pypod("create", "--name", "c31", "--network", "n31", busybox, "true")
    assert pypod("network", "ls", "-q", "--filter", "dangling=false").stdout == "n31\npodman\n"
    in_use = (
        'Error: "n31" has associated containers with it. Use -f to forcibly delete containers '
        "and pods: network is being used\n"
    )
    assert _err(pypod, "network", "rm", "n31") == (2, in_use)
    # in use ends the command: the names after it are not tried
    assert _err(pypod, "network", "rm", "n31", "nosuch") == (2, in_use)
    assert pypod("network", "prune", "-f").stdout == ""
    unknown = "Error: unable to find network with name or ID nosuch: network not found\n"
    assert _err(pypod, "network", "connect", "nosuch", "c31") == (125, unknown)
    assert _err(pypod, "network", "disconnect", "nosuch", "c31") == (125, unknown)
    assert pypod("network", "rm", "-f", "n31").stdout == "n31\n"
    assert pypod("ps", "-aq").stdout == ""


def test_ipvlan_is_refused_as_podman_4_3(pypod: Pypod) -> None:
    """netavark 1.4 (Debian 12) has no ipvlan driver; Podman 4.3 refuses it at create."""
    r = pypod("network", "create", "-d", "ipvlan", "ipv-x", check=False)
    assert (r.rc, r.stderr) == (125, "Error: unsupported driver ipvlan: invalid argument\n")
    assert "ipv-x" not in pypod("network", "ls", "--format", "{{.Name}}").stdout
    info = json.loads(pypod("info", "--format", "json").stdout)
    assert info["plugins"]["network"] == ["bridge", "macvlan"]

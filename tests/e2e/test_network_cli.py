"""`pypod network ...` end to end: Podman 4.3's outputs and exit codes (as root)."""

from __future__ import annotations

import json
import os


def test_default_network_exists_without_files(pypod):
    assert (
        pypod("network", "ls").stdout
        == "NETWORK ID    NAME        DRIVER\n2f259bab93aa  podman      bridge\n"
    )
    doc = json.loads(pypod("network", "inspect", "podman").stdout)[0]
    assert doc["id"] == "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"
    assert doc["subnets"] == [{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}]
    assert doc["network_interface"] == "podman0" and doc["dns_enabled"] is False
    r = pypod("network", "rm", "podman", check=False)
    assert r.rc == 125 and "default network podman cannot be removed" in r.stderr


def test_create_ls_inspect_rm_exists(pypod):
    before = set(os.listdir("/sys/class/net"))
    assert pypod("network", "create").stdout == "podman1\n"
    assert pypod("network", "create", "n2", "--subnet", "10.99.0.5/24", "--label", "a=b",
                 "--internal").stdout == "n2\n"  # fmt: skip
    assert pypod("network", "create", "n3", "--ipv6", "-o", "mtu=1400",
                 "--disable-dns").stdout == "n3\n"  # fmt: skip
    docs = {d["name"]: d for d in json.loads(pypod("network", "ls", "--format", "json").stdout)}
    assert list(docs) == ["n2", "n3", "podman", "podman1"]
    assert docs["podman1"]["subnets"][0]["subnet"] == "10.89.0.0/24"
    # the first free podmanN: bridges of other stores (tests running alongside) count, as in Podman
    bridge = docs["podman1"]["network_interface"]
    assert bridge in {f"podman{n}" for n in range(1, 20)} and bridge not in before
    assert docs["n2"]["subnets"] == [{"subnet": "10.99.0.0/24", "gateway": "10.99.0.1"}]
    assert (
        docs["n2"]["internal"] and docs["n2"]["dns_enabled"] and docs["n2"]["labels"] == {"a": "b"}
    )
    assert docs["n3"]["subnets"][0]["subnet"] == "10.89.1.0/24"
    assert docs["n3"]["subnets"][1]["subnet"].startswith("fd")
    assert docs["n3"]["ipv6_enabled"] and docs["n3"]["options"] == {"mtu": "1400"}
    assert list(docs["n2"]) == ["name", "id", "driver", "network_interface", "created", "subnets",
                                "ipv6_enabled", "internal", "dns_enabled", "labels",
                                "ipam_options"]  # fmt: skip

    assert pypod("network", "ls", "-q").stdout == "n2\nn3\npodman\npodman1\n"
    assert pypod("network", "ls", "-q", "--filter", "label=a=b").stdout == "n2\n"
    assert pypod("network", "ls", "-q", "--filter", "name=^n").stdout == "n2\nn3\n"
    r = pypod("network", "ls", "--format", "{{.Name}} {{.Labels}} {{.Subnets}}", "-f", "name=n2")
    assert r.stdout == "n2 a=b [{{{10.99.0.0 ffffff00}} 10.99.0.1 <nil>}]\n"
    r = pypod("network", "ls", "--filter", "foo=bar", check=False)
    assert r.rc == 125

    r = pypod("network", "inspect", "n2", "nope", check=False)
    assert r.rc == 125 and json.loads(r.stdout)[0]["name"] == "n2"
    assert (
        "network nope: unable to find network with name or ID nope: network not found" in r.stderr
    )
    assert (
        pypod("network", "inspect", "--format", "{{.Driver}} {{.Internal}}", "n2").stdout
        == "bridge true\n"
    )

    assert pypod("network", "exists", "n3").rc == 0
    assert pypod("network", "exists", "nope", check=False).rc == 1

    r = pypod("network", "create", "n3", check=False)
    assert r.rc == 125 and "network name n3 already used: network already exists" in r.stderr
    assert pypod("network", "create", "--ignore", "n3").stdout == "n3\n"

    r = pypod("network", "rm", "n2", "nope", check=False)
    assert r.rc == 1 and r.stdout == "n2\n"
    assert "unable to find network with name or ID nope: network not found" in r.stderr
    assert pypod("network", "prune", "-f", "--filter", "label!=x").stdout == "n3\npodman1\n"
    assert pypod("network", "ls", "-q").stdout == "podman\n"


def test_create_errors_as_podman(pypod):
    cases = [
        (["--subnet", "10.77.0.0/33"], "invalid CIDR address: 10.77.0.0/33"),
        (["--subnet", "10.88.0.0/24"], "subnet 10.88.0.0/24 is already used on the host"),
        (["--gateway", "10.5.0.1"], "cannot set gateway or range without subnet"),
        (["--subnet", "10.55.0.0/24", "--gateway", "10.56.0.1"],
         "gateway 10.56.0.1 not in subnet 10.55.0.0/24"),
        (["--subnet", "10.55.0.0/24", "--ip-range", "10.56.0.0/24"],
         "lease range start ip 10.56.0.1 not in subnet 10.55.0.0/24"),
        (["-o", "foo=bar"], "unsupported bridge network option foo"),
        (["-o", "mtu=-1"], "mtu -1 is less than zero"),
        (["-o", "vlan=5000"], "vlan ID 5000 must be between 0 and 4094"),
        (["-d", "macvlan"], "macvlan driver needs at least one subnet specified"),
        (["-d", "foo"], "unsupported driver foo: invalid argument"),
        (["-d", "macvlan", "-o", "parent=nope", "--subnet", "10.58.0.0/24"],
         "parent interface nope does not exist"),
    ]  # fmt: skip
    for flags, message in cases:
        r = pypod("network", "create", *flags, "x1", check=False)
        assert r.rc == 125 and message in r.stderr, r
    r = pypod("network", "create", "bad name", check=False)
    assert r.rc == 125 and "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*" in r.stderr
    assert pypod("network", "ls", "-q").stdout == "podman\n"


def test_ip_range_macvlan_and_update(pypod):
    pypod("network", "create", "b1", "--subnet", "10.78.0.0/16", "--gateway", "10.78.0.254",
          "--ip-range", "10.78.5.0/24", "-o", "vlan=5", "-o", "isolate=1")  # fmt: skip
    doc = json.loads(pypod("network", "inspect", "b1").stdout)[0]
    lease = {"start_ip": "10.78.5.1", "end_ip": "10.78.5.255"}
    assert doc["subnets"] == [
        {"subnet": "10.78.0.0/16", "gateway": "10.78.0.254", "lease_range": lease}
    ]
    assert doc["options"] == {"isolate": "true", "vlan": "5"}
    pypod("network", "create", "m1", "-d", "macvlan", "-o", "parent=eth0", "-o", "mode=passthru",
          "--subnet", "192.168.57.0/24")  # fmt: skip
    doc = json.loads(pypod("network", "inspect", "m1").stdout)[0]
    assert doc["driver"] == "macvlan" and doc["network_interface"] == "eth0"
    assert doc["options"] == {"mode": "passthru"}
    pypod("network", "update", "--dns-add", "10.1.1.1", "--dns-add", "10.1.1.2", "b1")
    pypod("network", "update", "--dns-drop", "10.1.1.1", "b1")
    doc = json.loads(pypod("network", "inspect", "b1").stdout)[0]
    assert doc["network_dns_servers"] == ["10.1.1.2"]
    r = pypod("network", "connect", "b1", "x", check=False)
    assert r.rc == 125 and "no such container" in r.stderr

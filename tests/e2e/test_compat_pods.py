"""Pod commands against Podman 4.3's literal forms: texts, JSON shapes, exit codes.

Every expected string here was read from podman 4.3.1 run side by side with pypod on the same
inputs (bench/run.py's side_by_side); the tests do not run podman. Pods use --network none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.e2e.cli_run_helpers import engine, remove_all  # noqa: F401 - fixture
from tests.fixtures.images import BUSYBOX_REF as BB
from tests.fixtures.images import import_busybox
from tests.fixtures.pypod_cli import Pypod, StoreDirs

ID = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def pp(busybox_tar: str, store: StoreDirs, pypod: Pypod) -> Iterator[Pypod]:
    """Root pypod with localhost/busybox imported; every pod and container removed after."""
    import_busybox(pypod, tarball=busybox_tar)
    yield pypod
    pypod("pod", "rm", "-a", "-f", "-t", "0", check=False, timeout=60)
    remove_all(pypod, store)


def _err(r: object) -> str:
    return r.stderr.strip()  # type: ignore[attr-defined]


def test_pod_create_errors(pp: Pypod) -> None:
    pp("pod", "create", "--network", "none", "--name", "p1")
    r = pp("pod", "create", "--network", "none", "--name", "p1", check=False)
    assert (r.rc, _err(r)) == (
        125, 'Error: adding pod to state: name "p1" is in use: pod already exists')  # fmt: skip
    r = pp("run", "--pod", "new:p1", BB, "true", check=False)
    assert _err(r) == 'Error: adding pod to state: name "p1" is in use: pod already exists'
    r = pp("pod", "create", "--infra=false", "--network", "none", check=False)
    assert (r.rc, _err(r)) == (125, "Error: NoInfra and network modes cannot be used together")
    r = pp("pod", "create", "--infra=false", "-p", "80:80", check=False)
    msg = "Error: you must have an infra container to publish port bindings to the host"
    assert (r.rc, _err(r)) == (125, msg)
    r = pp("pod", "create", "--share", "pid,bogus", "--network", "none", check=False)
    assert (r.rc, _err(r)) == (125, "Error: invalid kernel namespace to share: bogus. Options "
                               "are: cgroup, ipc, net, pid, uts or none")  # fmt: skip
    # --share none: nothing to share, so no infra container (and no network options)
    r = pp("pod", "create", "--share", "none", "--network", "none", check=False)
    assert _err(r) == "Error: NoInfra and network modes cannot be used together"
    pp("pod", "create", "--share", "none", "--name", "bare")
    out = pp("pod", "inspect", "bare", "--format", "{{.CreateInfra}} {{.NumContainers}}").stdout
    assert out == "false 0\n"
    assert pp("pod", "ps", "-q").stdout.count("\n") == 2  # nothing half-made by the failures


INFRA_KEYS = [
    "Id", "Name", "Created", "CreateCommand", "ExitPolicy", "State", "Hostname", "CreateCgroup",
    "CgroupParent", "CgroupPath", "CreateInfra", "InfraContainerID", "InfraConfig",
    "SharedNamespaces", "NumContainers", "Containers",
]  # fmt: skip
INFRA_CONFIG = {
    "PortBindings": {}, "HostNetwork": False, "StaticIP": "", "StaticMAC": "",
    "NoManageResolvConf": False, "DNSServer": None, "DNSSearch": None, "DNSOption": None,
    "NoManageHosts": False, "HostAdd": None, "Networks": None, "NetworkOptions": None,
    "pid_ns": "private", "userns": "host", "uts_ns": "private",
}  # fmt: skip


def test_pod_inspect_shape(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pp("pod", "create", "--network", "none", "--name", "withinfra")
        out = pp("pod", "inspect", "withinfra").stdout
        assert out.startswith('{\n     "Id": "')  # one object, MarshalIndent's five spaces
        doc = json.loads(out)
        keys = [k for k in INFRA_KEYS if k not in ("CgroupParent", "CgroupPath")]
        assert [k for k in doc if k not in ("CgroupParent", "CgroupPath")] == keys
        assert doc["Hostname"] == "" and doc["ExitPolicy"] == "continue"
        assert doc["InfraConfig"] == INFRA_CONFIG
        assert list(doc["InfraConfig"]) == list(INFRA_CONFIG)
        assert doc["SharedNamespaces"] == ["ipc", "net", "uts"]
        assert list(doc["Containers"][0]) == ["Id", "Name", "State"]
        # no infra, labels: the empty omitempty keys are left out
        pp("pod", "create", "--infra=false", "--name", "bare", "--label", "a=b")
        doc = json.loads(pp("pod", "inspect", "bare").stdout)
        assert [k for k in doc if k != "CgroupParent"] == [
            "Id", "Name", "Created", "CreateCommand", "ExitPolicy", "State", "Hostname", "Labels",
            "CreateCgroup", "CreateInfra", "NumContainers"]  # fmt: skip
        assert (doc["Hostname"], doc["Labels"], doc["CreateInfra"]) == ("", {"a": "b"}, False)
        # templates still see every field
        out = pp("pod", "inspect", "--format", "{{.Labels}}|{{.InfraContainerID}}|{{.State}}",
                 "withinfra", "bare").stdout  # fmt: skip
        assert (
            out.splitlines()[0].startswith("map[]|") and out.splitlines()[1] == "map[a:b]||Created"
        )
        both = pp("pod", "inspect", "withinfra", "bare").stdout
        assert both.startswith("[\n     {\n          ")
        r = pp("pod", "inspect", "nope", check=False)
        assert (r.rc, r.stdout, _err(r)) == (
            125,
            "[]\n",
            "Error: inspecting object: no such pod nope",
        )
        r = pp("pod", "inspect", "bare", "nope", check=False)
        assert r.rc == 125 and json.loads(r.stdout)["Name"] == "bare"
        r = pp("pod", "inspect", check=False)
        assert (r.rc, _err(r)) == (125, "Error: no names or ids specified")
    finally:
        pp("pod", "rm", "-a", "-f", "-t", "0", check=False, timeout=60)


def test_pod_ps_forms(pp: Pypod) -> None:
    full = pp("pod", "create", "--network", "none", "--name", "ps1").stdout.strip()
    pp("pod", "create", "--infra=false", "--name", "ps2", "--label", "a=b")
    assert full in pp("pod", "ps", "-q").stdout.split()  # -q: full ids (Podman 4.3)
    header = pp("pod", "ps").stdout.splitlines()[0]
    assert re.split(r"  +", header) == ["POD ID", "NAME", "STATUS", "CREATED", "INFRA ID",
                                        "# OF CONTAINERS"]  # fmt: skip
    text = pp("pod", "ps", "--format", "json", "--filter", "name=ps1").stdout
    assert text.startswith('[\n  {\n    "Cgroup": ')  # two-space indent
    assert '"Labels": {\n      \n    }' in text  # Podman's encoder on an empty map
    (doc,) = json.loads(text)
    assert list(doc) == ["Cgroup", "Containers", "Created", "Id", "InfraId", "Name", "Namespace",
                         "Networks", "Status", "Labels"]  # fmt: skip
    assert list(doc["Containers"][0]) == ["Id", "Names", "Status"]
    assert doc["Networks"] == [] and doc["Status"] == "Created"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", doc["Created"])
    (doc,) = json.loads(pp("pod", "ps", "--format", "json", "--filter", "name=ps2").stdout)
    assert (doc["Containers"], doc["InfraId"], doc["Labels"]) == ([], "", {"a": "b"})
    out = pp("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}}",
             "--sort", "name").stdout  # fmt: skip
    assert out == "ps1 Created 1\nps2 Created 0\n"
    for flt, msg in (
        ("status=bogus", "bogus is not a valid pod status"),
        ("ctr-status=bad", "bad is not a valid status"),
        ("name", "filter input must be in the form of filter=value: name is invalid"),
        ("bogus=1", "bogus is an invalid filter"),
    ):
        r = pp("pod", "ps", "--filter", flt, check=False)
        assert (r.rc, _err(r)) == (125, f"Error: {msg}")
    r = pp("pod", "ps", "--sort", "bogus", check=False)
    assert _err(r) == "Error: invalid option for --sort, options are: id, names, or number"
    r = pp("pod", "ps", "-q", "--format", "json", check=False)
    assert (r.rc, _err(r)) == (125, "Error: quiet and format cannot be used together")


def test_pod_lifecycle_texts(pp: Pypod) -> None:
    empty = pp("pod", "create", "--infra=false", "--name", "empty").stdout.strip()
    msg = (f"Error: no containers in pod {empty} have no dependencies, cannot start pod: "
           "no such container")  # fmt: skip
    for verb in ("start", "restart"):
        r = pp("pod", verb, "empty", check=False)
        assert (r.rc, _err(r)) == (125, msg)
    pod = pp("pod", "create", "--network", "none", "--name", "lc").stdout.strip()
    assert pp("pod", "kill", "lc").stdout == f"{pod}\n"  # nothing running: still fine
    r = pp("pod", "kill", "-s", "bogus", "lc", check=False)
    assert (r.rc, _err(r)) == (125, "Error: invalid signal: bogus")
    r = pp("pod", "rm", "nope", check=False)
    assert (r.rc, _err(r)) == (1, "Error: no pod with name or ID nope found: no such pod")
    pp("pod", "start", "lc")
    assert pp("pod", "unpause", "lc").stdout == ""  # only Paused or Degraded pods
    assert pp("pod", "rm", "lc").stdout == f"{pod}\n"  # a running infra alone needs no -f
    pod = pp("pod", "create", "--network", "none", "--name", "busy").stdout.strip()
    member = pp("run", "-d", "--pod", "busy", BB, "sleep", "1000").stdout.strip()
    infra = json.loads(pp("pod", "inspect", "busy").stdout)["InfraContainerID"]
    r = pp("pod", "rm", "busy", check=False)
    assert r.rc == 125
    assert r.stderr == (
        "Error: 2 errors occurred:\n"
        f"\t* removing container {member} from pod {pod}: cannot remove container {member} as "
        "it is running - running or paused containers cannot be removed without force: "
        "container state improper\n"
        f"\t* removing container {infra} from pod {pod}: a container that depends on container "
        f"{infra} still exists: dependency exists\n\n\n"
    )
    assert pp("pod", "exists", "busy").rc == 0 and member in pp("ps", "-q", "--no-trunc").stdout
    assert pp("pod", "pause", "busy").stdout == f"{pod}\n"
    assert pp("pod", "ps", "--format", "{{.Status}}", "--filter", "name=busy").stdout == "Paused\n"
    assert pp("pod", "unpause", "busy").stdout == f"{pod}\n"
    pp("pod", "stop", "-t", "0", "busy")
    # prune takes Exited/Stopped pods only: not the Created or empty ones
    assert pp("pod", "prune", "-f").stdout == f"{pod}\n"
    assert pp("pod", "exists", "empty").rc == 0


def test_pod_top_stats_texts(pp: Pypod) -> None:
    pod = pp("pod", "create", "--network", "none", "--name", "ts").stdout.strip()
    r = pp("pod", "top", "ts")
    assert (r.rc, r.stdout) == (0, "")  # nothing running: no output
    r = pp("pod", "top", "nope", check=False)
    assert (r.rc, _err(r)) == (125, "Error: unable to look up requested container: no pod with "
                               "name or ID nope found: no such pod")  # fmt: skip
    r = pp("pod", "stats", "--no-stream", "nope", check=False)
    assert (r.rc, _err(r)) == (125, "Error: unable to get list of pods: no pod with name or ID "
                               "nope found: no such pod")  # fmt: skip
    rows = json.loads(pp("pod", "stats", "--no-stream", "--format", "json", "ts").stdout)
    assert rows == [{
        "CPU": "--", "MemUsage": "-- / --", "MemUsageBytes": "-- / --", "Mem": "--",
        "NetIO": "-- / --", "BlockIO": "-- / --", "PIDS": "--", "Pod": pod[:12],
        "CID": rows[0]["CID"], "Name": f"{pod[:12]}-infra",
    }]  # fmt: skip
    pp("pod", "create", "--infra=false", "--name", "none0")
    out = pp("pod", "stats", "--no-stream", "none0").stdout.splitlines()
    assert out[1].split() == ["--"] * 9
    # --latest: the newest pod only (none0 has no containers: a row of "--" for nothing)
    latest = pp("pod", "stats", "--no-stream", "--latest", "--format", "{{.Pod}}").stdout
    assert pod[:12] not in latest


def test_pod_member_with_own_network(pp: Pypod) -> None:
    """Podman 4.3 accepts --network on a member: it gets that network, not the pod's."""
    pp("pod", "create", "--network", "none", "--name", "own")
    pp("create", "--pod", "own", "--network", "host", "--name", "hostm", BB, "true")
    mode = pp("inspect", "--format", "{{.HostConfig.NetworkMode}}", "hostm").stdout.strip()
    assert mode == "host"
    r = pp("create", "--pod", "own", "--network-alias", "x", BB, "true", check=False)
    assert r.rc == 125 and "networks must be defined when the pod is created" in r.stderr

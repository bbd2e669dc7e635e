"""pod ps filters, pod inspect's JSON (Podman 4.3's shape) and pod clone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pypod.core.pods import PodConfig
from pypod.domain.pods import PodCreateRequest, PodSummary
from pypod.errors import InvalidArgument

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

_FILTERS = ("id", "name", "label", "status", "ctr-names", "ctr-ids", "ctr-status",
            "ctr-number", "network", "until")  # fmt: skip


def _label_match(labels: dict[str, str], want: str) -> bool:
    key, _, value = want.partition("=")
    return key in labels and (not value or labels[key] == value)


def _one(key: str, value: str) -> Callable[[PodSummary], bool]:
    tests: dict[str, Callable[[PodSummary], bool]] = {
        "id": lambda s: s.id.startswith(value),
        "name": lambda s: re.search(value, s.name) is not None,
        "label": lambda s: _label_match(s.labels, value),
        "status": lambda s: s.status.lower() == value.lower(),
        "ctr-names": lambda s: any(re.search(value, n) for _, n, _ in s.containers),
        "ctr-ids": lambda s: any(c.startswith(value) for c, _, _ in s.containers),
        "ctr-status": lambda s: any(st == value for _, _, st in s.containers),
        "ctr-number": lambda s: value.isdigit() and len(s.containers) == int(value),
        "network": lambda s: value in s.networks,
    }
    if key == "until":
        import time

        from pypod.format.units import parse_duration

        limit = time.time() - parse_duration(value) if not value.isdigit() else float(value)
        return lambda s: s.created < limit
    return tests[key]


_POD_STATES = ("stopped", "running", "paused", "exited", "dead", "created", "degraded")
_CTR_STATES = ("created", "running", "paused", "stopped", "exited", "unknown")


def _check_value(key: str, value: str) -> None:
    if key == "status" and value not in _POD_STATES:
        raise InvalidArgument(f"{value} is not a valid pod status")
    if key == "ctr-status" and value not in _CTR_STATES:
        raise InvalidArgument(f"{value} is not a valid status")


def pod_filter(filters: list[str]) -> Callable[[PodSummary], bool]:
    """Values of one key are ORed, keys ANDed (Podman's rule)."""
    by_key: dict[str, list[str]] = {}
    for f in filters:
        key, sep, value = f.partition("=")
        if not sep:
            raise InvalidArgument(f"filter input must be in the form of filter=value: {f} is "
                                  "invalid")  # fmt: skip
        if key not in _FILTERS:
            raise InvalidArgument(f"{key} is an invalid filter")
        _check_value(key, value)
        by_key.setdefault(key, []).append(value)
    groups = [[_one(k, v) for v in vs] for k, vs in by_key.items()]
    return lambda s: all(any(t(s) for t in g) for g in groups)


def inspect_doc(
    pod: PodConfig, summary: PodSummary, userns: str = "host", networks: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Podman 4.3's InspectPodData with every key (templates see them all); its JSON leaves
    the empty omitempty ones out (domain.pods.inspect_json)."""
    from pypod.local.container_inspect import go_time as _go_time

    doc: dict[str, Any] = {
        "Id": pod.id,
        "Name": pod.name,
        "Created": _go_time(pod.created),
        "CreateCommand": list(pod.create_command),
        "ExitPolicy": pod.exit_policy,
        "RestartPolicy": pod.restart_policy.partition(":")[0],  # Podman 4.6's key
        "State": summary.status,
        "Hostname": pod.hostname,
        "Labels": dict(pod.labels),
        "CreateCgroup": pod.share_parent and bool(pod.infra_id),
        "CgroupParent": pod.cgroup_parent,
        "CgroupPath": pod.cgroup_path,
        "CreateInfra": bool(pod.infra_id),
        "InfraContainerID": pod.infra_id,
        "InfraConfig": _infra_config(pod, userns, networks) if pod.infra_id else None,
        "SharedNamespaces": list(pod.share),
        "NumContainers": len(summary.containers),
        "Containers": [{"Id": c, "Name": n, "State": s} for c, n, s in summary.containers],
    }
    return doc


def _infra_config(pod: PodConfig, userns: str, networks: tuple[str, ...]) -> dict[str, Any]:
    return {
        "PortBindings": _port_bindings(pod.publish),
        "HostNetwork": pod.network == "host",
        "StaticIP": pod.ip,
        "StaticMAC": pod.mac,
        "NoManageResolvConf": False,
        "DNSServer": list(pod.dns) or None,
        "DNSSearch": None,
        "DNSOption": None,
        "NoManageHosts": False,
        "HostAdd": list(pod.add_hosts) or None,
        "Networks": list(networks) or None,
        "NetworkOptions": None,
        "pid_ns": "private",
        "userns": userns,
        "uts_ns": "private",
    }


def _port_bindings(publish: tuple[str, ...]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for spec in publish:
        proto = "tcp"
        text = spec
        if "/" in text:
            text, proto = text.rsplit("/", 1)
        parts = text.split(":")
        ctr = parts[-1]
        host = parts[-2] if len(parts) >= 2 else ""
        host_ip = ":".join(parts[:-2]) if len(parts) > 2 else ""
        out.setdefault(f"{ctr}/{proto}", []).append({"HostIp": host_ip, "HostPort": host})
    return out


def clone_name(taken: Callable[[str], bool], name: str) -> str:
    """Podman's name for a clone of `name`: NAME-clone, else NAME-clone1, -clone2, ...; a name
    that is a clone already counts on (web-clone3 -> web-clone4)."""
    if taken(name + "-clone"):
        name += "-clone"
    if "-clone" not in name:
        return name + "-clone"
    end = name.index("-clone") + len("-clone")
    count = 0
    if name[end:].isdigit():
        name, count = name[:end], int(name[end:])
    while True:
        count += 1
        if not taken(f"{name}{count}"):
            return f"{name}{count}"


def clone_pod(engine: LocalEngine, pod: PodConfig, new_name: str, destroy: bool) -> str:
    """A new pod with the same settings and a clone of each member (Podman's pod clone: the
    infra container is made anew, named after the old one's as a clone; the members are
    container clones that join the new pod). --destroy then removes the original. If a member
    cannot be cloned, the new pod goes again and the original stays."""
    from pypod.domain.containers_ops import CloneRequest
    from pypod.domain.pods import PodTargets
    from pypod.local.pods_create import create_pod, pod_store

    store = pod_store(engine)
    cstore = engine.container_store
    infra_name = userns = ""
    if pod.infra_id:
        infra = cstore.get(pod.infra_id)[0]
        infra_name = clone_name(cstore.name_taken, infra.name)
        userns = infra.userns_mode  # the mode as given (keep-id, auto:size=N): a new namespace
    req = PodCreateRequest(
        name=new_name or clone_name(store.exists, pod.name),
        labels=tuple(f"{k}={v}" for k, v in pod.labels.items()),
        infra=bool(pod.infra_id), infra_image=pod.infra_image, infra_name=infra_name,
        infra_command=pod.infra_command, share=",".join(pod.share) if pod.infra_id else None,
        share_parent=pod.share_parent, cgroup_parent=pod.cgroup_parent,
        exit_policy=pod.exit_policy, restart=pod.restart_policy, hostname=pod.hostname,
        network=pod.network, publish=pod.publish, dns=pod.dns, add_hosts=pod.add_hosts,
        ip=pod.ip, mac=pod.mac, create_command=pod.create_command, userns=userns,
    )  # fmt: skip
    new_id = create_pod(engine, req)
    try:
        for cid in store.members(pod.id):
            if cid != pod.infra_id:
                engine.containers.clone(CloneRequest(name=cid, pod=new_id))
    except BaseException:
        engine.pods.remove(PodTargets(names=(new_id,), ignore=True), force=True)
        raise
    if destroy:
        for r in engine.pods.remove(PodTargets(names=(pod.id,)), force=True):
            if r.error is not None:
                raise r.error
    return new_id

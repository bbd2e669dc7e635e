"""Joining another container's namespaces: pod members share their infra container's.

A mode "container:<id>" (ContainerConfig.network_mode / ipc_mode / uts_mode / pid_mode /
cgroupns_mode / userns_mode) becomes the OCI namespace path /proc/<pid>/ns/<kind> of that
container's pid 1.
The container joined is started first when it is not running (Podman starts a member's
dependencies, and a pod's infra, the same way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod.core.model import ContainerConfig, Status
from pypod.errors import Conflict
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

# OCI namespace type -> (ContainerConfig field, /proc/<pid>/ns/ entry)
_KINDS = (
    ("network", "network_mode", "net"),
    ("ipc", "ipc_mode", "ipc"),
    ("uts", "uts_mode", "uts"),
    ("pid", "pid_mode", "pid"),
    ("cgroup", "cgroupns_mode", "cgroup"),
    ("user", "userns_mode", "user"),  # a member of a pod with --userns, --userns container:
)


def joined_namespaces(engine: LocalEngine, config: ContainerConfig) -> dict[str, str]:
    out: dict[str, str] = {}
    pids: dict[str, int] = {}
    for kind, attr, proc_name in _KINDS:
        mode: str = getattr(config, attr)
        if not mode.startswith("container:"):
            continue
        target = mode.split(":", 1)[1]
        if target not in pids:
            pids[target] = running_pid(engine, target, config.name)
        out[kind] = f"/proc/{pids[target]}/ns/{proc_name}"
    return out


def start_joined(engine: LocalEngine, config: ContainerConfig) -> None:
    """Start every container whose namespaces config joins (before its network is set up)."""
    targets = {getattr(config, attr).split(":", 1)[1] for _kind, attr, _p in _KINDS
               if getattr(config, attr).startswith("container:")}  # fmt: skip
    for cid in sorted(targets):
        if cid != config.id:
            running_pid(engine, cid, config.name)


def running_pid(engine: LocalEngine, cid: str, joiner: str) -> int:
    """The pid of cid's process, starting cid first when it does not run."""
    from pypod.local.container_recover import current

    state = current(engine, cid, engine.container_store.get_state(cid))
    if state.status is Status.PAUSED:
        raise Conflict(f"container {cid[:12]} is paused: {joiner} cannot join its namespaces")
    if state.status is not Status.RUNNING or not state.pid:
        from pypod.local.container_start import start_container

        log.debug("starting %s for %s to join its namespaces", cid[:12], joiner)
        _config, state = start_container(engine, cid)
    return state.pid


def after_member_exit(engine: LocalEngine, config: ContainerConfig) -> None:
    """A member exited: with exit policy "stop" and no other member running, stop the infra
    container (the pod is then Exited)."""
    from pypod.errors import PypodError
    from pypod.local.container_recover import current
    from pypod.local.pods_create import pod_store

    try:
        pod = pod_store(engine).get(config.pod_id)
    except PypodError:
        return  # the pod is being removed
    if pod.exit_policy != "stop" or not pod.infra_id or config.id == pod.infra_id:
        return
    store = engine.container_store
    for cid in pod_store(engine).members(pod.id):
        if cid in (pod.infra_id, config.id):
            continue
        try:
            state = current(engine, cid, store.get_state(cid))
        except PypodError:
            continue
        if state.status in (Status.RUNNING, Status.PAUSED):
            return
    from pypod.local.container_stop import stop_one

    try:
        stop_one(engine, pod.infra_id, None)
    except PypodError as exc:
        log.debug("exit policy stop of pod %s: %s", pod.name, exc)

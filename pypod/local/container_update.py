"""update: change a container's resource limits and restart policy.

The stored config is updated under the container's lock; when the runtime has the container
(created, running, paused) the new OCI LinuxResources (core/specgen.resources) go to
`runtime update` too, so a live container gets them at once. Rootless on cgroup v1 there is
no cgroup to change: Podman's error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod import records
from pypod.core.model import Resources, Status, check_transition
from pypod.domain.containers_ops import IdReport, UpdateRequest
from pypod.errors import InvalidArgument, PypodError
from pypod.local import container_lookup as lk
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

CPU_PERIOD = 100_000  # µs, as Podman converts --cpus
_LIVE = (Status.CREATED, Status.RUNNING, Status.PAUSED)
_FIELDS = [
    "memory",
    "memory_swap",
    "memory_reservation",
    "cpu_shares",
    "cpu_quota",
    "cpu_period",
    "cpuset_cpus",
    "cpuset_mems",
    "pids_limit",
    "blkio_weight",
]


def resource_changes(req: UpdateRequest) -> dict[str, object]:
    """The Resources fields the request sets (--cpus becomes quota and period)."""
    out: dict[str, object] = {f: getattr(req, f) for f in _FIELDS if getattr(req, f) is not None}
    if req.cpus is not None:
        if req.cpus < 0:
            raise InvalidArgument(f"invalid --cpus value {req.cpus}: must be positive")
        out["cpu_period"] = CPU_PERIOD
        out["cpu_quota"] = int(req.cpus * CPU_PERIOD)
    if req.blkio_weight is not None and req.blkio_weight and not 10 <= req.blkio_weight <= 1000:
        raise InvalidArgument("invalid blkio weight: must be between 10 and 1000")
    return out


def apply(config: ContainerConfig, req: UpdateRequest) -> ContainerConfig:
    """config with the request's resources and restart policy."""
    from pypod.local.create_options import parse_restart

    res: Resources = records.replace(config.resources, **resource_changes(req))  # type: ignore[arg-type]
    if res.memory and res.memory_swap and 0 < res.memory_swap < res.memory:
        raise InvalidArgument(
            "must specify a memory-swap value greater than or equal to the memory value"
        )
    config = records.replace(config, resources=res)
    if req.restart_policy is not None:
        policy, retries = parse_restart(req.restart_policy)
        config = records.replace(config, restart_policy=policy, restart_retries=retries)
    return config


def _check_host(engine: LocalEngine, req: UpdateRequest) -> None:
    if not engine.rootless or not resource_changes(req):
        return
    from pypod.host.cgroups import detect

    if detect().version != "v2":
        raise PypodError(
            "cannot update the resources of a container on cgroups V1 rootless systems: "
            "the container has no cgroup"
        )


def _live_update(engine: LocalEngine, config: ContainerConfig) -> None:
    from pypod.core.specgen import resources
    from pypod.host.cgroups import detect

    spec = resources(config, engine.containers_conf.containers, detect(), [])
    engine.runtime.update(config.id, spec)


def update(engine: LocalEngine, req: UpdateRequest) -> list[IdReport]:
    _check_host(engine, req)
    found = lk.targets(engine, req.names, latest=req.latest)
    store = engine.container_store

    def act(name: str, cid: str) -> IdReport:
        with store.locked(cid):
            config, state = lk.load(engine, cid)
            check_transition("update", config.name, state.status)
            new = apply(config, req)
            if resource_changes(req) and state.status in _LIVE:
                _live_update(engine, new)
            store.set_config(new)
        lk.emit(engine, new, "update")
        return IdReport(id=cid, name=name)

    return lk.for_each(engine, found, act)

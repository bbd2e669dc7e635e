"""pod create, the pause image and containers joining a pod.

The infra container runs `catatonit -P` from a local image built on first use, as Podman 4
does: /usr/bin/catatonit (statically linked) imported as localhost/pypod-pause:<version>. It is
an ordinary container made from a CreateRequest carrying the pod's network flags, so networks,
ports and DNS work for a pod exactly as for a container; members then take its namespaces
("container:<infra id>" modes, see pods_join.py).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import time
from typing import TYPE_CHECKING, Any

from pypod import __version__, records
from pypod.core.model import ContainerConfig
from pypod.core.pods import DEFAULT_SHARE, SHAREABLE, PodConfig, PodStore
from pypod.domain.containers_create import CreateRequest
from pypod.domain.pods import PodCreateRequest
from pypod.errors import ImageNotFound, InvalidArgument, MissingComponent, NameInUse, PypodError
from pypod.local import pods_cgroup
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

PAUSE_IMAGE = f"localhost/pypod-pause:{__version__}"
PORTS_ERROR = (
    "invalid config provided: published or exposed ports must be defined when the pod is "
    "created: network cannot be configured when it is shared with a pod"
)


def pod_store(engine: LocalEngine) -> PodStore:
    cached = engine.__dict__.get("_pod_store")
    if cached is None:
        cached = PodStore(engine.container_store)
        engine.__dict__["_pod_store"] = cached
    return cached


# --- the pause image -------------------------------------------------------------------------
def pause_image(engine: LocalEngine) -> str:
    """The id of localhost/pypod-pause:<version>, built from catatonit when missing."""
    from pypod.local.image_resolve import find_image

    try:
        return find_image(engine.store, PAUSE_IMAGE).id
    except ImageNotFound:
        pass
    lock_path = os.path.join(engine.store.run_root, "pause-image.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the others find its image
        try:
            return find_image(engine.store, PAUSE_IMAGE).id
        except ImageNotFound:
            return _build_pause(engine)


def _build_pause(engine: LocalEngine) -> str:
    import tarfile

    from pypod.domain.images_transfer import ImportRequest
    from pypod.host.processes import find_binary

    binary = find_binary("catatonit") or "/usr/bin/catatonit"
    if not os.path.exists(binary):
        raise MissingComponent("catatonit not found: install the catatonit package")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tar.gettarinfo(binary, arcname="catatonit")
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        with open(binary, "rb") as f:
            tar.addfile(info, f)
    buf.seek(0)
    log.debug("building %s from %s", PAUSE_IMAGE, binary)
    return engine.images.import_image(
        ImportRequest(
            source=buf,
            reference=PAUSE_IMAGE,
            changes=('ENTRYPOINT ["/catatonit", "-P"]',),
            message="pypod pause image",
        )
    )


# --- pod create ------------------------------------------------------------------------------
def check_userns(engine: LocalEngine, req: PodCreateRequest) -> None:
    """--userns: host/"" (the user namespace pypod runs in) or a namespace of the pod's own
    (keep-id, nomap, auto, private), which the infra container gets and members join."""
    from pypod.core.userns_modes import check_pod_mode

    mode = check_pod_mode(req.userns, rootless=engine.rootless)
    if mode.own and not req.infra:
        raise InvalidArgument("--userns: a pod without an infra container cannot have a user "
                              "namespace of its own")  # fmt: skip


def parse_share(share: str | None) -> tuple[str, ...]:
    if share is None:
        return DEFAULT_SHARE
    text = share.strip()
    base: tuple[str, ...] = ()
    if text.startswith("+"):
        base, text = DEFAULT_SHARE, text[1:]
    kinds = [k.strip() for k in text.split(",") if k.strip() and k.strip() != "none"]
    for k in kinds:
        if k not in SHAREABLE:
            raise InvalidArgument(f"invalid kernel namespace to share: {k}. Options are: "
                                  "cgroup, ipc, net, pid, uts or none")  # fmt: skip
    return tuple(sorted(set(base) | set(kinds)))


def create_pod(engine: LocalEngine, req: PodCreateRequest) -> str:
    from pypod.local import create_options as co

    if req.infra and req.share is not None and req.share.strip() == "none":
        req = records.replace(req, infra=False)  # nothing to share: no infra (Podman)
    check_userns(engine, req)
    if req.exit_policy not in ("continue", "stop"):
        raise InvalidArgument(f'invalid pod exit policy: "{req.exit_policy}"')
    if req.name:
        co.check_name(req.name)
    if req.pod_id_file and os.path.exists(req.pod_id_file):
        raise InvalidArgument(
            f"pod id file exists. Ensure another pod is not using it or delete {req.pod_id_file}"
        )
    share = parse_share(req.share)
    if req.infra and "cgroup" in share and req.share_parent:
        raise InvalidArgument(
            "cannot define the pod as the cgroup parent at the same time as joining the infra "
            "container's cgroupNS: invalid argument"
        )
    if req.restart:
        co.parse_restart(req.restart)
    if not req.infra and req.network:
        raise InvalidArgument("NoInfra and network modes cannot be used together")
    if not req.infra and req.publish:
        raise InvalidArgument("you must have an infra container to publish port bindings to the "
                              "host")  # fmt: skip
    if not req.infra and (req.ip or req.mac or req.dns):
        raise InvalidArgument("you must have an infra container to publish ports or set "
                              "network options")  # fmt: skip
    store = pod_store(engine)
    pod_id = os.urandom(32).hex()
    name = req.name or _random_name(engine, store)
    infra_command = _infra_command(req.infra_command)
    cgroup_parent, cgroup_path = pods_cgroup.plan(engine, pod_id, req)
    pod = PodConfig(
        id=pod_id, name=name, created=time.time(),
        labels=co.key_values(req.labels, "label"), share=share if req.infra else (),
        share_parent=req.share_parent, cgroup_parent=cgroup_parent, cgroup_path=cgroup_path,
        exit_policy=req.exit_policy, restart_policy=req.restart,
        hostname=req.hostname, network=req.network, publish=req.publish, dns=req.dns,
        add_hosts=req.add_hosts, ip=req.ip, mac=req.mac,
        infra_image=req.infra_image if req.infra else "",
        infra_command=infra_command, create_command=req.create_command,
    )  # fmt: skip
    try:
        store.create(pod)
    except NameInUse as exc:
        msg = f'adding pod to state: name "{name}" is in use: pod already exists'
        raise NameInUse(msg) from exc
    try:
        pods_cgroup.make(engine, cgroup_path)
        if req.infra:
            infra_name = req.infra_name or f"{pod_id[:12]}-infra"
            infra_id = _create_infra(engine, pod, infra_name, req.userns)
            pod = records.replace(pod, infra_id=infra_id)
            store.set_config(pod)
        if req.pod_id_file:
            with open(req.pod_id_file, "x", encoding="ascii") as f:
                f.write(pod_id)
    except BaseException:
        _undo_create(engine, pod)
        raise
    _emit(engine, pod, "create")
    return pod_id


def _undo_create(engine: LocalEngine, pod: PodConfig) -> None:
    from pypod.domain.containers_ops import RemoveRequest

    ids = pod_store(engine).members(pod.id)
    if ids:
        engine.containers.remove(RemoveRequest(names=tuple(ids), force=True, ignore=True))
    pods_cgroup.remove(pod.cgroup_path)
    pod_store(engine).remove(pod.id)


def _infra_command(raw: tuple[str, ...]) -> tuple[str, ...]:
    if len(raw) == 1 and raw[0].lstrip().startswith("["):
        return tuple(json.loads(raw[0]))
    return raw


def _random_name(engine: LocalEngine, store: PodStore) -> str:
    from pypod.core.names import generate

    return generate(lambda n: store.exists(n) or engine.container_store.name_taken(n))


def _create_infra(engine: LocalEngine, pod: PodConfig, name: str, userns: str = "") -> str:
    from pypod.local import container_create as cc

    image = pod.infra_image or engine.containers_conf.engine.infra_image or ""
    if not image:
        pause_image(engine)
        image = PAUSE_IMAGE
    fields: dict[str, Any] = {
        "image": image, "name": name, "hostname": pod.hostname or pod.name,
        "network": pod.network, "dns": pod.dns, "add_hosts": pod.add_hosts,
        "pull": "missing", "restart": pod.restart_policy,
    }  # fmt: skip
    if pod.infra_command:
        fields["entrypoint"] = json.dumps(list(pod.infra_command))
    req = CreateRequest(**fields, publish=pod.publish, ip=pod.ip, mac_address=pod.mac)
    image_obj, image_name = cc.resolve_image(engine, req)
    image_doc = json.loads(engine.store.image_config(image_obj.id))
    warnings: list[str] = []
    config = cc.build_config(engine, req, image_obj, image_name, image_doc, warnings)
    config = records.replace(
        config, pod_id=pod.id, labels={**config.labels, "io.pypod.infra": "true"},
        cgroup_parent=pod.cgroup_path or pod.cgroup_parent,
    )  # fmt: skip
    if userns:
        from pypod.local.container_userns import apply

        config = apply(engine, config, userns=userns, user_given=False, image=image_obj)
    undo = cc._Undo()
    try:
        config = cc._store(engine, config, image_doc, undo, generated_name=False)
    except BaseException:
        undo.run()
        raise
    from pypod.local.container_start import emit

    emit(engine, config, "create")
    return config.id


def is_infra(config: ContainerConfig) -> bool:
    return config.labels.get("io.pypod.infra") == "true" and bool(config.pod_id)


# --- containers joining a pod ----------------------------------------------------------------
def prepare_member(engine: LocalEngine, req: CreateRequest) -> tuple[CreateRequest, PodConfig]:
    """--pod NAME | new:NAME: the pod (made now for new:) and the request with the network
    of the pod's infra container and, when it sets none (and is not --rm), the pod's restart
    policy (Podman 4.6's pod --restart)."""
    store = pod_store(engine)
    if req.pod.startswith("new:"):
        pod = store.get(create_pod(engine, PodCreateRequest(name=req.pod[4:])))
    else:
        pod = store.lookup(req.pod)
    if pod.restart_policy and not req.restart and not req.rm:
        req = records.replace(req, restart=pod.restart_policy)
    if not pod.shares("net") or req.network:
        # an explicit --network gives the member a network of its own (Podman 4.3 accepts it,
        # with -p and --ip then); without one it joins the pod's
        return req, pod
    if req.publish or req.publish_all:
        raise InvalidArgument(PORTS_ERROR)
    if req.network or req.ip or req.mac_address or req.network_aliases:
        raise InvalidArgument("invalid config provided: networks must be defined when the pod "
                              "is created: network cannot be configured when it is shared "
                              "with a pod")  # fmt: skip
    return records.replace(req, network=f"container:{pod.infra_id}"), pod


def join_pod(pod: PodConfig, config: ContainerConfig) -> ContainerConfig:
    """The member's config: pod_id, the infra's namespaces, the pod's hostname, the pod's
    cgroup as its cgroup parent (see pods_cgroup.py)."""
    if not pod.infra_id:
        return records.replace(config, pod_id=pod.id)
    mode = f"container:{pod.infra_id}"
    changes: dict[str, Any] = {"pod_id": pod.id}
    if pod.cgroup_path and not config.cgroup_parent:
        changes["cgroup_parent"] = pod.cgroup_path
    for kind, attr in (("ipc", "ipc_mode"), ("pid", "pid_mode"), ("cgroup", "cgroupns_mode")):
        if pod.shares(kind):
            changes[attr] = mode
    if pod.shares("uts"):
        changes["uts_mode"] = mode
        changes["hostname"] = pod.hostname or pod.name
    changes["dependencies"] = tuple(dict.fromkeys((*config.dependencies, pod.infra_id)))
    return records.replace(config, **changes)


_NS_MODES = ("network_mode", "ipc_mode", "uts_mode", "pid_mode", "cgroupns_mode")


def move_to_pod(engine: LocalEngine, config: ContainerConfig, key: str) -> ContainerConfig:
    """A clone of a pod member, moved to another pod made with the same settings (pod
    clone): what named the old infra container (namespaces, dependency) names the new one,
    and the old pod's cgroup and hostname become the new pod's."""
    store = pod_store(engine)
    new = store.lookup(key)
    changes: dict[str, Any] = {"pod_id": new.id}
    try:
        old = store.get(config.pod_id) if config.pod_id else None
    except PypodError:
        old = None
    if old is not None and old.infra_id:
        if not new.infra_id:
            raise InvalidArgument(f"pod {new.name} has no infra container to share namespaces")
        before, after = f"container:{old.infra_id}", f"container:{new.infra_id}"
        for attr in _NS_MODES:
            if getattr(config, attr) == before:
                changes[attr] = after
        changes["dependencies"] = tuple(
            new.infra_id if d == old.infra_id else d for d in config.dependencies
        )
        if old.shares("uts"):
            changes["hostname"] = new.hostname or new.name
    if old is not None and old.cgroup_path and config.cgroup_parent == old.cgroup_path:
        changes["cgroup_parent"] = new.cgroup_path
    if old is None:
        return join_pod(new, config)
    return records.replace(config, **changes)


def _emit(engine: LocalEngine, pod: PodConfig, status: str) -> None:
    from pypod.local.container_start import events_log

    try:
        events_log(engine).emit("pod", status, id=pod.id, name=pod.name)
    except Exception:  # an event must never fail the lifecycle
        log.debug("pod event %s for %s not written", status, pod.id, exc_info=True)

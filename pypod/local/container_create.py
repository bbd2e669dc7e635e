"""create: a CreateRequest becomes a stored container (config + state + RW layer), or nothing.

Order, chosen so a failure leaves no record, mount or directory behind: validate every flag
(pure), find or pull the image, --replace the old container, then create the RW layer, the
volumes it needs and the records; anything that fails after the first side effect undoes the
ones before it (`_Undo`). The image's config supplies the defaults (Entrypoint, Cmd, Env,
WorkingDir, User, ExposedPorts, Volumes, StopSignal, Healthcheck, Labels) the flags override.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pypod import records
from pypod.core.model import ContainerConfig, ContainerState, Mount
from pypod.domain.containers_create import CreateReport, CreateRequest
from pypod.errors import ImageNotFound, InvalidArgument, NameInUse, PypodError
from pypod.local import create_mounts as cm
from pypod.local import create_options as co
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine
    from pypod.storage.types import Image

log = get_logger(__name__)

NETWORK_MODES = ("none", "host")
ROOTLESS_V1_WARNING = "Resource limits are not supported and ignored on cgroups V1 rootless systems"


class _Undo:
    """Side effects of a create in progress, undone in reverse when it fails."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], object]] = []

    def push(self, step: Callable[[], object]) -> None:
        self._steps.append(step)

    def run(self) -> None:
        for step in reversed(self._steps):
            try:
                step()
            except Exception:
                log.warning("undoing a failed create", exc_info=True)


def create(engine: LocalEngine, req: CreateRequest) -> CreateReport:
    warnings: list[str] = []
    _check_request(req)
    if req.cidfile and os.path.exists(req.cidfile):
        raise InvalidArgument(
            f"container id file exists. Ensure another container is not using it or delete "
            f"{req.cidfile}"
        )
    pod = None
    if req.pod:
        from pypod.local.pods_create import join_pod, prepare_member

        req, pod = prepare_member(engine, req)
    image, image_name = resolve_image(engine, req)
    image_doc = json.loads(engine.store.image_config(image.id))
    config = build_config(engine, req, image, image_name, image_doc, warnings)
    if pod is not None:
        config = join_pod(pod, config)
    default_userns = engine.containers_conf.containers.userns
    allocating: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if req.userns or pod is not None or default_userns not in ("", "host"):
        from pypod.local.container_userns import allocation_lock, apply

        # auto ranges are chosen against the recorded containers: plan and record together
        allocating = allocation_lock(engine, req.userns or default_userns)
    with allocating:
        if req.userns or pod is not None or default_userns not in ("", "host"):
            config = apply(engine, config, userns=req.userns, user_given=bool(req.user),
                           image=image, pod=pod)  # fmt: skip
        if req.replace and req.name:
            _replace(engine, req.name)
        undo = _Undo()
        try:
            config = _store(engine, config, image_doc, undo, generated_name=not req.name)
            if req.cidfile:
                _write_cidfile(req.cidfile, config.id)
        except BaseException:
            undo.run()
            raise
    from pypod.local.container_start import emit

    emit(engine, config, "create")
    return CreateReport(id=config.id, name=config.name, warnings=tuple(warnings))


def _check_request(req: CreateRequest) -> None:
    if req.name:
        co.check_name(req.name)
    if req.rm and co.parse_restart(req.restart)[0] not in ("no",):
        raise InvalidArgument(
            'the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"'
        )
    if req.pull and req.pull not in ("always", "missing", "never", "newer"):
        raise InvalidArgument(f'unsupported pull policy "{req.pull}"')


# --- image ---------------------------------------------------------------------------------
def resolve_image(engine: LocalEngine, req: CreateRequest) -> tuple[Image, str]:
    """The image per --pull: local lookup first for missing/never (no registry code loaded),
    a pull for always/newer or when missing."""
    from pypod.local.image_resolve import find_image

    store = engine.store
    policy = req.pull or engine.containers_conf.engine.pull_policy or "missing"
    if policy in ("missing", "never") and not req.platform.os and not req.platform.arch:
        try:
            # None: shortnames loads the default registries.conf itself, and only for a
            # short name (`run localhost/x` parses no configuration for it)
            registries = engine.registries if engine.options.registries_conf else None
            image = find_image(store, req.image, registries)
            return image, _image_name(image, req.image)
        except ImageNotFound:
            if policy == "never":
                raise ImageNotFound(f"{req.image}: image not known") from None
    from pypod.domain.images_options import PullPolicy
    from pypod.domain.images_transfer import PullRequest

    report = engine.images.pull(
        PullRequest(
            reference=req.image,
            policy=PullPolicy(policy),
            platform=req.platform,
            registry=req.registry,
            progress=req.pull_progress,
        )
    )
    image = store.image(report.images[0])
    name = report.names[0] if report.names else _image_name(image, req.image)
    return image, name


def _image_name(image: Image, typed: str) -> str:
    """The stored name the user meant (Podman shows it in ps/inspect), else the id."""
    if not image.names:
        return image.id
    tagged = typed if ":" in typed.rsplit("/", 1)[-1] or "@" in typed else typed + ":latest"
    for name in image.names:
        if name == tagged or name.endswith("/" + tagged):
            return name
    return image.names[0] if not typed.startswith(image.id[:3]) else image.id


# --- config ----------------------------------------------------------------------------------
def build_config(
    engine: LocalEngine,
    req: CreateRequest,
    image: Image,
    image_name: str,
    image_doc: dict[str, Any],
    warnings: list[str],
) -> ContainerConfig:
    from pypod.core.env import merge_env
    from pypod.format.units import parse_size

    conf = engine.containers_conf.containers
    img: dict[str, Any] = image_doc.get("config") or {}
    entrypoint = co.parse_entrypoint(req.entrypoint, tuple(img.get("Entrypoint") or ()))
    command = req.command or (() if req.entrypoint is not None else tuple(img.get("Cmd") or ()))
    if not entrypoint and not command:
        raise InvalidArgument(
            "no command or entrypoint provided, and no CMD or ENTRYPOINT from image"
        )
    env = merge_env(
        image_env=tuple(img.get("Env") or ()),
        conf_env=conf.env,
        host_env=os.environ,
        env_host=req.env_host or conf.env_host,
        http_proxy=conf.http_proxy,
        env_files=req.env_files,
        env=req.env,
        unsetenv=req.unsetenv,
        unsetenv_all=req.unsetenv_all,
    )
    labels = dict(img.get("Labels") or {})
    labels.update(co.key_values(co.read_label_files(req.label_files), "label"))
    labels.update(co.key_values(req.labels, "label"))
    annotations = co.key_values(conf.annotations, "annotation")
    annotations.update(co.key_values(req.annotations, "annotation"))
    stop_signal = co.parse_signal(req.stop_signal or img.get("StopSignal") or "SIGTERM")
    restart, retries = co.parse_restart(req.restart)
    resources = co.parse_resources(req)
    if resources.pids_limit is None:  # containers.conf's default, fixed at create as Podman's
        from pypod.host.cgroups import detect

        pids = detect().pids_limit(None, conf.pids_limit)
        resources = records.replace(resources, pids_limit=pids)
    if engine.rootless and co.resources_requested(req) and _cgroup_v1():
        warnings.append(ROOTLESS_V1_WARNING)
    umask = req.umask or conf.umask or "0022"
    if not all(c in "01234567" for c in umask) or len(umask) > 4:
        raise InvalidArgument(f"invalid umask string {umask}")
    ulimits = co.parse_ulimits(req.ulimits)
    _check_ulimits(ulimits)
    expose = {p if "/" in p else p + "/tcp": "" for p in (img.get("ExposedPorts") or {})}
    expose.update({p if "/" in p else p + "/tcp": "" for p in req.expose})
    # --shm-size is binary (go-units RAMInBytes: 64m = 64 MiB) but Podman reads containers.conf's
    # shm_size as decimal (FromHumanSize: the default "65536k" is 65,536,000 bytes)
    if req.shm_size:
        shm = parse_size(req.shm_size)
    else:
        shm = parse_size(conf.shm_size or "65536k", decimal=True)
    init_path = req.init_path or conf.init_path
    if req.init and not os.path.exists(init_path):
        from pypod.host.processes import find_binary

        init_path = find_binary("catatonit") or init_path
        if not os.path.exists(init_path):
            raise InvalidArgument(f"container-init binary not found on the host: {init_path}")
    sysctls = co.key_values(req.sysctls, "sysctl")
    devices = tuple(req.devices)
    cid = os.urandom(32).hex()  # what secrets.token_hex does, without importing hashlib
    name = req.name or _random_name(engine)
    mounts = cm.user_mounts(req.volumes, req.mounts, req.tmpfs)
    deps: list[str] = []
    for spec in req.volumes_from:
        source_id, source_mounts = _volumes_from(engine, spec)
        deps.append(source_id)
        taken = {m.destination for m in mounts}
        mounts += [m for m in cm.volumes_from_mounts(spec, source_mounts)
                   if m.destination not in taken]  # fmt: skip
    image_volumes = tuple(sorted(img.get("Volumes") or {}))
    mounts += cm.image_volume_mounts(image_volumes, {m.destination for m in mounts})
    log_conf = co.parse_log(req, conf.log_driver, conf.log_size_max, conf.log_tag)
    runtime = _runtime_choice(engine)
    from pypod.local import container_network

    net = container_network.choose(engine, req, expose)
    warnings.extend(net.warnings)
    if net.mode.startswith("container:"):
        deps.append(net.mode.partition(":")[2])
    return ContainerConfig(
        id=cid,
        name=name,
        created=time.time(),
        image_id=image.id,
        image_name=image_name,
        raw_image_name=req.image,
        entrypoint=entrypoint,
        command=command,
        env=env,
        workdir=req.workdir or img.get("WorkingDir") or "/",
        user=req.user or img.get("User") or "",
        group_add=req.group_add,
        umask=umask,
        tty=req.tty,
        stdin=req.interactive,
        init=req.init or False,
        init_path=init_path if req.init else "",
        passwd_entry=req.passwd_entry,
        tz=req.tz or conf.tz,
        timeout_s=req.timeout,
        hostname=req.hostname,
        labels=labels,
        annotations=annotations,
        security=records.replace(
            co.parse_security(req), default_caps=tuple(conf.default_capabilities)
        ),
        resources=resources,
        devices=devices,
        ulimits=ulimits,
        sysctls=sysctls,
        shm_size=shm,
        mounts=tuple(mounts),
        volumes_from=req.volumes_from,
        image_volumes=image_volumes,
        network_mode=net.mode,
        networks=net.networks,
        network_options=net.options,
        ports=net.ports,
        publish_all=req.publish_all,
        dns_servers=req.dns,
        dns_search=req.dns_search,
        dns_options=req.dns_options,
        add_hosts=req.add_hosts,
        no_hosts=req.no_hosts or conf.no_hosts,
        expose=expose,
        stop_signal=stop_signal,
        stop_timeout_s=(
            req.stop_timeout
            if req.stop_timeout is not None
            else engine.containers_conf.engine.stop_timeout
        ),
        restart_policy=restart,
        restart_retries=retries,
        auto_remove=req.rm,
        health=co.parse_health(req, img.get("Healthcheck")),
        log=log_conf,
        runtime=runtime[0],
        runtime_path=runtime[1],
        rootless=engine.rootless,
        dependencies=tuple(dict.fromkeys(deps)),
        create_command=req.create_command,
    )


def _cgroup_v1() -> bool:
    from pypod.host.cgroups import Layout, detect

    return detect().layout is not Layout.UNIFIED


def _check_ulimits(ulimits: tuple[tuple[str, int, int], ...]) -> None:
    """An explicit limit above this process's hard limit cannot be set without
    CAP_SYS_RESOURCE: say so now rather than let runc fail obscurely."""
    import resource

    for name, soft, hard in ulimits:
        if name == "host":
            continue
        num = getattr(resource, name, None)
        if num is None:
            continue
        _cur_soft, cur_hard = resource.getrlimit(num)
        want = max(soft, hard) if -1 not in (soft, hard) else resource.RLIM_INFINITY
        if cur_hard != resource.RLIM_INFINITY and (want == resource.RLIM_INFINITY or
                                                   want > cur_hard):  # fmt: skip
            raise InvalidArgument(
                f"ulimit {name[7:].lower()}={soft}:{hard} exceeds this process's hard limit "
                f"{cur_hard} (raising it needs CAP_SYS_RESOURCE)"
            )


def _runtime_choice(engine: LocalEngine) -> tuple[str, str]:
    from pypod.runtime.select import choose

    conf = engine.containers_conf.engine
    paths = {name: list(p) for name, p in conf.runtimes.items()}
    choice = choose(engine.options.runtime, conf.runtime, paths)
    return choice.name, choice.path


def _random_name(engine: LocalEngine) -> str:
    from pypod.core.names import generate

    return generate(engine.container_store.name_taken)


def _volumes_from(engine: LocalEngine, spec: str) -> tuple[str, tuple[Mount, ...]]:
    name = spec.split(":", 1)[0]
    cid = engine.container_store.lookup(name)
    config, _ = engine.container_store.get(cid)
    return cid, config.mounts


def _replace(engine: LocalEngine, name: str) -> None:
    """--replace: remove a container holding the name (running or not)."""
    store = engine.container_store
    if not store.name_taken(name):
        return
    from pypod.domain.containers_ops import RemoveRequest

    reports = engine.containers.remove(RemoveRequest(names=(name,), force=True, ignore=True))
    for r in reports:
        if r.error is not None:
            raise r.error


# --- side effects ----------------------------------------------------------------------------
def _store(
    engine: LocalEngine,
    config: ContainerConfig,
    image_doc: dict[str, Any],
    undo: _Undo,
    *,
    generated_name: bool,
) -> ContainerConfig:
    from pypod.local.container_storage import layers

    ctr_layers = layers(engine)
    ctr_layers.create(config.id, config.image_id, uid_map=config.uid_map, gid_map=config.gid_map)
    undo.push(lambda: ctr_layers.remove(config.id))
    userdata = ctr_layers.userdata_dir(config.id)
    if not config.log.path and config.log.driver in ("k8s-file", "json-file"):
        log_conf = records.replace(config.log, path=os.path.join(userdata, "ctr.log"))
        config = records.replace(config, log=log_conf)
    config = records.replace(config, mounts=_named_volumes(engine, config, undo))
    state = ContainerState(bundle=userdata)
    store = engine.container_store
    try:
        config = store.create(config, state, random_name=generated_name)
    except NameInUse as exc:
        raise NameInUse(
            f'creating container storage: the container name "{config.name}" is already in use '
            f"by {_holder(engine, config.name)}. You have to remove that container to be able "
            "to reuse that name: that name is already in use"
        ) from exc
    undo.push(lambda: store.remove(config.id))
    del image_doc
    return config


def _holder(engine: LocalEngine, name: str) -> str:
    try:
        return engine.container_store.lookup(name)
    except PypodError:
        return "another container"


def _named_volumes(engine: LocalEngine, config: ContainerConfig, undo: _Undo) -> tuple[Mount, ...]:
    """Create the named volumes that do not exist yet and name the anonymous ones."""
    from pypod.errors import Conflict
    from pypod.local.container_start import volumes_of

    vols = volumes_of(engine)
    out = []
    for m in config.mounts:
        if m.type != "volume":
            out.append(m)
            continue
        try:
            made = vols.create(m.source, anonymous=not m.source)
        except Conflict:
            out.append(m)  # an existing named volume (or one a concurrent create just made)
            continue
        undo.push(lambda n=made.name: vols.remove(n))
        out.append(records.replace(m, source=made.name))
    return tuple(out)


def _write_cidfile(path: str, cid: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError as exc:
        raise InvalidArgument(
            f"container id file exists. Ensure another container is not using it or delete {path}"
        ) from exc
    except OSError as exc:
        raise InvalidArgument(f"opening cidfile {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w") as f:
        f.write(cid)

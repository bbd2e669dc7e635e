"""init and start: a stored container becomes a runtime container (init), then runs (start).

init (CONFIGURED / STOPPED / EXITED -> CREATED), under the container's lock:
  mount the rootfs, mount its volumes and image mounts, write the etc files
  (hosts, hostname, resolv.conf, .containerenv) into userdata, write config.json
  (core.specgen.build_spec), then runtime.create through conmon with the exit command
  `pypod <global flags> container cleanup ID` — which is what runs when the process ends.
start (CREATED -> RUNNING): runtime.start; `before_start` lets a foreground run connect to the
attach socket first so no output is lost.

Any failure on the way undoes the mounts and leaves the state as it was (plus State.Error).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pypod import records
from pypod.core.model import ContainerConfig, ContainerState, Mount, Status, check_transition
from pypod.errors import InvalidArgument, PypodError
from pypod.log import DEBUG, get_logger, level

if TYPE_CHECKING:
    from pypod.core.events import EventLog
    from pypod.core.volumes import Volumes
    from pypod.domain.containers_ops import IdReport
    from pypod.local.container_network import NetInfo
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

BeforeStart = Callable[[ContainerConfig, ContainerState], None]


# --- shared helpers (also used by create, attach and cleanup) --------------------------------
def exit_dir(engine: LocalEngine) -> str:
    """Where conmon writes <id> with the exit code (Podman: <tmpdir>/exits)."""
    return os.path.join(engine.store.run_root, "exits")


def events_log(engine: LocalEngine) -> EventLog:
    cached = engine.__dict__.get("_events_log")
    if cached is None:
        from pypod.core.events import EventLog

        conf = engine.containers_conf.engine
        backend = engine.options.events_backend or conf.events_logger or "file"
        cached = EventLog.open(engine.store.run_root, backend, conf.events_logfile_path)
        engine.__dict__["_events_log"] = cached
    return cached


def emit(engine: LocalEngine, config: ContainerConfig, status: str, **fields: Any) -> None:
    """A container event as Podman writes it (the container's labels as attributes)."""
    attrs = dict(config.labels)
    try:
        events_log(engine).emit(
            "container", status, id=config.id, name=config.name, image=config.image_name,
            attributes=attrs, **fields,
        )  # fmt: skip
    except Exception:  # an event must never fail the lifecycle
        log.debug("event %s for %s not written", status, config.id, exc_info=True)


def volumes_of(engine: LocalEngine) -> Volumes:
    cached = engine.__dict__.get("_volumes_core")
    if cached is None:
        from pypod.core.volumes import Volumes

        cached = Volumes(engine.container_store, engine.store.graph_root, events_log(engine))
        engine.__dict__["_volumes_core"] = cached
    return cached


def exit_command(engine: LocalEngine, cid: str, auto_remove: bool) -> tuple[str, ...]:
    """The pypod conmon runs when the container exits: the same store, runtime and events."""
    argv = [*pypod_command(engine), "container", "cleanup"]
    if auto_remove:
        argv.append("--rm")
    return (*argv, cid)


def pypod_command(engine: LocalEngine) -> list[str]:
    """pypod with this engine's global flags (for commands run on the container's behalf)."""
    here = os.path.join(os.path.dirname(sys.executable), "pypod")
    argv = [here] if os.access(here, os.X_OK) else [sys.executable, "-m", "pypod"]
    store = engine.store
    argv += ["--root", store.graph_root, "--runroot", store.run_root]
    opts = engine.options
    argv += ["--storage-driver", store.driver_name]
    for opt in opts.storage_opts:
        argv += ["--storage-opt", opt]
    for flag, value in (("--runtime", opts.runtime), ("--conmon", opts.conmon),
                        ("--events-backend", opts.events_backend), ("--tmpdir", opts.tmpdir),
                        ("--cgroup-manager", opts.cgroup_manager)):  # fmt: skip
        if value:
            argv += [flag, value]
    if level() <= DEBUG:
        argv += ["--log-level", "debug"]
    return argv


# --- init ------------------------------------------------------------------------------------
def init_container(
    engine: LocalEngine, config: ContainerConfig, state: ContainerState
) -> ContainerState:
    """Make the runtime container (state CREATED). The caller holds the container's lock."""
    from pypod.local.container_cleanup import teardown
    from pypod.local.container_storage import layers
    from pypod.runtime.types import CreateOptions

    check_transition("init", config.name, state.status)
    if config.pod_id or config.userns_mode.startswith("container:"):
        from pypod.local.pods_join import start_joined  # what it joins runs first

        start_joined(engine, config)
    if state.status is Status.STOPPED:
        state = teardown(engine, config, state)
    ctr = layers(engine)
    userdata = ctr.userdata_dir(config.id)
    run_dir = ctr.run_dir(config.id)
    os.makedirs(run_dir, mode=0o700, exist_ok=True)
    undo: list[Callable[[], object]] = []
    try:
        rootfs = ctr.mount(config.id)
        undo.append(lambda: ctr.unmount(config.id))
        mounts = resolve_mounts(engine, config, rootfs, undo)
        from pypod.local import container_network

        holder = _userns_holder(engine, config, undo)
        net = container_network.setup(engine, config, run_dir)
        undo.append(lambda: container_network.teardown(engine, config))
        etc_files = write_etc_files(engine, config, userdata, net)
        passwd = passwd_file(config, rootfs, userdata)
        if passwd:
            etc_files["/etc/passwd"] = passwd
        if config.uid_map:
            from pypod.local.container_userns import chown_to_root, group_file

            group = group_file(config, rootfs, userdata)
            if group:
                etc_files["/etc/group"] = group
            chown_to_root(config, etc_files.values())
        spec = _spec(engine, config, rootfs, mounts, etc_files, net.netns_path, holder)
        _write_json(os.path.join(userdata, "config.json"), spec)
        os.makedirs(exit_dir(engine), mode=0o700, exist_ok=True)
        created = engine.runtime.create(
            CreateOptions(
                container_id=config.id,
                name=config.name,
                bundle=userdata,
                userdata=userdata,
                run_dir=run_dir,
                exit_dir=exit_dir(engine),
                log_driver=config.log.driver,
                log_path=config.log.path,
                log_max_size=config.log.max_size,
                log_tag=config.log.tag,
                tty=config.tty,
                stdin=config.stdin,
                exit_command=exit_command(engine, config.id, config.auto_remove),
                conmon_pidfile=os.path.join(userdata, "conmon.pid"),
                timeout_s=config.timeout_s,
                passthrough_fds=config.log.driver == "passthrough",
                no_pivot=engine.containers_conf.engine.no_pivot_root,
            )
        )
    except BaseException as exc:
        for step in reversed(undo):
            with contextlib.suppress(Exception):
                step()
        if isinstance(exc, PypodError):
            failed = records.replace(state, error=exc.message)
            with contextlib.suppress(PypodError):
                engine.container_store.set_state(config.id, failed)
        raise
    if holder:  # the container's process holds its user namespace now
        from pypod.local.container_userns import drop_holder

        drop_holder(holder)
    state = records.replace(
        state,
        status=Status.CREATED,
        pid=created.pid,
        conmon_pid=created.conmon_pid,
        exit_code=0,
        oom_killed=False,
        mountpoint=rootfs,
        bundle=userdata,
        error="",
        boot_id=_boot_id(),
    )
    engine.container_store.set_state(config.id, state)
    emit(engine, config, "init")
    return state


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""


def resolve_mounts(
    engine: LocalEngine, config: ContainerConfig, rootfs: str, undo: list[Callable[[], object]]
) -> list[Mount]:
    """Volumes -> their _data dirs (mounted, filled from the image on first use), image mounts
    -> the image's mounted rootfs; binds and tmpfs as they are."""
    out = []
    vols = volumes_of(engine) if any(m.type == "volume" for m in config.mounts) else None
    owner: tuple[int, int] | None = None
    for m in config.mounts:
        if owner is None and (m.type == "volume" or (m.type == "bind" and "U" in m.options)):
            owner = _process_owner(config, rootfs)  # read from the image's passwd only then
        if m.type == "volume" and vols is not None:
            path = vols.mount(m.source)
            undo.append(lambda n=m.source: vols.unmount(n))
            image_path = os.path.join(rootfs, m.destination.lstrip("/"))
            if "nocopy" not in m.options:
                with contextlib.suppress(OSError):
                    vols.populate_from(m.source, image_path)
            assert owner is not None
            vols.chown_for(m.source, *owner, recursive="U" in m.options, like=image_path)
            out.append(records.replace(m, type="bind", source=path))
        elif m.type == "bind" and "U" in m.options:
            from pypod.core.volumes import chown_tree

            assert owner is not None
            chown_tree(m.source, *owner)  # Podman's :U: the source becomes the user's
            out.append(m)
        elif m.type == "image":
            from pypod.local.image_resolve import find_image

            image = find_image(engine.store, m.source, engine.registries)
            path = engine.store.mount_image(image.id)
            undo.append(lambda i=image.id: engine.store.unmount_image(i))
            opts = m.options if "rw" in m.options else (*m.options, "ro")
            out.append(records.replace(m, type="bind", source=path, options=opts))
        else:
            out.append(m)
    return out


def release_mounts(engine: LocalEngine, config: ContainerConfig) -> None:
    """Undo resolve_mounts (cleanup after the process ended)."""
    for m in config.mounts:
        try:
            if m.type == "volume":
                volumes_of(engine).unmount(m.source)
            elif m.type == "image":
                from pypod.local.image_resolve import find_image

                image = find_image(engine.store, m.source, engine.registries)
                engine.store.unmount_image(image.id)
        except PypodError as exc:
            log.debug("releasing mount %s of %s: %s", m.destination, config.id, exc)


def write_etc_files(
    engine: LocalEngine, config: ContainerConfig, userdata: str, net: NetInfo | None = None
) -> dict[str, str]:
    """hosts, hostname, resolv.conf, .containerenv in userdata; {container path: host path}."""
    from pypod.core import etcfiles
    from pypod.local.container_network import NetInfo

    net = net or NetInfo()

    hostname = config.hostname or config.id[:12]
    conf = engine.containers_conf.containers
    files: dict[str, str] = {}
    texts: dict[str, str | None] = {
        "/etc/hostname": etcfiles.hostname_file(hostname),
        "/run/.containerenv": etcfiles.containerenv(
            privileged=config.security.privileged, name=config.name, container_id=config.id,
            image_name=config.image_name, image_id=config.image_id, rootless=config.rootless,
        ),
    }  # fmt: skip
    if not config.no_hosts:
        texts["/etc/hosts"] = etcfiles.hosts(
            hostname=hostname,
            name=config.name,
            network_mode=config.network_mode,
            add_hosts=config.add_hosts,
            base_hosts_text=_read(conf.base_hosts_file or "/etc/hosts"),
            host_ip=net.host_gateway,
            container_ip=net.ip,
        )
    texts["/etc/resolv.conf"] = etcfiles.resolv_conf(
        network_mode=config.network_mode,
        host_text=_read("/etc/resolv.conf"),
        servers=config.dns_servers or net.dns_servers,
        search=config.dns_search or net.dns_search,
        options=config.dns_options,
    )
    names = {"/etc/hostname": "hostname", "/run/.containerenv": ".containerenv",
             "/etc/hosts": "hosts", "/etc/resolv.conf": "resolv.conf"}  # fmt: skip
    for dest, text in texts.items():
        if text is None:
            continue
        path = os.path.join(userdata, names[dest])
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o644)
        files[dest] = path
    return files


def passwd_file(config: ContainerConfig, rootfs: str, userdata: str) -> str:
    """A numeric --user the image's /etc/passwd lacks gets an entry there (from the
    --passwd-entry template, or Podman's default), in a copy under userdata bound over it;
    "" when none is needed."""
    from pypod.core import users

    user, _, group = config.user.partition(":")
    if not user.isdigit() or any(p.uid == int(user) for p in users.read_passwd(rootfs)):
        return ""
    template = config.passwd_entry or "$USERNAME:*:$UID:$GID:container user:$HOME:/bin/sh"
    entry = users.passwd_entry(template, uid=int(user), gid=int(group) if group.isdigit() else 0,
                               name=user, home=config.workdir or "/")  # fmt: skip
    text = _read(users.resolve_in_root(rootfs, "/etc/passwd"))
    if text and not text.endswith("\n"):
        text += "\n"
    path = os.path.join(userdata, "passwd")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + entry)
    os.chmod(path, 0o644)
    return path


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _spec(
    engine: LocalEngine,
    config: ContainerConfig,
    rootfs: str,
    mounts: list[Mount],
    etc_files: dict[str, str],
    netns_path: str = "",
    userns_path: str = "",
) -> dict[str, Any]:
    from pypod.core.defaults import host_hard_limits
    from pypod.core.specgen import build_spec
    from pypod.host.cgroups import detect

    conf = engine.containers_conf
    seccomp: dict[str, Any] | None = None
    if not config.security.privileged:
        from pypod.core.seccomp import profile_for

        seccomp = profile_for(config.security.seccomp_profile, conf.containers.seccomp_profile)
    return build_spec(
        config,
        rootfs=rootfs,
        conf=conf.containers,
        etc_files=etc_files,
        rootless=engine.rootless,
        cgroup=detect(),
        seccomp_profile=seccomp,
        host_limits=host_hard_limits(),
        mounts=mounts,
        netns_path=netns_path,
        cgroup_manager=engine.options.cgroup_manager or conf.engine.cgroup_manager,
        joined_namespaces=(
            {**(_joined(engine, config) or {}), "user": userns_path}
            if userns_path
            else _joined(engine, config)
        ),
        id_mappings=_id_mappings(config),
    )


def _userns_holder(
    engine: LocalEngine, config: ContainerConfig, undo: list[Callable[[], object]]
) -> str:
    """--userns: the container's user namespace, made first (its netns must belong to it)."""
    if not config.uid_map or config.userns_mode.startswith("container:"):
        return ""
    from pypod.local.container_userns import drop_holder, make_holder

    path = make_holder(engine, config)
    undo.append(lambda: drop_holder(path))
    return path


def _process_owner(config: ContainerConfig, rootfs: str) -> tuple[int, int]:
    """The container process's uid/gid as this process sees ids (through --userns maps)."""
    from pypod.core.users import resolve_user

    user = resolve_user(rootfs, config.user)
    if not config.uid_map:
        return user.uid, user.gid
    from pypod.local.container_userns import outside

    return outside(config.uid_map, user.uid), outside(config.gid_map, user.gid)


def _id_mappings(config: ContainerConfig) -> tuple[list, list] | None:
    if not config.uid_map:
        return None
    from pypod.local.container_userns import spec_maps

    return spec_maps(config)


def _joined(engine: LocalEngine, config: ContainerConfig) -> dict[str, str] | None:
    """Namespaces taken from another container (pod members join their infra's)."""
    if not (config.pod_id or config.network_mode.startswith("container:")
            or config.userns_mode.startswith("container:")):  # fmt: skip
        return None
    from pypod.local.pods_join import joined_namespaces

    return joined_namespaces(engine, config)


def _write_json(path: str, doc: dict[str, Any]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    os.rename(tmp, path)


# --- start -----------------------------------------------------------------------------------
def start_container(
    engine: LocalEngine, cid: str, *, before_start: BeforeStart | None = None
) -> tuple[ContainerConfig, ContainerState]:
    """Init if needed, then start. A running container is left alone (Podman: no error)."""
    from pypod.local.container_recover import sync_state

    store = engine.container_store
    with store.locked(cid):
        config, state = sync_state(engine, cid)
        if state.status in (Status.RUNNING, Status.PAUSED):
            return config, state
        check_transition("start", config.name, state.status)
        if state.status is not Status.CREATED:
            state = init_container(engine, config, state)
        if before_start is not None:
            before_start(config, state)
        try:
            engine.runtime.start(cid)
        except PypodError as exc:
            from pypod.local.container_cleanup import teardown

            with contextlib.suppress(PypodError):
                state = teardown(engine, config, records.replace(state, status=Status.STOPPED))
            store.set_state(cid, records.replace(state, error=exc.message))
            raise
        state = records.replace(
            state, status=Status.RUNNING, started_at=time.time(), stopped_by_user=False
        )
        if config.health is not None:
            from pypod.local.container_health import started

            state = started(engine, config, state)
        store.set_state(cid, state)
    emit(engine, config, "start")
    return config, state


def init(
    engine: LocalEngine, names: list[str], all: bool = False, latest: bool = False
) -> list[IdReport]:
    """`pypod init`: CONFIGURED/EXITED/STOPPED containers become CREATED."""
    from pypod.domain.containers_ops import IdReport
    from pypod.local.container_lookup import for_each, targets
    from pypod.local.container_recover import sync_state

    def one(name: str, cid: str) -> IdReport:
        with engine.container_store.locked(cid):
            config, state = sync_state(engine, cid)
            if state.status is Status.CREATED:
                return IdReport(id=cid, name=name)  # already initialised: Podman says nothing
            init_container(engine, config, state)
        return IdReport(id=cid, name=name)

    if not (names or all or latest):
        raise InvalidArgument("no containers specified")
    return for_each(engine, targets(engine, names, all=all, latest=latest), one)

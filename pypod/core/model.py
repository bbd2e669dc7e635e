"""What a container is: an immutable ContainerConfig and a mutable ContainerState.

ContainerConfig is fully resolved when the container is created (image defaults merged with the
user's flags, names and ids chosen, volumes named), so every later command works from it alone.
It is stored as JSON (to_json/from_json) in the containers table; ContainerState in the state
table. Field names follow Podman's meaning; units are explicit in the names.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pypod import records
from pypod.errors import Conflict
from pypod.records import field, record


class Status(StrEnum):
    CONFIGURED = "configured"  # record exists, no runtime container yet
    CREATED = "created"  # runtime container created (runc create), process not started
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"  # process exited, runtime container still exists (before cleanup)
    EXITED = "exited"  # process exited and cleaned up (runtime container deleted)
    REMOVING = "removing"
    UNKNOWN = "unknown"


# Which operation may run from which state: the one table the lifecycle checks.
TRANSITIONS: dict[str, frozenset[Status]] = {
    "init": frozenset({Status.CONFIGURED, Status.EXITED, Status.STOPPED}),
    "start": frozenset({Status.CONFIGURED, Status.CREATED, Status.EXITED, Status.STOPPED}),
    "stop": frozenset({Status.RUNNING, Status.PAUSED, Status.CREATED}),
    "kill": frozenset({Status.RUNNING, Status.PAUSED}),
    "pause": frozenset({Status.RUNNING}),
    "unpause": frozenset({Status.PAUSED}),
    "exec": frozenset({Status.RUNNING}),
    "attach": frozenset(
        {Status.RUNNING, Status.CREATED, Status.CONFIGURED, Status.EXITED, Status.STOPPED}
    ),
    "remove": frozenset(
        {Status.CONFIGURED, Status.CREATED, Status.STOPPED, Status.EXITED, Status.UNKNOWN}
    ),
    "cleanup": frozenset({Status.STOPPED, Status.EXITED, Status.CREATED, Status.CONFIGURED}),
    "update": frozenset(
        {
            Status.RUNNING,
            Status.PAUSED,
            Status.CREATED,
            Status.CONFIGURED,
            Status.STOPPED,
            Status.EXITED,
        }
    ),
    "commit": frozenset(Status) - {Status.REMOVING},
    "rename": frozenset(Status) - {Status.REMOVING},
}


class InvalidState(Conflict):
    """An operation the container's state does not allow (Podman's ErrCtrStateInvalid)."""

    reason = "container state improper"


def state_word(status: Status) -> str:
    """Podman's State string: a container never started reads "created"."""
    return "created" if status is Status.CONFIGURED else status.value


def check_transition(op: str, name: str, status: Status) -> None:
    if status not in TRANSITIONS[op]:
        raise InvalidState(f"container {name} is {status.value}: cannot {op} it")


@record
class Mount:
    """A resolved mount for the OCI spec. type: bind | tmpfs | volume | image | devpts | overlay.

    For "volume", source is the volume name (resolved to its _data path at start); for "image",
    the image id (mounted at start); for bind, an absolute host path."""

    type: str
    source: str
    destination: str
    options: tuple[str, ...] = ()  # ro, rw, z, Z, U, O, nocopy, copy, rbind, bind, nosuid, ...
    subpath: str = ""


@record
class HealthConfig:
    test: tuple[str, ...]  # ["CMD-SHELL", "x"] or ["CMD", "a", "b"] or ["NONE"]
    interval_s: float = 30.0
    timeout_s: float = 30.0
    retries: int = 3
    start_period_s: float = 0.0
    on_failure: str = "none"  # none | kill | restart | stop


@record
class Resources:
    """0 / "" / None mean unset (no limit)."""

    memory: int = 0  # bytes
    memory_swap: int = 0  # bytes, -1 unlimited
    memory_reservation: int = 0
    cpu_quota: int = 0  # with cpu_period, from --cpus
    cpu_period: int = 0
    cpu_shares: int = 0
    cpuset_cpus: str = ""
    cpuset_mems: str = ""
    pids_limit: int | None = None  # None = default (containers.conf pids_limit), 0/-1 unlimited
    blkio_weight: int = 0


@record
class SecurityConfig:
    privileged: bool = False
    cap_add: tuple[str, ...] = ()  # "CAP_NET_ADMIN" form, or "ALL"
    cap_drop: tuple[str, ...] = ()
    seccomp_profile: str = ""  # "" default profile, "unconfined", or a path
    no_new_privileges: bool = False
    label_opts: tuple[str, ...] = ()  # label=disable, label=type:x (no-ops without SELinux)
    mask: tuple[str, ...] = ()  # extra masked paths
    unmask: tuple[str, ...] = ()  # "ALL" or paths removed from the default masked set
    read_only: bool = False
    read_only_tmpfs: bool = True  # with read_only: tmpfs on /run /tmp /var/tmp /dev/shm
    # containers.conf's default_capabilities at create: inspect shows a container that has no
    # spec yet without parsing containers.conf (empty in records made before it was kept)
    default_caps: tuple[str, ...] = ()


@record
class LogConfig:
    driver: str = "k8s-file"  # k8s-file | json-file | none | passthrough
    path: str = ""  # resolved at create when empty: <container dir>/ctr.log
    max_size: int = -1  # bytes, -1 unlimited
    tag: str = ""


@record
class ContainerConfig:
    id: str  # 64 hex
    name: str
    created: float  # unix time

    # image
    image_id: str  # "" for a rootfs-less container (not supported yet)
    image_name: str  # as the user gave it after resolution ("docker.io/library/alpine:latest")
    raw_image_name: str = ""  # exactly as typed

    # process
    entrypoint: tuple[str, ...] = ()
    command: tuple[str, ...] = ()  # the CMD part; the process runs entrypoint + command
    env: dict[str, str] = field(default_factory=dict)  # final, image env merged with the user's
    workdir: str = "/"
    user: str = ""  # "uid[:gid]" or "name[:group]" as given; resolved at start
    group_add: tuple[str, ...] = ()
    umask: str = "0022"
    tty: bool = False
    stdin: bool = False  # -i: keep stdin open
    init: bool = False  # run catatonit as pid 1
    init_path: str = ""
    passwd_entry: str = ""
    tz: str = ""
    timeout_s: int = 0  # --timeout: kill after this many seconds (0 = none)

    # identity
    hostname: str = ""  # "" = first 12 chars of the id
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    # security and resources
    security: SecurityConfig = field(default_factory=SecurityConfig)
    resources: Resources = field(default_factory=Resources)
    devices: tuple[str, ...] = ()  # "/dev/x[:/dev/y][:rwm]"
    ulimits: tuple[tuple[str, int, int], ...] = ()  # (RLIMIT_NOFILE-style name, soft, hard)
    sysctls: dict[str, str] = field(default_factory=dict)
    shm_size: int = 65536 * 1024  # bytes

    # storage
    mounts: tuple[Mount, ...] = ()  # binds, tmpfs, named volumes, image mounts, in user order
    volumes_from: tuple[str, ...] = ()  # resolved into mounts at create; kept for inspect
    image_volumes: tuple[str, ...] = ()  # VOLUME paths from the image (anonymous volumes)

    # networking (issue 4 widens this)
    network_mode: str = "none"  # none | host | (later) bridge, pasta, slirp4netns, container:ID
    dns_servers: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()  # "name:ip"
    no_hosts: bool = False
    expose: dict[str, str] = field(default_factory=dict)  # "80/tcp" -> "" (from EXPOSE)
    # bridge: {network name: {"aliases", "static_ips", "static_mac", "interface_name"}}
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    network_options: tuple[str, ...] = ()  # pasta/slirp4netns options (--network pasta:OPTS)
    ports: tuple[dict[str, Any], ...] = ()  # network.ports.PortMapping.to_json(), host ports set
    publish_all: bool = False

    # lifecycle
    stop_signal: int = 15
    stop_timeout_s: int = 10
    restart_policy: str = "no"  # no | on-failure | always | unless-stopped
    restart_retries: int = 0
    auto_remove: bool = False  # --rm
    health: HealthConfig | None = None
    log: LogConfig = field(default_factory=LogConfig)

    # where and how it runs
    runtime: str = ""  # runtime name chosen at create ("runc")
    runtime_path: str = ""
    rootless: bool = False
    cgroup_parent: str = ""
    platform: str = ""
    pod_id: str = ""  # issue 4
    # namespaces joined from another container (a pod's infra): "container:<id>" or "" (own)
    ipc_mode: str = ""
    uts_mode: str = ""
    pid_mode: str = ""
    cgroupns_mode: str = ""
    # --userns (core/userns_modes.py): the mode as given, "container:<id>" for a pod member
    # joining its infra's; the maps "container:host:size" of a namespace of its own
    userns_mode: str = ""
    uid_map: tuple[str, ...] = ()
    gid_map: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()  # container ids this one needs (volumes-from, later net)
    create_command: tuple[str, ...] = ()  # the pypod argv that created it (for inspect/clone)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def process_args(self) -> tuple[str, ...]:
        return self.entrypoint + self.command

    def to_json(self) -> str:
        return json.dumps(records.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ContainerConfig:
        raw: dict[str, Any] = json.loads(text)
        raw["mounts"] = tuple(Mount(**{**m, "options": tuple(m["options"])}) for m in raw["mounts"])
        raw["security"] = SecurityConfig(**_tuples(raw["security"]))
        raw["resources"] = Resources(**raw["resources"])
        raw["log"] = LogConfig(**raw["log"])
        if raw.get("health"):
            raw["health"] = HealthConfig(**_tuples(raw["health"]))
        raw["ulimits"] = tuple(tuple(u) for u in raw["ulimits"])
        return cls(**_tuples(raw))


def _tuples(d: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


@record
class ContainerBrief:
    """The part of a ContainerConfig that `ps` shows and filters on (same field names, so a
    filter works on either). Read by ContainerStore.list_brief() with json_extract in SQLite:
    decoding 1,000 whole configs costs ~55 us each, this ~10."""

    id: str
    name: str
    created: float
    image_id: str
    image_name: str
    entrypoint: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    mounts: tuple[Mount, ...] = ()
    auto_remove: bool = False
    pod_id: str = ""
    network_mode: str = "none"
    ports: tuple[dict[str, Any], ...] = ()
    networks: tuple[str, ...] = ()  # the names (ContainerConfig's keys)

    @property
    def process_args(self) -> tuple[str, ...]:
        return self.entrypoint + self.command


@record
class HealthState:
    status: str = ""  # "" (no healthcheck) | starting | healthy | unhealthy
    failing_streak: int = 0
    log: tuple[dict[str, Any], ...] = ()  # last 5: {"Start","End","ExitCode","Output"}


@record
class ContainerState:
    """Mutable: replaced whole (records.replace) under the container's lock."""

    status: Status = Status.CONFIGURED
    pid: int = 0
    conmon_pid: int = 0
    exit_code: int = 0
    oom_killed: bool = False
    started_at: float = 0.0
    finished_at: float = 0.0
    restart_count: int = 0
    stopped_by_user: bool = False  # for unless-stopped and on-failure decisions
    mountpoint: str = ""  # rootfs mount while mounted
    mount_count: int = 0  # `pypod mount` references
    bundle: str = ""  # <container dir>/userdata
    health: HealthState = field(default_factory=HealthState)
    error: str = ""  # last start error, for inspect's State.Error
    boot_id: str = ""  # /proc/sys/kernel/random/boot_id when the state was written (reboots)

    def to_json(self) -> str:
        return json.dumps(records.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ContainerState:
        raw: dict[str, Any] = json.loads(text)
        raw["status"] = Status(raw["status"])
        h = raw.get("health") or {}
        raw["health"] = HealthState(**{**h, "log": tuple(h.get("log", ()))})
        return cls(**raw)


@record
class VolumeConfig:
    name: str
    driver: str = "local"
    created: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # -o type=, device=, o=
    anonymous: bool = False
    uid: int = -1
    gid: int = -1

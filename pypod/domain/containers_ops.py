"""Requests and reports of every engine verb on existing containers.

Defined once, shared by the CLI, the REST API and (later) the remote client. Multi-target verbs
return one IdReport per target so `stop a b c` reports each outcome, as Podman does.
"""

from __future__ import annotations

from typing import Any

from pypod.records import field, record


@record
class IdReport:
    """One target's outcome: `id` is the full id, `name` what the user typed."""

    id: str = ""
    name: str = ""
    error: Exception | None = None
    exit_code: int | None = None
    size: int = 0  # bytes freed (prune)


# ps --------------------------------------------------------------------------------------------
@record
class ListRequest:
    all: bool = False
    latest: bool = False
    last: int = -1  # -n: the last N created, -1 = no limit
    filters: tuple[str, ...] = ()  # "key=value"
    size: bool = False
    sort: str = "created"  # command | created | id | image | names | runningfor | size | status
    external: bool = False


@record
class ContainerSummary:
    """One row of `ps` (Podman's ListContainer fields)."""

    id: str
    names: tuple[str, ...]
    image: str
    image_id: str
    command: tuple[str, ...]
    created: float
    state: str  # Podman's state word: created | running | paused | exited | ...
    status: str = ""  # "Up 3 seconds" etc. (rendered by the engine: one clock)
    exit_code: int = 0
    exited: bool = False
    started_at: float = 0.0
    exited_at: float = 0.0
    pid: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    mounts: tuple[str, ...] = ()
    auto_remove: bool = False
    pod: str = ""
    networks: tuple[str, ...] = ()
    ports: tuple[dict[str, Any], ...] = ()  # network.ports.PortMapping.to_json() documents
    health: str = ""
    size_rw: int | None = None
    size_root_fs: int | None = None


# stop, kill, restart, rm, wait -------------------------------------------------------------------
@record
class StopRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    latest: bool = False
    ignore: bool = False  # missing containers are not an error
    timeout_s: int | None = None  # None: each container's stop_timeout
    cidfiles: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()


@record
class KillRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    latest: bool = False
    signal: str = "KILL"
    cidfiles: tuple[str, ...] = ()


@record
class RemoveRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    latest: bool = False
    force: bool = False
    volumes: bool = False  # -v: anonymous volumes too
    depend: bool = False
    ignore: bool = False
    timeout_s: int | None = None
    cidfiles: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()


@record
class WaitRequest:
    names: tuple[str, ...] = ()
    latest: bool = False
    conditions: tuple[str, ...] = ("stopped",)
    interval_s: float = 0.25
    ignore: bool = False


@record
class WaitReport:
    id: str = ""
    name: str = ""
    exit_code: int = 0
    error: Exception | None = None


# logs ------------------------------------------------------------------------------------------
@record
class LogsRequest:
    names: tuple[str, ...] = ()
    latest: bool = False
    follow: bool = False
    since: float | None = None  # unix time
    until: float | None = None
    tail: int = -1
    timestamps: bool = False
    names_prefix: bool = False  # -n/--names


@record
class LogLine:
    cid: str
    name: str
    time_ns: int
    stream: str  # stdout | stderr
    text: bytes  # without the final newline
    partial: bool = False  # the container's output ended without a newline
    stamp: str = ""  # the log's own timestamp text (for -t)


# exec ------------------------------------------------------------------------------------------
@record
class ExecRequest:
    name: str
    command: tuple[str, ...]
    latest: bool = False
    interactive: bool = False
    tty: bool = False
    detach: bool = False
    env: tuple[str, ...] = ()  # KEY=VAL or KEY (host value)
    env_files: tuple[str, ...] = ()
    user: str = ""
    workdir: str = ""
    privileged: bool = False
    detach_keys: str | None = None
    preserve_fds: int = 0


@record
class ExecReport:
    session_id: str
    exit_code: int = 0


# port, cp, mount, commit -----------------------------------------------------------------------
@record
class PortReport:
    id: str
    name: str
    ports: tuple[dict[str, Any], ...] = ()  # {"host_ip","host_port","container_port","protocol"}


@record
class CopyRequest:
    source: str  # "CTR:/path", a host path, or "-" (tar on stdin)
    destination: str  # "CTR:/path", a host path, or "-" (tar on stdout)
    archive: bool = True  # -a: chown to the destination's primary ids (False: keep the ids)
    overwrite: bool = False
    pause: bool = True


@record
class MountReport:
    id: str = ""
    name: str = ""
    path: str = ""
    error: Exception | None = None


@record
class CommitRequest:
    name: str
    image: str = ""  # new image name, "" = dangling
    changes: tuple[str, ...] = ()  # Dockerfile instructions: CMD, ENV, LABEL, ...
    message: str = ""
    author: str = ""
    pause: bool = False  # Podman 4.3's default too
    squash: bool = False
    format: str = "oci"  # oci | docker
    include_volumes: bool = False
    progress: Any = None  # a domain.images_options.ProgressCallback (None: quiet)


# stats, update, clone, events ------------------------------------------------------------------
@record
class StatsRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    latest: bool = False
    stream: bool = True
    interval_s: float = 5.0
    no_reset: bool = False  # CPU % over the whole run, not since the previous sample


@record
class StatsReport:
    id: str
    name: str
    cpu_percent: float = 0.0
    cpu_ns: int = 0
    system_ns: int = 0
    mem_usage: int = 0
    mem_limit: int = 0
    mem_percent: float = 0.0
    net_input: int = 0
    net_output: int = 0
    block_input: int = 0
    block_output: int = 0
    pids: int = 0
    up_s: float = 0.0


@record
class UpdateRequest:
    names: tuple[str, ...] = ()
    latest: bool = False
    memory: int | None = None
    memory_swap: int | None = None
    memory_reservation: int | None = None
    cpu_shares: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    cpuset_cpus: str | None = None
    cpuset_mems: str | None = None
    pids_limit: int | None = None
    blkio_weight: int | None = None
    restart_policy: str | None = None  # "no", "always", "on-failure:3", ...
    cpus: float | None = None  # --cpus: becomes cpu_quota/cpu_period


@record
class CloneRequest:
    name: str
    new_name: str = ""
    destroy: bool = False
    run: bool = False
    image: str = ""  # rebuild from another image
    resources: UpdateRequest | None = None  # resource flags overriding the old container's
    pod: str = ""  # the pod the clone joins instead of the old container's (pod clone)


@record
class EventsRequest:
    filters: tuple[str, ...] = ()
    since: float | None = None
    until: float | None = None
    stream: bool = True

"""Requests and reports of the container lifecycle entry points: create, run, start, attach,
init and cleanup.

CreateRequest carries every run/create flag as the user wrote it (strings such as "512m",
"on-failure:3", "type=bind,src=/a,dst=/b"), defined once for the CLI, the REST API and the remote
client; the local engine validates and resolves it into a core.model.ContainerConfig.

The types of start, attach and cleanup live in containers_start.py: `run` and conmon's exit
command (`container cleanup`) are on every container's path, and each dataclass costs ~1 ms to
create at import. `from pypod.domain.containers_create import StartRequest` still works
(resolved lazily by __getattr__).
"""

from __future__ import annotations

from typing import Any

from pypod.domain.images_options import Platform, RegistryOptions
from pypod.records import field, record


@record
class CreateRequest:
    image: str
    command: tuple[str, ...] = ()
    name: str = ""
    create_command: tuple[str, ...] = ()  # the argv that asked for it (inspect, clone)

    # process
    entrypoint: str | None = None  # None = the image's; "" clears it; a JSON array or a word
    env: tuple[str, ...] = ()  # KEY=VAL | KEY (host value) | PREFIX* (host glob)
    env_files: tuple[str, ...] = ()
    env_host: bool = False
    unsetenv: tuple[str, ...] = ()
    unsetenv_all: bool = False
    workdir: str = ""
    user: str = ""
    group_add: tuple[str, ...] = ()
    umask: str = ""
    tty: bool = False
    interactive: bool = False
    init: bool = False
    init_path: str = ""
    passwd_entry: str = ""
    tz: str = ""
    timeout: int = 0

    # identity
    hostname: str = ""
    labels: tuple[str, ...] = ()  # KEY=VAL
    label_files: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()

    # security
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    security_opts: tuple[str, ...] = ()
    read_only: bool = False
    read_only_tmpfs: bool = True

    # resources and devices
    devices: tuple[str, ...] = ()
    ulimits: tuple[str, ...] = ()  # "nofile=1024:2048", "host"
    sysctls: tuple[str, ...] = ()
    shm_size: str = ""
    memory: str = ""
    memory_swap: str = ""
    memory_reservation: str = ""
    cpus: float = 0.0
    cpu_shares: int = 0
    cpu_period: int = 0
    cpu_quota: int = 0
    cpuset_cpus: str = ""
    cpuset_mems: str = ""
    pids_limit: int | None = None

    # storage
    volumes: tuple[str, ...] = ()  # -v SRC:DST[:OPTS] | DST (anonymous)
    mounts: tuple[str, ...] = ()  # --mount type=...,...
    tmpfs: tuple[str, ...] = ()  # DST[:OPTS]
    volumes_from: tuple[str, ...] = ()  # CTR[:ro|rw]

    # image
    pull: str = ""  # always | missing | never | newer ("" = containers.conf pull_policy)
    registry: RegistryOptions = field(default_factory=RegistryOptions)
    platform: Platform = field(default_factory=Platform)
    quiet: bool = False  # no pull progress
    pull_progress: Any = None  # a ProgressCallback for the pull, as PullRequest.progress

    # networking (issue 4 widens it)
    network: str = ""  # "" = none for now; none | host
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()
    no_hosts: bool = False
    expose: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()  # -p specs
    publish_all: bool = False  # -P
    ip: str = ""
    mac_address: str = ""
    network_aliases: tuple[str, ...] = ()
    pod: str = ""  # --pod NAME | new:NAME
    userns: str = ""  # --userns MODE (core/userns_modes.py); "" = host

    # lifecycle
    stop_signal: str = ""
    stop_timeout: int | None = None
    restart: str = ""  # no | on-failure[:N] | always | unless-stopped
    rm: bool = False
    replace: bool = False
    cidfile: str = ""
    health_cmd: str = ""
    health_interval: str = ""
    health_retries: int | None = None
    health_start_period: str = ""
    health_timeout: str = ""
    health_on_failure: str = ""
    no_healthcheck: bool = False
    log_driver: str = ""
    log_opts: tuple[str, ...] = ()  # max-size=, path=, tag=
    runtime: str = ""


@record
class CreateReport:
    id: str
    name: str = ""
    warnings: tuple[str, ...] = ()


@record
class RunRequest:
    create: CreateRequest
    detach: bool = False
    attach: tuple[str, ...] = ()  # -a: stdin | stdout | stderr (empty = stdout+stderr, -i stdin)
    detach_keys: str | None = None  # None = containers.conf's (ctrl-p,ctrl-q); "" = disabled
    sig_proxy: bool = True


@record
class RunReport:
    id: str
    exit_code: int = 0
    detached: bool = False  # the user detached with the detach keys (container still runs)
    warnings: tuple[str, ...] = ()


_MOVED = frozenset(
    {"AttachStreams", "StartRequest", "StartReport", "AttachRequest", "AttachReport",
     "CleanupRequest"}
)  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from pypod.domain import containers_start

        return getattr(containers_start, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

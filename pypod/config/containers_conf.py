"""containers.conf: engine, container and network defaults, shared with Podman.

Files, later ones overriding earlier ones key by key (a table merges into the table before it):
    /usr/share/containers/containers.conf
    /etc/containers/containers.conf
    /etc/containers/containers.conf.d/*.conf              (lexical order)
    rootless only: $XDG_CONFIG_HOME/containers/containers.conf and containers.conf.d/*.conf
$CONTAINERS_CONF replaces that whole list with one file; $CONTAINERS_CONF_OVERRIDE is read last.

Defaults are Podman 4.3's, except where pypod deliberately differs:
- static_dir, volume_path and tmp_dir default to "" meaning "derive from pypod's own store"
  (see the ``resolved_*`` helpers), because Podman's defaults point into /var/lib/containers.
- events_logger defaults to "file" (pypod has no journald writer); cgroup_manager to "systemd"
  only when systemd runs this host (and, rootless, a user bus and cgroup v2 exist).
- network_config_dir "" means the backend's own default.
Unknown keys are ignored, as Podman does; a known key with the wrong type is a ConfigError.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from pypod import records
from pypod.config import paths as config_paths
from pypod.config import tomlfile
from pypod.config.tomlfile import TomlFile
from pypod.log import get_logger
from pypod.records import field, record

log = get_logger(__name__)

_BIN_DIRS = ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/sbin", "/bin")


def _runtime_paths(*names: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f"{d}/{n}" for n in names for d in _BIN_DIRS) + extra


def _default_runtimes() -> dict[str, tuple[str, ...]]:
    nix = ("/run/current-system/sw/bin/crun",)
    return {
        "crun": _runtime_paths("crun", extra=nix),
        "runc": _runtime_paths("runc", extra=("/usr/lib/cri-o-runc/sbin/runc",)),
        "kata": _runtime_paths("kata-runtime", extra=("/usr/bin/kata-qemu", "/usr/bin/kata-fc")),
        "runsc": _runtime_paths("runsc"),
        "krun": ("/usr/bin/krun", "/usr/local/bin/krun"),
    }


_DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@record
class ContainersSection:
    annotations: tuple[str, ...] = ()
    apparmor_profile: str = "container-default"
    base_hosts_file: str = ""
    cgroupns: str = "private"
    cgroups: str = "enabled"
    default_capabilities: tuple[str, ...] = (
        "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    )  # fmt: skip
    default_sysctls: tuple[str, ...] = ("net.ipv4.ping_group_range=0 0",)
    default_ulimits: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    dns_searches: tuple[str, ...] = ()
    dns_servers: tuple[str, ...] = ()
    env: tuple[str, ...] = (_DEFAULT_PATH, "TERM=xterm")
    env_host: bool = False
    host_containers_internal_ip: str = ""
    http_proxy: bool = True
    init: bool = False
    init_path: str = "/usr/libexec/podman/catatonit"
    ipcns: str = "shareable"
    keyring: bool = True
    label: bool = True
    log_driver: str = "k8s-file"
    log_size_max: int = -1
    log_tag: str = ""
    mounts: tuple[str, ...] = ()
    netns: str = "private"
    no_hosts: bool = False
    pidns: str = "private"
    pids_limit: int = 2048
    prepare_volume_on_create: bool = False
    seccomp_profile: str = "/usr/share/containers/seccomp.json"
    shm_size: str = "65536k"
    tz: str = ""
    umask: str = "0022"
    userns: str = "host"
    userns_size: int = 65536
    utsns: str = "private"
    volumes: tuple[str, ...] = ()


@record
class EngineSection:
    cgroup_manager: str = "cgroupfs"
    compression_format: str = "gzip"
    conmon_env_vars: tuple[str, ...] = (_DEFAULT_PATH,)
    conmon_path: tuple[str, ...] = (
        "/usr/libexec/podman/conmon", "/usr/local/libexec/podman/conmon",
        "/usr/local/lib/podman/conmon", "/usr/bin/conmon", "/usr/sbin/conmon",
        "/usr/local/bin/conmon", "/usr/local/sbin/conmon",
    )  # fmt: skip
    detach_keys: str = "ctrl-p,ctrl-q"
    enable_port_reservation: bool = True
    env: tuple[str, ...] = ()
    events_logfile_path: str = ""
    events_logfile_max_size: str = "1m"
    events_logger: str = "file"
    exit_command_delay: int = 300
    helper_binaries_dir: tuple[str, ...] = (
        "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman",
        "/usr/lib/podman",
    )  # fmt: skip
    hooks_dir: tuple[str, ...] = ("/usr/share/containers/oci/hooks.d",)
    image_default_format: str = ""
    image_copy_tmp_dir: str = "/var/tmp"  # "storage" means <graph root>/tmp
    image_default_transport: str = "docker://"
    image_parallel_copies: int = 0
    image_volume_mode: str = "bind"
    infra_command: str = "/pause"
    infra_image: str = ""
    lock_type: str = "shm"
    network_cmd_options: tuple[str, ...] = ()
    network_cmd_path: str = ""
    no_pivot_root: bool = False
    num_locks: int = 2048
    pod_exit_policy: str = "continue"
    pull_policy: str = "missing"
    remote: bool = False
    runtime: str = "crun"
    runtime_supports_json: tuple[str, ...] = ("crun", "runc", "kata", "runsc", "krun")
    runtime_supports_kvm: tuple[str, ...] = ("kata", "krun")
    runtime_supports_nocgroups: tuple[str, ...] = ("crun", "krun")
    runtimes: dict[str, tuple[str, ...]] = field(default_factory=_default_runtimes)
    service_timeout: int = 5
    static_dir: str = ""
    stop_timeout: int = 10
    tmp_dir: str = ""
    volume_path: str = ""

    def resolved_static_dir(self, graph_root: str) -> str:
        return self.static_dir or os.path.join(graph_root, "libpod")

    def resolved_volume_path(self, graph_root: str) -> str:
        return self.volume_path or os.path.join(graph_root, "volumes")

    def resolved_tmp_dir(self, run_root: str) -> str:
        return self.tmp_dir or os.path.join(run_root, "libpod-tmp")

    def resolved_image_copy_tmp_dir(self, graph_root: str) -> str:
        if self.image_copy_tmp_dir == "storage":
            return os.path.join(graph_root, "tmp")
        return self.image_copy_tmp_dir or "/var/tmp"

    def runtime_paths(self, name: str | None = None) -> tuple[str, ...]:
        """Candidate paths of a runtime (default: the configured one); unknown name: ()."""
        return self.runtimes.get(name or self.runtime, ())


def _default_subnet_pools() -> tuple[tuple[str, int], ...]:
    return (("10.89.0.0/16", 24), ("10.90.0.0/15", 24), ("10.92.0.0/14", 24),
            ("10.96.0.0/11", 24), ("10.128.0.0/9", 24))  # fmt: skip


@record
class NetworkSection:
    cni_plugin_dirs: tuple[str, ...] = (
        "/usr/local/libexec/cni", "/usr/libexec/cni", "/usr/local/lib/cni", "/usr/lib/cni",
        "/opt/cni/bin",
    )  # fmt: skip
    default_network: str = "podman"
    # pypod defaults to pasta (as Podman 5 does); slirp4netns when configured or pasta is missing
    default_rootless_network_cmd: str = "pasta"
    default_subnet: str = "10.88.0.0/16"
    default_subnet_pools: tuple[tuple[str, int], ...] = field(default_factory=_default_subnet_pools)
    dns_bind_port: int = 53
    network_backend: str = "netavark"
    network_config_dir: str = ""


@record
class SecretsSection:
    driver: str = "file"
    opts: dict[str, str] = field(default_factory=dict)


@record
class ContainersConf:
    containers: ContainersSection = field(default_factory=ContainersSection)
    engine: EngineSection = field(default_factory=EngineSection)
    network: NetworkSection = field(default_factory=NetworkSection)
    secrets: SecretsSection = field(default_factory=SecretsSection)
    sources: tuple[str, ...] = ()  # the files that were read, in order

    @classmethod
    def load(
        cls, paths: Sequence[str] | None = None, env: Mapping[str, str] | None = None
    ) -> ContainersConf:
        """Defaults, then each existing file of `paths` (default: config_files(env))."""
        env = os.environ if env is None else env
        conf = defaults(env)
        read: list[str] = []
        for path in config_files(env) if paths is None else paths:
            doc = tomlfile.load(path)
            if doc is None:
                continue
            conf = apply(conf, doc)
            read.append(path)
        return records.replace(conf, sources=tuple(read))


def config_files(env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    override = env.get("CONTAINERS_CONF_OVERRIDE", "")
    if env.get("CONTAINERS_CONF"):
        files = [env["CONTAINERS_CONF"]]
    else:
        files = ["/usr/share/containers/containers.conf", "/etc/containers/containers.conf"]
        files += tomlfile.dropins("/etc/containers/containers.conf.d")
        if config_paths.is_rootless(env):
            user = config_paths.user_containers_dir(env)
            files.append(os.path.join(user, "containers.conf"))
            files += tomlfile.dropins(os.path.join(user, "containers.conf.d"))
    if override:
        files.append(override)
    return files


def _systemd_usable(env: Mapping[str, str]) -> bool:
    if not os.path.isdir("/run/systemd/system"):
        return False
    if not config_paths.is_rootless(env):
        return True
    cgroup_v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    return cgroup_v2 and bool(env.get("DBUS_SESSION_BUS_ADDRESS"))


def defaults(env: Mapping[str, str] | None = None) -> ContainersConf:
    """Podman 4.3's defaults adjusted to this host (cgroup manager)."""
    env = os.environ if env is None else env
    manager = "systemd" if _systemd_usable(env) else "cgroupfs"
    engine = EngineSection(cgroup_manager=manager, image_copy_tmp_dir=config_paths.tmp_dir(env))
    return ContainersConf(engine=engine)


# --- applying one file ---------------------------------------------------------------------


def _sample(f: records.Field) -> Any:
    if f.default is not records.MISSING:
        return f.default
    return f.default_factory()  # type: ignore[misc]


def _subnet_pools(doc: TomlFile, key: str, value: Any) -> tuple[tuple[str, int], ...]:
    tomlfile.check(doc, key, value, list)
    pools = []
    for item in value:
        tomlfile.check(doc, key, item, dict)
        base, size = item.get("base"), item.get("size")
        if not isinstance(base, str) or not isinstance(size, int) or isinstance(size, bool):
            doc.fail(key, 'each pool needs "base" (a string) and "size" (an integer)')
        pools.append((base, size))
    return tuple(pools)


def _convert(doc: TomlFile, key: str, value: Any, sample: Any, current: Any) -> Any:
    if key == "network.default_subnet_pools":
        return _subnet_pools(doc, key, value)
    if key == "engine.events_logfile_max_size" and isinstance(value, int):
        return str(value)  # Podman accepts a byte count or "1m"
    if isinstance(sample, tuple):
        return tomlfile.str_list(doc, key, value)
    if isinstance(sample, dict):
        tomlfile.check(doc, key, value, dict)
        merged = dict(current)
        for name, item in value.items():
            if key == "engine.runtimes":
                merged[name] = tomlfile.str_list(doc, f"{key}.{name}", item)
            else:
                merged[name] = tomlfile.check(doc, f"{key}.{name}", item, str)
        return merged
    return tomlfile.check(doc, key, value, type(sample))


def _apply_section(section: Any, doc: TomlFile, name: str) -> Any:
    values = tomlfile.table(doc, name, doc.data)
    known = {f.name: f for f in records.fields(section)}
    updates: dict[str, Any] = {}
    for key, value in values.items():
        f = known.get(key)
        if f is None:
            log.debug("%s: ignoring unknown key %s.%s", doc.path, name, key)
            continue
        updates[key] = _convert(doc, f"{name}.{key}", value, _sample(f), getattr(section, key))
    return records.replace(section, **updates) if updates else section


def apply(conf: ContainersConf, doc: TomlFile) -> ContainersConf:
    """conf with the keys of one parsed file laid over it."""
    return records.replace(
        conf,
        containers=_apply_section(conf.containers, doc, "containers"),
        engine=_apply_section(conf.engine, doc, "engine"),
        network=_apply_section(conf.network, doc, "network"),
        secrets=_apply_section(conf.secrets, doc, "secrets"),
    )

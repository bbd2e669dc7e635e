"""The one writer of OCI runtime config.json, with Podman 4.3's defaults.

Pure functions: no process is started; the rootfs's /etc/passwd and /etc/group are read (to
resolve the user) and, for --device and --privileged, the host's device nodes are stat'ed.

    build_spec(config, *, rootfs, conf, etc_files, rootless, cgroup, seccomp_profile,
               host_limits, shm_path="", mounts=None, netns_path="", host_hostname="",
               id_mappings=None, cgroup_manager="cgroupfs") -> dict
    exec_process(config, base_spec, *, rootfs, args, env=(), user="", workdir="", tty=False,
                 privileged=False) -> dict

The engine gathers the inputs: `etc_files` maps a container path (/etc/hosts, /etc/hostname,
/etc/resolv.conf, /run/.containerenv, /etc/localtime) to the userdata file it wrote with
core.etcfiles; `mounts` are config.mounts with volume and image sources already resolved to host
paths; `seccomp_profile` is seccomp.profile_for(...) (None = unconfined); `host_limits` is
defaults.host_hard_limits(). Raises InvalidArgument for bad input (unknown user, a --ulimit
above the caller's hard limit, a missing --device node, a disallowed sysctl).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pypod.config.containers_conf import ContainersSection
from pypod.core import defaults, users
from pypod.core import seccomp as seccomp_mod
from pypod.core.model import ContainerConfig, Mount
from pypod.errors import InvalidArgument
from pypod.host.cgroups import CgroupInfo, Layout

OCI_VERSION = "1.0.2-dev"
INIT_PATH_IN_CONTAINER = "/run/podman-init"
CGROUP_PARENT = "/libpod_parent"

_ETC_OPTS = ["bind", "rprivate"]
_RO_EXTRA = ["ro", "nosuid", "noexec", "nodev"]
_NAMESPACED_SYSCTLS = (
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
)  # fmt: skip


def _bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _created(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}000Z"


# --- process ---------------------------------------------------------------------------------


def capabilities(
    config: ContainerConfig, conf: ContainersSection, uid: int, *, rootless: bool = False
) -> dict[str, list]:
    """Bounding from the default set and the flags; a non-root user gets only the --cap-add
    capabilities in effective/permitted/inheritable/ambient (Podman's rule). "All" is the
    caller's bounding set as root, every known capability rootless (as Podman 4.3 does)."""
    sec = config.security
    host_caps = defaults.known_capabilities() if rootless else None
    bounding = defaults.bounding_caps(
        conf.default_capabilities, sec.cap_add, sec.cap_drop, privileged=sec.privileged,
        host_caps=host_caps,
    )  # fmt: skip
    if uid == 0 or sec.privileged:
        return {"bounding": bounding, "effective": bounding, "permitted": bounding}
    added = [defaults.normalize_cap(c) for c in sec.cap_add]
    every = defaults.all_capabilities(host_caps)
    granted = sorted({c for a in added for c in (every if a == "ALL" else [a])} & set(bounding))
    caps: dict[str, list] = {"bounding": bounding}
    if granted:
        for key in ("effective", "inheritable", "permitted", "ambient"):
            caps[key] = granted
    return caps


def _process(
    config: ContainerConfig, conf: ContainersSection, user: users.ExecUser, hostname: str,
    host_limits: Mapping[str, tuple[int, int]], rootless: bool,
) -> dict[str, Any]:  # fmt: skip
    args = list(config.process_args)
    if not args:
        raise InvalidArgument(
            "no command or entrypoint provided, and no CMD or ENTRYPOINT from image"
        )
    if config.init:
        args = [INIT_PATH_IN_CONTAINER, "--", *args]
    env = dict(config.env)
    if user.home and "HOME" not in env:
        env["HOME"] = user.home
    env.setdefault("HOSTNAME", hostname)
    proc: dict[str, Any] = {}
    if config.tty:
        proc["terminal"] = True
    ident: dict[str, Any] = {
        "uid": user.uid,
        "gid": user.gid,
        "umask": int(config.umask or "0022", 8),
    }
    if user.additional_gids:
        ident["additionalGids"] = list(user.additional_gids)
    proc |= {
        "user": ident, "args": args, "env": [f"{k}={v}" for k, v in env.items()],
        "cwd": config.workdir or "/",
        "capabilities": capabilities(config, conf, user.uid, rootless=rootless),
        "rlimits": defaults.rlimits(conf.default_ulimits, config.ulimits, dict(host_limits)),
    }  # fmt: skip
    if config.security.no_new_privileges:
        proc["noNewPrivileges"] = True
    return proc


# --- mounts ----------------------------------------------------------------------------------


def _depth(dest: str) -> int:
    return len([p for p in dest.split("/") if p])


def _has(opts: Sequence[str], *names: str) -> bool:
    return any(o in names for o in opts)


_PROPAGATION = ("private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
                "runbindable")  # fmt: skip
# Options with meaning to pypod (volumes, SELinux, overlays), not to the kernel.
_PYPOD_ONLY = frozenset(
    {"z", "Z", "U", "O", "copy", "nocopy", "idmap", "notmpcopyup", "bind-nonrecursive"}
)


def user_mount(m: Mount) -> dict[str, Any]:
    """A -v/--mount/--tmpfs entry as an OCI mount, with Podman's added defaults."""
    opts = [o for o in m.options if o not in _PYPOD_ONLY and o not in ("bind", "rbind")]
    if m.type == "tmpfs":
        extra = [] if _has(opts, "ro", "rw") else ["rw"]
        extra += [] if _has(opts, *_PROPAGATION) else ["rprivate"]
        extra += [] if _has(opts, "suid", "nosuid") else ["nosuid"]
        extra += [] if _has(opts, "dev", "nodev") else ["nodev"]
        extra += [] if "notmpcopyup" in m.options else ["tmpcopyup"]
        return {"destination": m.destination, "type": "tmpfs", "source": "tmpfs",
                "options": opts + extra}  # fmt: skip
    if m.type == "devpts":
        return {"destination": m.destination, "type": "devpts", "source": "devpts",
                "options": opts or ["nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                    "mode=0620", "gid=5"]}  # fmt: skip
    if m.type not in ("bind", "volume", "image", "overlay"):
        raise InvalidArgument(f"unsupported mount type {m.type!r}")
    head = [] if _has(opts, "ro", "rw") else ["rw"]
    tail = [] if _has(opts, *_PROPAGATION) else ["rprivate"]
    recursive = "bind" if "bind-nonrecursive" in m.options else "rbind"
    source = os.path.join(m.source, m.subpath.lstrip("/")) if m.subpath else m.source
    return {"destination": m.destination, "type": "bind", "source": source,
            "options": head + opts + tail + [recursive]}  # fmt: skip


def _sys_mounts(config: ContainerConfig, rootless: bool, own_netns: bool) -> list[dict[str, Any]]:
    priv = config.security.privileged
    if rootless and not own_netns:
        # sysfs cannot be mounted without a network namespace we own: bind the host's.
        ro = "rw" if priv else "ro"
        return [{"destination": "/sys", "type": "bind", "source": "/sys",
                 "options": ["rprivate", "nosuid", "noexec", "nodev", ro, "rbind"]}]  # fmt: skip
    sys_opts = ["rprivate", "nosuid", "noexec", "nodev", "rw"] if priv else [
        "nosuid", "noexec", "nodev", "ro"]  # fmt: skip
    return [
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": sys_opts},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "rw" if priv else "ro"]},
    ]  # fmt: skip


def _default_mounts(config: ContainerConfig, shm_path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"destination": "/proc", "type": "proc", "source": "proc",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "noexec", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
    ]  # fmt: skip
    if shm_path:  # the engine mounted a tmpfs of --shm-size there (Podman's way)
        out.append({"destination": "/dev/shm", "type": "bind", "source": shm_path,
                    "options": ["bind", "rprivate", "nosuid", "noexec", "nodev"]})  # fmt: skip
    else:
        out.append({"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
                    "options": ["nosuid", "noexec", "nodev", "mode=1777",
                                f"size={config.shm_size}"]})  # fmt: skip
    return out


def _mounts(
    config: ContainerConfig, *, user_mounts: Sequence[Mount], etc_files: Mapping[str, str],
    shm_path: str, rootless: bool, own_netns: bool, init_path: str,
    dev_binds: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:  # fmt: skip
    mine = [user_mount(m) for m in user_mounts]
    taken = {m["destination"] for m in mine}
    sec = config.security
    if sec.read_only and sec.read_only_tmpfs:
        for dest in ("/run", "/tmp", "/var/tmp"):
            if dest not in taken:
                mine.append(user_mount(Mount(type="tmpfs", source="tmpfs", destination=dest)))
                taken.add(dest)
    system = _default_mounts(config, shm_path)
    system[1:1] = _sys_mounts(config, rootless, own_netns)
    if config.init:
        path = config.init_path or "/usr/libexec/podman/catatonit"
        system.append({"destination": INIT_PATH_IN_CONTAINER, "type": "bind", "source": path,
                       "options": ["bind", "ro", "rprivate"]})  # fmt: skip
    etc_opts = _ETC_OPTS + (_RO_EXTRA if sec.read_only else [])
    for dest, source in etc_files.items():
        if dest == "/run/.containerenv" and "/run" in taken:
            continue  # /run is a tmpfs: Podman leaves .containerenv out
        system.append({"destination": dest, "type": "bind", "source": source,
                       "options": list(etc_opts)})  # fmt: skip
    merged = mine + [m for m in system if m["destination"] not in taken] + list(dev_binds)
    # Parents before children, user mounts first at each depth (Podman sorts by depth).
    return sorted(merged, key=lambda m: _depth(m["destination"]))


# --- linux -----------------------------------------------------------------------------------


def _sysctls(config: ContainerConfig, conf: ContainersSection, own_netns: bool,
             default_net: bool = True) -> dict[str, str]:  # fmt: skip
    # default_net False: a user namespace of the container's own may not write the net.*
    # sysctls of a network namespace made outside it; the defaults' are left out
    out: dict[str, str] = {}
    for entry in conf.default_sysctls:
        key, _, value = entry.partition("=")
        if key.startswith("net.") and not (own_netns and default_net):
            continue
        out[key.strip()] = value.strip()
    for key, value in config.sysctls.items():
        if key.startswith("net."):
            if not own_netns:
                raise InvalidArgument(
                    f"sysctl {key!r} can't be set since Network Namespace set to host"
                )
        elif not (key in _NAMESPACED_SYSCTLS or key.startswith("fs.mqueue.")):
            raise InvalidArgument(f"sysctl {key!r} is not allowed")
        out[key] = value
    return out


def _namespaces(config: ContainerConfig, cgroup: CgroupInfo, netns_path: str,
                id_mappings: object | None,
                joined: Mapping[str, str] | None = None) -> list[dict[str, str]]:  # fmt: skip
    # joined: {"ipc"|"uts"|"pid"|"cgroup"|"network": /proc/<pid>/ns/<x>} of a pod's infra
    joined = joined or {}

    def ns(kind: str) -> dict[str, str]:
        return {"type": kind, "path": joined[kind]} if kind in joined else {"type": kind}

    out: list[dict[str, str]] = [ns("pid")]
    if config.network_mode != "host":
        netns_path = netns_path or joined.get("network", "")
        out.append({"type": "network", "path": netns_path} if netns_path else {"type": "network"})
    out += [ns("ipc"), ns("uts"), {"type": "mount"}]
    if cgroup.layout is Layout.UNIFIED:
        out.append(ns("cgroup"))
    if id_mappings is not None:  # a namespace of its own, or a pod infra's (joined)
        out.append(ns("user"))
    return out


def _devices(config: ContainerConfig, rootless: bool) -> tuple[list, list, list]:
    """(linux.devices, resources.devices, extra bind mounts for rootless)."""
    if config.security.privileged:
        nodes = defaults.host_devices()
        if rootless:
            # the host's terminals and ptmx are not shared with a rootless container (they
            # belong to the host's sessions, and binding a tty without one fails the start)
            paths = [str(d["path"]) for d in nodes]
            keep = [p for p in paths if p != "/dev/ptmx" and not p.startswith("/dev/tty")]
            return [], [], [_dev_bind(p, p) for p in keep]
        return nodes, [{"allow": True, "access": "rwm"}], []
    devs: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = [{"allow": False, "access": "rwm"}]
    binds: list[dict[str, Any]] = []
    for spec in config.devices:
        host, ctr, perms = defaults.parse_device(spec)
        node = defaults.device_node(host)
        if rootless:  # mknod is not allowed in a user namespace: bind the node
            binds.append(_dev_bind(host, ctr))
            continue
        devs.append({"path": ctr, **node})
        rules.append({"allow": True, "type": node["type"], "major": node["major"],
                      "minor": node["minor"], "access": perms})  # fmt: skip
    return devs, rules, binds


def _dev_bind(host: str, ctr: str) -> dict[str, Any]:
    return {"destination": ctr, "type": "bind", "source": host,
            "options": ["slave", "nosuid", "noexec", "rw", "rbind"]}  # fmt: skip


def resources(config: ContainerConfig, conf: ContainersSection, cgroup: CgroupInfo,
              device_rules: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """OCI LinuxResources (also what `update` hands to the runtime)."""
    r = config.resources
    out: dict[str, Any] = {"devices": device_rules} if device_rules else {}
    memory: dict[str, int] = {}
    if r.memory:
        memory["limit"] = r.memory
        memory["swap"] = r.memory_swap or 2 * r.memory  # Podman: swap defaults to twice memory
    elif r.memory_swap:
        memory["swap"] = r.memory_swap
    if r.memory_reservation:
        memory["reservation"] = r.memory_reservation
    if memory:
        out["memory"] = memory
    cpu: dict[str, Any] = {}
    for key, value in (("shares", r.cpu_shares), ("quota", r.cpu_quota),
                       ("period", r.cpu_period), ("cpus", r.cpuset_cpus),
                       ("mems", r.cpuset_mems)):  # fmt: skip
        if value:
            cpu[key] = value
    if cpu:
        out["cpu"] = cpu
    pids = cgroup.pids_limit(r.pids_limit, conf.pids_limit)
    if pids:
        out["pids"] = {"limit": pids}
    if r.blkio_weight:
        out["blockIO"] = {"weight": r.blkio_weight}
    return out


def _masked(config: ContainerConfig, rootless: bool, own_netns: bool) -> tuple[list, list]:
    sec = config.security
    if sec.privileged or "ALL" in sec.unmask:
        return [], []
    masked = list(defaults.MASKED_PATHS)
    if rootless and not own_netns:
        masked.insert(0, defaults.MASKED_SYS_KERNEL)
    readonly = list(defaults.READONLY_PATHS)
    unmask = {p for item in sec.unmask for p in item.split(":") if p}
    masked = [p for p in masked if p not in unmask]
    readonly = [p for p in readonly if p not in unmask]
    masked += [p for item in sec.mask for p in item.split(":") if p and p not in masked]
    return masked, readonly


def annotations(config: ContainerConfig) -> dict[str, str]:
    out = {
        "io.container.manager": "libpod",
        "io.kubernetes.cri-o.Created": _created(config.created),
        "io.kubernetes.cri-o.TTY": "true" if config.tty else "false",
        "io.podman.annotations.autoremove": _bool(config.auto_remove),
        "io.podman.annotations.init": _bool(config.init),
        "io.podman.annotations.privileged": _bool(config.security.privileged),
        "io.podman.annotations.publish-all": "FALSE",
        "org.opencontainers.image.stopSignal": str(config.stop_signal),
    }
    if config.security.seccomp_profile == "unconfined":
        out["io.podman.annotations.seccomp"] = "unconfined"
    for opt in config.security.label_opts:
        if opt == "disable":
            out["io.podman.annotations.label"] = "disable"
    return out | dict(config.annotations)


def cgroup_parent(config: ContainerConfig, rootless: bool, cgroup: CgroupInfo,
                  manager: str) -> str:  # fmt: skip
    """Where the container's own cgroup goes: --cgroup-parent (a pod's cgroup for its
    members), else the manager's default; "" rootless on cgroup v1, where a container has no
    cgroup of its own."""
    if rootless and cgroup.layout is not Layout.UNIFIED:
        return ""
    if config.cgroup_parent:
        return config.cgroup_parent
    return "machine.slice" if manager == "systemd" else CGROUP_PARENT


def cgroups_path(config: ContainerConfig, rootless: bool, cgroup: CgroupInfo,
                 manager: str) -> str:  # fmt: skip
    parent = cgroup_parent(config, rootless, cgroup, manager)
    if not parent:
        return ""
    if manager == "systemd":
        return f"{parent}:libpod:{config.id}"
    return f"{parent}/libpod-{config.id}"


def hostname_for(config: ContainerConfig, host_hostname: str = "") -> str:
    """--hostname, else the host's name with --network host, else the short id."""
    if config.hostname:
        return config.hostname
    if config.network_mode == "host":
        return host_hostname or os.uname().nodename
    return config.short_id


def build_spec(
    config: ContainerConfig,
    *,
    rootfs: str,
    conf: ContainersSection,
    etc_files: Mapping[str, str],
    rootless: bool,
    cgroup: CgroupInfo,
    seccomp_profile: dict[str, Any] | None,
    host_limits: Mapping[str, tuple[int, int]],
    shm_path: str = "",
    mounts: Sequence[Mount] | None = None,
    netns_path: str = "",
    host_hostname: str = "",
    id_mappings: tuple[list[dict[str, int]], list[dict[str, int]]] | None = None,
    cgroup_manager: str = "cgroupfs",
    joined_namespaces: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """config.json for the container (see the module docstring for the inputs)."""
    user = users.resolve_user(rootfs, config.user, config.group_add)
    hostname = hostname_for(config, host_hostname)
    own_netns = config.network_mode != "host"
    process = _process(config, conf, user, hostname, host_limits, rootless)
    # In a user namespace of the container's own (--userns), mknod and a sysfs mount over a
    # network namespace made outside it are refused, as for rootless: bind them instead.
    in_userns = rootless or id_mappings is not None
    sys_netns = own_netns and id_mappings is None
    devs, rules, dev_binds = _devices(config, in_userns)
    spec_mounts = _mounts(
        config, user_mounts=config.mounts if mounts is None else mounts, etc_files=etc_files,
        shm_path=shm_path, rootless=in_userns, own_netns=sys_netns,
        init_path=config.init_path or conf.init_path, dev_binds=dev_binds,
    )  # fmt: skip
    root: dict[str, Any] = {"path": rootfs}
    if config.security.read_only:
        root["readonly"] = True
    linux: dict[str, Any] = {}
    sysctl = _sysctls(config, conf, own_netns, default_net=sys_netns)
    if sysctl:
        linux["sysctl"] = sysctl
    if rootless and cgroup.layout is not Layout.UNIFIED:
        linux["resources"] = {}  # Podman warns: limits are ignored on rootless cgroup v1
    else:
        linux["resources"] = resources(config, conf, cgroup, rules)
    path = cgroups_path(config, rootless, cgroup, cgroup_manager)
    if path:
        linux["cgroupsPath"] = path
    linux["namespaces"] = _namespaces(config, cgroup, netns_path, id_mappings, joined_namespaces)
    if id_mappings is not None:
        linux["uidMappings"], linux["gidMappings"] = id_mappings
    if devs:
        linux["devices"] = devs
    masked, readonly = _masked(config, in_userns, sys_netns)
    if masked:
        linux["maskedPaths"] = masked
    if readonly:
        linux["readonlyPaths"] = readonly
    if (
        seccomp_profile is not None
        and not config.security.privileged
        and (config.security.seccomp_profile != "unconfined")
    ):
        linux["seccomp"] = seccomp_mod.to_oci(seccomp_profile, process["capabilities"]["bounding"])
    if dev_binds:
        linux["rootfsPropagation"] = "rslave"
    return {
        "ociVersion": OCI_VERSION, "process": process, "root": root, "hostname": hostname,
        "mounts": spec_mounts, "annotations": annotations(config), "linux": linux,
    }  # fmt: skip


def exec_process(
    config: ContainerConfig,
    base_spec: Mapping[str, Any],
    *,
    rootfs: str,
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    user: str = "",
    workdir: str = "",
    tty: bool = False,
    privileged: bool = False,
) -> dict[str, Any]:
    """The OCI process JSON for `conmon --exec`: the container's process settings with the
    exec's args, env (merged over the container's), user, cwd and terminal."""
    if not args:
        raise InvalidArgument("must provide a non-empty command to start an exec session")
    base = base_spec["process"]
    merged: dict[str, str] = dict(e.split("=", 1) for e in base.get("env", []) if "=" in e)
    if user:
        ident = users.resolve_user(rootfs, user, config.group_add)
        if ident.home:
            merged["HOME"] = ident.home
        who: dict[str, Any] = {"uid": ident.uid, "gid": ident.gid, "umask": base["user"]["umask"]}
        if ident.additional_gids:
            who["additionalGids"] = list(ident.additional_gids)
    else:
        who = dict(base["user"])
    merged |= dict(env or {})
    caps = dict(base["capabilities"])
    if privileged:
        every = defaults.all_capabilities(
            defaults.known_capabilities() if config.rootless else None
        )
        caps = {"bounding": every, "effective": every, "permitted": every}
        if who["uid"] != 0:
            caps |= {"inheritable": every, "ambient": every}
    elif user and who["uid"] != (base["user"]["uid"]):
        caps = capabilities(config, _conf_caps(base), who["uid"])
    proc: dict[str, Any] = {}
    if tty:
        proc["terminal"] = True
    proc |= {"user": who, "args": list(args), "env": [f"{k}={v}" for k, v in merged.items()],
             "cwd": workdir or base.get("cwd", "/"), "capabilities": caps}  # fmt: skip
    if base.get("rlimits"):
        proc["rlimits"] = base["rlimits"]
    if base.get("noNewPrivileges"):
        proc["noNewPrivileges"] = True
    return proc


def _conf_caps(base: Mapping[str, Any]) -> ContainersSection:
    """A containers.conf section whose default set is the container's bounding set, so an exec
    as another user is granted caps by the same rule as the container."""
    return ContainersSection(default_capabilities=tuple(base["capabilities"]["bounding"]))

"""container inspect: Podman's JSON document for a container, built from config + state.

The shape (key order included) follows `podman container inspect`; fields pypod has no
notion of yet (checkpoints, pods, SELinux labels) carry Podman's empty values so templates
such as `{{.State.Checkpointed}}` still work.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pypod.core.model import ContainerConfig, ContainerState, Status, state_word
from pypod.errors import InvalidArgument, PypodError
from pypod.local import network_reports
from pypod.local.container_lookup import latest_id, load, one

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

_ZERO_TIME = "0001-01-01T00:00:00Z"
_SIGNALS_BY_NUMBER = {15: "SIGTERM", 9: "SIGKILL", 2: "SIGINT", 1: "SIGHUP", 3: "SIGQUIT"}


def go_time(ts: float) -> str:
    """RFC 3339 with nanoseconds as Go prints time.Time; the zero time for 0."""
    if not ts:
        return _ZERO_TIME
    dt = datetime.fromtimestamp(ts, UTC)
    frac = f"{ts % 1:.9f}"[2:].rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def _spec(state: ContainerState) -> dict[str, Any]:
    """The bundle's config.json when the container was initialised (caps, mounts as run)."""
    if not state.bundle:
        return {}
    try:
        with open(os.path.join(state.bundle, "config.json"), encoding="utf-8") as f:
            return json.load(f)  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def _caps(engine: LocalEngine, config: ContainerConfig, spec: dict[str, Any]) -> dict[str, list]:
    caps = spec.get("process", {}).get("capabilities")
    if caps:
        return {"eff": caps.get("effective") or [], "bnd": caps.get("bounding") or []}
    sec = config.security
    base = list(sec.default_caps or engine.containers_conf.containers.default_capabilities)
    base = [c if c.startswith("CAP_") else f"CAP_{c}" for c in base]
    if "ALL" in sec.cap_drop:
        base = []
    base = [c for c in base if c not in sec.cap_drop] + [
        c for c in sec.cap_add if c != "ALL" and c not in base
    ]
    return {"eff": sorted(base), "bnd": sorted(base)}


def _state(config: ContainerConfig, state: ContainerState) -> dict[str, Any]:
    running = state.status in (Status.RUNNING, Status.PAUSED)
    h = state.health
    out: dict[str, Any] = {
        "OciVersion": "1.0.2-dev",
        "Status": state_word(state.status),
        "Running": state.status is Status.RUNNING,
        "Paused": state.status is Status.PAUSED,
        "Restarting": False,
        "OOMKilled": state.oom_killed,
        "Dead": False,
        "Pid": state.pid if running else 0,
    }
    if running and state.conmon_pid:  # omitted when 0, as in Podman
        out["ConmonPid"] = state.conmon_pid
    out.update({
        "ExitCode": state.exit_code,
        "Error": state.error,
        "StartedAt": go_time(state.started_at),
        "FinishedAt": go_time(state.finished_at),
    })  # fmt: skip
    if True:  # Podman 4.3 prints an empty Health block for containers without a check
        out["Health"] = {
            "Status": h.status,
            "FailingStreak": h.failing_streak,
            "Log": list(h.log) or None,
        }
    if running and (cgroup := _cgroup_path(state.pid)):
        out["CgroupPath"] = cgroup
    out["CheckpointedAt"] = _ZERO_TIME
    out["RestoredAt"] = _ZERO_TIME
    return out


def _cgroup_path(pid: int) -> str:
    """The running container's cgroup as /proc says (the unified line first)."""
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    paths = {hier: path for hier, _, path in (ln.partition(":")[2].partition(":") for ln in lines)}
    return paths.get("") or paths.get("memory") or paths.get("name=systemd") or ""


def _annotations(config: ContainerConfig, spec: dict[str, Any]) -> dict[str, str]:
    """The OCI spec's annotations once the container ran; before, the ones Podman sets at
    create (sorted, as Go prints a map)."""
    if "annotations" in spec:
        return dict(sorted(spec["annotations"].items()))
    flag = {True: "TRUE", False: "FALSE"}
    doc = {
        **config.annotations,
        "io.kubernetes.cri-o.TTY": "true" if config.tty else "false",
        "io.podman.annotations.autoremove": flag[config.auto_remove],
        "io.podman.annotations.init": flag[config.init],
        "io.podman.annotations.privileged": flag[config.security.privileged],
        "io.podman.annotations.publish-all": flag[config.publish_all],
    }
    return dict(sorted(doc.items()))


_PROPAGATIONS = frozenset(
    {"shared", "rshared", "private", "rprivate", "slave", "rslave", "unbindable", "runbindable"}
)


def _mount_options(m: Any) -> list[str]:
    """A bind or volume's options as Podman completes them for HostConfig.Binds: the user's,
    then rw, rprivate, nosuid,nodev (volumes) and rbind unless given."""
    opts = list(m.options)
    if not {"ro", "rw"} & set(opts):
        opts.append("rw")
    if not _PROPAGATIONS & set(opts):
        opts.append("rprivate")
    if m.type == "volume":
        opts += [o for o in ("nosuid", "nodev") if o not in opts]
    if not {"bind", "rbind"} & set(opts):
        opts.append("rbind")
    return opts


def _mounts(config: ContainerConfig, volume_path: Any) -> list[dict[str, Any]]:
    """Podman's order: named volumes first, then bind mounts."""
    out = []
    kept = [m for m in config.mounts if m.type == "volume"]
    kept += [m for m in config.mounts if m.type == "bind"]
    for m in kept:
        opts = _mount_options(m)
        doc: dict[str, Any] = {"Type": m.type}
        if m.type == "volume":
            doc["Name"] = m.source
        doc.update(
            {
                "Source": volume_path(m.source) if m.type == "volume" else m.source,
                "Destination": m.destination,
                "Driver": "local" if m.type == "volume" else "",
                "Mode": next((o for o in opts if o in ("z", "Z")), ""),
                "Options": [
                    o for o in opts if o not in ("ro", "rw", "z", "Z") and o not in _PROPAGATIONS
                ],
                "RW": "ro" not in opts,
                "Propagation": next((o for o in opts if o in _PROPAGATIONS), "rprivate"),
            }
        )
        out.append(doc)
    return out


def _config_section(config: ContainerConfig, spec: dict[str, Any]) -> dict[str, Any]:
    h = config.health
    doc: dict[str, Any] = {
        "Hostname": config.hostname or config.short_id,
        "Domainname": "",
        "User": config.user,
        "AttachStdin": False,
        "AttachStdout": False,
        "AttachStderr": False,
        "Tty": config.tty,
        "OpenStdin": config.stdin,
        "StdinOnce": False,
        "Env": spec.get("process", {}).get("env") or [f"{k}={v}" for k, v in config.env.items()],
        "Cmd": list(config.command) or None,
        "Image": config.image_name,
        "Volumes": {v: {} for v in config.image_volumes} or None,
        "WorkingDir": config.workdir,
        "Entrypoint": " ".join(config.entrypoint),
        "OnBuild": None,
        "Labels": dict(config.labels) or None,
        "Annotations": _annotations(config, spec),
        "StopSignal": config.stop_signal,
    }
    if h is not None:
        doc["Healthcheck"] = {
            "Test": list(h.test),
            "Interval": int(h.interval_s * 1e9),
            "Timeout": int(h.timeout_s * 1e9),
            "StartPeriod": int(h.start_period_s * 1e9),
            "Retries": h.retries,
        }
    doc.update(
        {
            "HealthcheckOnFailureAction": h.on_failure if h else "none",
            "CreateCommand": list(config.create_command),
            "Umask": config.umask,
            "Timeout": config.timeout_s,
            "StopTimeout": config.stop_timeout_s,
            "Passwd": True,
            "sdNotifyMode": "container",
        }
    )
    if config.tz:
        doc["Timezone"] = config.tz
    return doc


def _ulimits(config: ContainerConfig, spec: dict[str, Any]) -> list[dict[str, Any]]:
    rl = spec.get("process", {}).get("rlimits")
    if rl:
        return [{"Name": r["type"], "Soft": r["soft"], "Hard": r["hard"]} for r in rl]
    return [{"Name": n, "Soft": s, "Hard": h} for n, s, h in config.ulimits]


def _host_config(
    engine: LocalEngine, config: ContainerConfig, spec: dict[str, Any], caps: dict
) -> dict[str, Any]:
    # what the container's cgroup path says (systemd: "slice:prefix:name"), else what `info`
    # reports; not containers.conf, which inspect does not load
    cgroups_path = spec.get("linux", {}).get("cgroupsPath", "")
    if cgroups_path:
        cgroup_manager = "systemd" if ":" in cgroups_path else "cgroupfs"
    else:
        cgroup_manager = engine.options.cgroup_manager or "cgroupfs"
    sec, res = config.security, config.resources
    binds = [
        f"{m.source}:{m.destination}:{','.join(_mount_options(m))}"
        for m in sorted(config.mounts, key=lambda m: m.type != "volume")
        if m.type in ("bind", "volume")
    ]
    security_opt = []
    if sec.seccomp_profile:
        security_opt.append(f"seccomp={sec.seccomp_profile}")
    if sec.no_new_privileges:
        security_opt.append("no-new-privileges")
    security_opt += [f"label={o}" for o in sec.label_opts]
    restart_name = "" if config.restart_policy == "no" else config.restart_policy
    pids = res.pids_limit  # containers.conf's default is recorded at create
    spec_pids = spec.get("linux", {}).get("resources", {}).get("pids", {}).get("limit")
    return {
        "Binds": binds,
        "CgroupManager": cgroup_manager,
        "CgroupMode": "host",
        "ContainerIDFile": "",
        "LogConfig": {
            "Type": config.log.driver,
            "Config": None,
            "Path": config.log.path,
            "Tag": config.log.tag,
            "Size": "0B" if config.log.max_size < 0 else str(config.log.max_size) + "B",
        },
        "NetworkMode": config.network_mode,
        "PortBindings": network_reports.port_bindings(config),
        "RestartPolicy": {"Name": restart_name, "MaximumRetryCount": config.restart_retries},
        "AutoRemove": config.auto_remove,
        "VolumeDriver": "",
        "VolumesFrom": list(config.volumes_from) or None,
        "CapAdd": [c for c in sec.cap_add],
        "CapDrop": [c for c in sec.cap_drop],
        "Dns": list(config.dns_servers),
        "DnsOptions": list(config.dns_options),
        "DnsSearch": list(config.dns_search),
        "ExtraHosts": list(config.add_hosts),
        "GroupAdd": list(config.group_add),
        "IpcMode": "shareable",
        "Cgroup": "",
        "Cgroups": "default",
        "Links": None,
        "OomScoreAdj": 0,
        "PidMode": "private",
        "Privileged": sec.privileged,
        "PublishAllPorts": False,
        "ReadonlyRootfs": sec.read_only,
        "SecurityOpt": security_opt,
        "Tmpfs": {m.destination: ",".join(m.options) for m in config.mounts if m.type == "tmpfs"},
        "UTSMode": "private",
        "UsernsMode": config.userns_mode and _userns_fields(config)["UsernsMode"],
        **({"IDMappings": _userns_fields(config)["IDMappings"]} if config.uid_map else {}),
        "ShmSize": config.shm_size,
        "Runtime": "oci",
        "ConsoleSize": [0, 0],
        "Isolation": "",
        "CpuShares": res.cpu_shares,
        "Memory": res.memory,
        "NanoCpus": (res.cpu_quota * 10**9 // res.cpu_period) if res.cpu_period else 0,
        # what was asked for (--cgroup-parent, a pod's cgroup): Podman 4.3 shows "" for the
        # default even though the container's cgroup is under /libpod_parent
        "CgroupParent": config.cgroup_parent,
        "BlkioWeight": res.blkio_weight,
        "BlkioWeightDevice": None,
        "BlkioDeviceReadBps": None,
        "BlkioDeviceWriteBps": None,
        "BlkioDeviceReadIOps": None,
        "BlkioDeviceWriteIOps": None,
        "CpuPeriod": res.cpu_period,
        "CpuQuota": res.cpu_quota,
        "CpuRealtimePeriod": 0,
        "CpuRealtimeRuntime": 0,
        "CpusetCpus": res.cpuset_cpus,
        "CpusetMems": res.cpuset_mems,
        "Devices": [_device(d) for d in config.devices],
        "DiskQuota": 0,
        "KernelMemory": 0,
        "MemoryReservation": res.memory_reservation,
        "MemorySwap": res.memory_swap,
        "MemorySwappiness": 0,
        "OomKillDisable": False,
        "PidsLimit": spec_pids if spec_pids is not None else (pids or 0),
        "Ulimits": _ulimits(config, spec),
        "CpuCount": 0,
        "CpuPercent": 0,
        "IOMaximumIOps": 0,
        "IOMaximumBandwidth": 0,
        "CgroupConf": None,
    }


def _device(spec: str) -> dict[str, str]:
    parts = spec.split(":")
    host = parts[0]
    ctr = parts[1] if len(parts) > 1 and parts[1].startswith("/") else host
    perms = parts[-1] if len(parts) > 1 and not parts[-1].startswith("/") else "rwm"
    return {"PathOnHost": host, "PathInContainer": ctr, "CgroupPermissions": perms}


def inspect(
    engine: LocalEngine, names: list[str], size: bool = False, latest: bool = False
) -> list[dict[str, Any]]:
    """One document per name (or the newest container's with latest); a missing container
    raises ContainerNotFound naming it."""
    if latest:
        if names:
            raise InvalidArgument("--latest and containers cannot be used together")
        return [inspect_one(engine, latest_id(engine, "inspect"), size)]
    return [inspect_one(engine, one(engine, n), size) for n in names]


def inspect_one(engine: LocalEngine, cid: str, size: bool = False) -> dict[str, Any]:
    from pypod.local.container_storage import layers

    config, state = load(engine, cid)
    lay = layers(engine)
    userdata = lay.userdata_dir(cid)
    spec = _spec(state)
    caps = _caps(engine, config, spec)
    args = list(config.process_args)
    exec_ids = _exec_ids(engine, cid)
    doc: dict[str, Any] = {
        "Id": config.id,
        "Created": go_time(config.created),
        "Path": args[0] if args else "",
        "Args": args[1:] if len(args) > 1 else args,  # Podman's quirk: ["true"] for `true`
        "State": _state(config, state),
        "Image": config.image_id,
        "ImageDigest": "",
        "ImageName": config.image_name,
        "Rootfs": "",
        "Pod": config.pod_id,
        "ResolvConfPath": _if_exists(userdata, "resolv.conf"),
        "HostnamePath": _if_exists(userdata, "hostname"),
        "HostsPath": _if_exists(userdata, "hosts"),
        "StaticDir": userdata,
        **({"OCIConfigPath": os.path.join(state.bundle, "config.json")} if spec else {}),
        "OCIRuntime": config.runtime,
        "ConmonPidFile": os.path.join(userdata, "conmon.pid"),
        "PidFile": os.path.join(userdata, "pidfile"),
        "Name": config.name,
        "RestartCount": state.restart_count,
        "Driver": engine.store.driver_name if hasattr(engine.store, "driver_name") else "overlay",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "EffectiveCaps": caps["eff"],
        "BoundingCaps": caps["bnd"],
        "ExecIDs": exec_ids,
        "GraphDriver": _graph_driver(lay, cid, state.mountpoint),
        "Mounts": _mounts(config, lambda n: _volume_path(engine, n)),
        "Dependencies": list(config.dependencies),
        "NetworkSettings": network_reports.network_settings(engine, config),
        "Namespace": "",
        "IsInfra": False,
        "IsService": False,
        "Config": _config_section(config, spec),
        "HostConfig": _host_config(engine, config, spec, caps),
    }
    if size:
        try:
            rw, root = lay.size(cid)
            doc["SizeRw"], doc["SizeRootFs"] = rw, root
        except Exception:
            pass
    return doc


def _exec_ids(engine: LocalEngine, cid: str) -> list[str]:
    """Live exec sessions; finished detached ones are reaped first (exec -d leaves no
    process of ours to forget them)."""
    try:
        if not engine.container_store.execs_of(cid):
            return []  # the common case: no need to load the exec module
        from pypod.local.container_exec import reap_sessions

        reap_sessions(engine, cid)
        return list(engine.container_store.execs_of(cid))
    except Exception:
        return []


def _if_exists(directory: str, name: str) -> str:
    path = os.path.join(directory, name)
    return path if os.path.exists(path) else ""


def _volume_path(engine: LocalEngine, name: str) -> str:
    return os.path.join(engine.store.graph_root, "volumes", name, "_data")


def _graph_driver(lay: Any, cid: str, mountpoint: str) -> dict[str, Any]:
    """overlay: the container's lower, merged (while mounted), upper and work directories."""
    name = lay.store.driver_name
    if not lay.overlay:
        return {"Name": name, "Data": None}
    home = os.path.join(lay.home, cid)
    data: dict[str, str] = {}
    try:
        lowers = lay.lower_dirs(cid)
    except (PypodError, OSError, ValueError):  # its layer record is gone: report the rest
        lowers = []
    if lowers:
        data["LowerDir"] = ":".join(lowers)
    if mountpoint:
        data["MergedDir"] = mountpoint
    data["UpperDir"] = os.path.join(home, "diff")
    data["WorkDir"] = os.path.join(home, "work")
    return {"Name": name, "Data": data}


def _userns_fields(config: ContainerConfig) -> dict[str, object]:
    from pypod.local.container_userns import inspect_fields

    return inspect_fields(config)

"""`pypod info`: Podman's info document (host, store, registries, plugins, version)."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import time
from typing import TYPE_CHECKING, Any

from pypod.host import processes
from pypod.host.cgroups import detect
from pypod.network.config import DRIVERS

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def _os_release() -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v.strip('"')
    except OSError:
        pass
    return out


def _package(path: str) -> str:
    """Debian package "name_version_arch" owning path, as Podman reports it."""
    try:
        owner = processes.output(["dpkg-query", "-S", path], timeout=10).split(":", 1)[0]
        return processes.output(
            ["dpkg-query", "-W", "-f", "${Package}_${Version}_${Architecture}", owner], timeout=10
        ).strip()
    except Exception:
        return "Unknown"


def _meminfo() -> dict[str, int]:
    out: dict[str, int] = {}
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            key, rest = line.split(":", 1)
            out[key] = int(rest.split()[0]) * 1024
    return out


def _uptime() -> str:
    with open("/proc/uptime", encoding="utf-8") as f:
        secs = float(f.read().split()[0])
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return f"{int(h)}h {int(m)}m {s:.2f}s"


def _host(engine: LocalEngine) -> dict[str, Any]:
    from pypod.local.system import go_arch
    from pypod.runtime.select import choose, version_text

    cg = detect()
    conf = engine.containers_conf
    runtime = choose(engine.options.runtime, conf.engine.runtime, conf.engine.runtimes)
    conmon = engine.options.conmon or processes.find_binary("conmon") or ""
    rel = _os_release()
    mem = _meminfo()
    host: dict[str, Any] = {
        "arch": go_arch(),
        "buildahVersion": "",
        "cgroupManager": engine.options.cgroup_manager or "cgroupfs",
        "cgroupVersion": cg.version,
        "cgroupControllers": list(cg.controllers),
        "conmon": {
            "package": _package(conmon) if conmon else "",
            "path": conmon,
            "version": version_text(conmon).replace("\n", ", ") if conmon else "",
        },
        "cpus": os.cpu_count() or 1,
        "distribution": {
            "distribution": rel.get("ID", ""),
            "version": rel.get("VERSION_ID", ""),
            "codename": rel.get("VERSION_CODENAME", ""),
        },
        "eventLogger": "file",
        "hostname": socket.gethostname(),
        "idMappings": _id_mappings(engine),
        "kernel": platform.release(),
        "logDriver": "k8s-file",
        "memFree": mem.get("MemAvailable", 0),
        "memTotal": mem.get("MemTotal", 0),
        "networkBackend": "netavark",
        "ociRuntime": {
            "name": runtime.name,
            "package": _package(runtime.path),
            "path": runtime.path,
            "version": version_text(runtime.path),
        },
        "os": "linux",
        "security": {
            "apparmorEnabled": False,
            "capabilities": ",".join(
                c if c.startswith("CAP_") else f"CAP_{c}"
                for c in conf.containers.default_capabilities
            ),
            "rootless": engine.rootless,
            "seccompEnabled": True,
            "seccompProfilePath": "/usr/share/containers/seccomp.json",
            "selinuxEnabled": False,
        },
        "serviceIsRemote": False,
        "swapFree": mem.get("SwapFree", 0),
        "swapTotal": mem.get("SwapTotal", 0),
        "uptime": _uptime(),
        "linkmode": "dynamic",
    }
    if runtime.reason:
        host["ociRuntime"]["reason"] = runtime.reason
    slirp = processes.find_binary("slirp4netns") if engine.rootless else None
    if slirp:  # connects the rootless network namespace (networking.md); after "security"
        block = {"executable": slirp, "package": _package(slirp), "version": version_text(slirp)}
        items = list(host.items())
        at = next(i for i, (k, _) in enumerate(items) if k == "swapFree")
        host = dict([*items[:at], ("slirp4netns", block), *items[at:]])
    return host


def _id_mappings(engine: LocalEngine) -> dict[str, Any]:
    if not engine.rootless:
        return {"gidmap": None, "uidmap": None}
    from pypod.host.userns import rootless_id_mappings

    return rootless_id_mappings()


def _store(engine: LocalEngine) -> dict[str, Any]:
    store = engine.store
    usage = shutil.disk_usage(store.graph_root)
    return {
        "configFile": engine.storage_conf.source or "",
        "containerStore": {"number": 0, "paused": 0, "running": 0, "stopped": 0},
        "graphDriverName": store.driver_name,
        "graphOptions": store.driver_options() if hasattr(store, "driver_options") else {},
        "graphRoot": store.graph_root,
        "graphRootAllocated": usage.total,
        "graphRootUsed": usage.used,
        "graphStatus": store.driver_status() if hasattr(store, "driver_status") else {},
        "imageCopyTmpDir": engine.tmp_dir,
        "imageStore": {"number": len(store.images())},
        "runRoot": store.run_root,
        "volumePath": os.path.join(store.graph_root, "volumes"),
    }


def _registries(engine: LocalEngine) -> dict[str, Any]:
    conf = engine.registries
    out: dict[str, Any] = {}
    for reg in getattr(conf, "registries", []) or []:
        out[reg.prefix] = {
            "Prefix": reg.prefix,
            "Location": reg.location,
            "Insecure": reg.insecure,
            "Blocked": reg.blocked,
            "Mirrors": [{"Location": m.location, "Insecure": m.insecure} for m in reg.mirrors],
        }
    search = list(conf.unqualified_search_registries)
    if search:
        out["search"] = search
    return out


def build_info(engine: LocalEngine) -> dict[str, Any]:
    v = engine.system.version()
    return {
        "host": _host(engine),
        "store": _store(engine),
        "registries": _registries(engine),
        "plugins": {
            "volume": ["local"],
            "network": list(DRIVERS),
            "log": ["k8s-file", "none", "passthrough", "json-file"],
            "authorization": None,
        },
        "version": {
            "APIVersion": v.api_version,
            "Version": v.version,
            "GoVersion": v.go_version,
            "GitCommit": v.git_commit,
            "BuiltTime": time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(v.built)),
            "Built": v.built,
            "OsArch": v.os_arch,
            "Os": "linux",
        },
    }

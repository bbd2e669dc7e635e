"""build_spec() against config.json files Podman 4.3 wrote on this kind of host.

The golden files (tests/unit/data/specgen/*.json) came from `podman create ... && podman init`
with runc, a busybox rootfs whose /etc/group makes root and user "u" members of wheel (10) and
"u" of audio (29); ids and userdata paths were replaced by placeholders. Only the parts that
must be equal are compared: not paths, ids, timestamps or the host's device list.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from pypod.config.containers_conf import ContainersSection
from pypod.core import env as envmod
from pypod.core import seccomp, specgen
from pypod.core.defaults import RLIM_INFINITY
from pypod.core.model import ContainerConfig, Mount, Resources, SecurityConfig
from pypod.host.cgroups import CgroupInfo, Layout

DATA = pathlib.Path(__file__).parent / "data" / "specgen"
CGROUP = CgroupInfo(layout=Layout.HYBRID, controllers=("cpu", "memory", "pids", "devices"))
UNCAPPED = {"RLIMIT_NOFILE": (1024, RLIM_INFINITY), "RLIMIT_NPROC": (1024, RLIM_INFINITY)}
ROOTLESS_LIMITS = {"RLIMIT_NOFILE": (1024, 20000), "RLIMIT_NPROC": (1024, 96551)}
KEEP_DEV = {"/dev/pts", "/dev/mqueue", "/dev/shm", "/dev/fuse", "/dev/null", "/dev/zero"}

SEC = SecurityConfig
CASES: dict[str, dict[str, Any]] = {
    "defnone": {},
    "host": {"network_mode": "host"},
    "priv": {"security": SEC(privileged=True)},
    "caps": {"security": SEC(cap_add=("NET_ADMIN", "SYS_TIME"), cap_drop=("CHOWN", "KILL"))},
    "capsall": {"security": SEC(cap_drop=("ALL",), cap_add=("NET_RAW",))},
    "user": {"user": "u", "group_add": ("audio",)},
    "usercap": {"user": "1000:1000", "security": SEC(cap_add=("NET_ADMIN",))},
    "ro": {"security": SEC(read_only=True)},
    "ronotmpfs": {"security": SEC(read_only=True, read_only_tmpfs=False)},
    "tmpfs": {
        "mounts": (
            Mount(
                type="tmpfs",
                source="tmpfs",
                destination="/scratch",
                options=("size=10m", "mode=1777"),
            ),
            Mount(type="tmpfs", source="tmpfs", destination="/x"),
        )
    },
    "dev": {"devices": ("/dev/fuse", "/dev/null:/dev/mynull:r")},
    "ulim": {"ulimits": (("RLIMIT_NOFILE", 1024, 2048), ("RLIMIT_NPROC", 500, 500))},
    "init": {"init": True, "tty": True, "stdin": True},
    "shm": {"shm_size": 128 * 1024 * 1024, "env_flags": ["FOO=bar"], "workdir": "/tmp"},
    "secopt": {
        "security": SEC(
            seccomp_profile="unconfined",
            no_new_privileges=True,
            mask=("/opt/a:/opt/b",),
            unmask=("/proc/kcore",),
        )
    },
    "unmaskall": {"security": SEC(unmask=("ALL",))},
    "res": {
        "resources": Resources(
            memory=100 * 2**20,
            memory_swap=200 * 2**20,
            cpu_quota=150000,
            cpu_period=100000,
            cpu_shares=512,
            cpuset_cpus="0",
            pids_limit=100,
        ),
        "sysctls": {"net.core.somaxconn": "1024"},
    },
    "vol": {
        "mounts": (
            Mount(type="bind", source="/tmp", destination="/t"),
            Mount(type="tmpfs", source="tmpfs", destination="/mt"),
            Mount(type="bind", source="HOSTDIR", destination="/data", options=("ro",)),
        )
    },
    "tz": {"tz": "Europe/Berlin", "hostname": "myhost", "annotations": {"foo": "bar"}},
    "u_root": {"user": "root"},
    "u_0": {"user": "0"},
    "u_u": {"user": "u"},
    "u_1000": {"user": "1000"},
    "u_u_wheel": {"user": "u:wheel"},
    "u_1000_29": {"user": "1000:29"},
    "u_2000": {"user": "2000"},
    "u_2000_3000": {"user": "2000:3000"},
    "rootless_default": {"rootless": True},
    "rootless_priv": {"rootless": True, "security": SEC(privileged=True)},
    "rootless_res": {"rootless": True, "resources": Resources(memory=100 * 2**20, pids_limit=50)},
    "rootless_host": {"rootless": True, "network_mode": "host"},
    "rootless_dev": {"rootless": True, "devices": ("/dev/fuse",)},
    "rootless_shm": {"rootless": True, "shm_size": 128 * 1024 * 1024},
}


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("rootfs")
    (root / "etc").mkdir()
    (root / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000:u:/home/u:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/:/bin/false\n"
    )
    (root / "etc/group").write_text(
        "root:x:0:\nu:x:1000:\nwheel:x:10:u,root\naudio:x:29:u\nnobody:x:65534:\n"
    )
    return str(root)


def _config(name: str, case: dict[str, Any]) -> ContainerConfig:
    kwargs = {k: v for k, v in case.items() if k not in ("rootless", "env_flags")}
    kwargs.setdefault("network_mode", "none")
    return ContainerConfig(
        id="c" * 64, name=name, created=0.0, image_id="i" * 64, image_name="localhost/bb:latest",
        command=("sh",), env=envmod.merge_env(env=case.get("env_flags", ()), http_proxy=False),
        rootless=bool(case.get("rootless")), init_path="/usr/libexec/podman/catatonit", **kwargs,
    )  # fmt: skip


def _etc_files(config: ContainerConfig) -> dict[str, str]:
    files = {"/etc/hosts": "USERDATA/hosts", "/etc/hostname": "USERDATA/hostname",
             "/run/.containerenv": "USERDATA/.containerenv"}  # fmt: skip
    if config.network_mode == "host":
        files["/etc/resolv.conf"] = "USERDATA/resolv.conf"
    if config.tz:
        files["/etc/localtime"] = "USERDATA/localtime"
    return files


def _mounts(spec: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for m in spec["mounts"]:
        dest = m["destination"]
        if dest.startswith("/dev/") and dest not in KEEP_DEV:
            continue
        out[dest] = (m["type"], m["source"], m["options"])
    return out


def _comparable(spec: dict[str, Any]) -> dict[str, Any]:
    spec = json.loads(json.dumps(spec))
    proc = spec["process"]
    proc["env"] = sorted(e for e in proc["env"] if not e.startswith("HOSTNAME="))
    linux = spec["linux"]
    assert linux.pop("cgroupsPath", "/libpod_parent/libpod-x").startswith("/libpod_parent/libpod-")
    if "devices" in linux:
        keep = {"/dev/null", "/dev/zero", "/dev/mynull"}
        keep |= set() if spec["annotations"]["io.podman.annotations.privileged"] == "TRUE" else {
            "/dev/fuse"}  # fmt: skip
        linux["devices"] = [d for d in linux["devices"] if d["path"] in keep]
    if linux.get("seccomp") and "syscalls" not in linux["seccomp"]:
        linux["seccomp"] = {"present": True}
    spec["annotations"].pop("io.kubernetes.cri-o.Created")
    return {
        "process": proc, "readonly": spec["root"].get("readonly", False),
        "mounts": _mounts(spec), "annotations": spec["annotations"], "linux": linux,
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_podman(name: str, rootfs: str) -> None:
    golden = json.loads((DATA / f"{name}.json").read_text())
    case = CASES[name]
    config = _config(name, case)
    if "/dev/fuse" in " ".join(config.devices) and not pathlib.Path("/dev/fuse").exists():
        pytest.skip("no /dev/fuse on this host")
    rootless = bool(case.get("rootless"))
    profile = seccomp.profile_for(config.security.seccomp_profile)
    if profile is None and config.security.seccomp_profile != "unconfined":
        pytest.skip("no /usr/share/containers/seccomp.json")
    spec = specgen.build_spec(
        config, rootfs=rootfs, conf=ContainersSection(), etc_files=_etc_files(config),
        rootless=rootless, cgroup=CGROUP, seccomp_profile=profile,
        host_limits=ROOTLESS_LIMITS if rootless else UNCAPPED, shm_path="USERDATA/shm",
        host_hostname="vm",
    )  # fmt: skip
    if "seccomp" in spec["linux"] and name not in ("defnone", "caps"):
        spec["linux"]["seccomp"] = {"present": True}
    mine, theirs = _comparable(spec), _comparable(golden)
    for key in ("process", "readonly", "annotations", "linux", "mounts"):
        assert mine[key] == theirs[key], key
    if config.network_mode != "host":
        assert spec["hostname"] == (config.hostname or config.short_id)
    depths = [m["destination"].count("/") for m in spec["mounts"] if m["destination"] != "/"]
    assert depths == sorted(depths), "parents must be mounted before children"

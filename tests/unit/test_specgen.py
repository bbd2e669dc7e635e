"""specgen details the golden files do not cover: rlimit clamping, exec processes, etc files,
seccomp conversion rules, device and sysctl errors."""

from __future__ import annotations

import pathlib

import pytest

from pypod.config.containers_conf import ContainersSection
from pypod.core import defaults, etcfiles, seccomp, specgen
from pypod.core.model import ContainerConfig, SecurityConfig
from pypod.errors import InvalidArgument
from pypod.host.cgroups import CgroupInfo, Layout

CGROUP = CgroupInfo(layout=Layout.HYBRID, controllers=("pids",))
LIMITS = {"RLIMIT_NOFILE": (1024, 20000), "RLIMIT_NPROC": (1024, 96551)}


@pytest.fixture
def rootfs(tmp_path: pathlib.Path) -> str:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:\n")
    (tmp_path / "etc/group").write_text("root:x:0:\n")
    return str(tmp_path)


def _config(**kw: object) -> ContainerConfig:
    return ContainerConfig(id="a" * 64, name="n", created=0.0, image_id="", image_name="i",
                           command=("sh",), **kw)  # type: ignore[arg-type]  # fmt: skip


def _spec(rootfs: str, config: ContainerConfig, **kw: object) -> dict:
    args = {"rootfs": rootfs, "conf": ContainersSection(), "etc_files": {}, "rootless": False,
            "cgroup": CGROUP, "seccomp_profile": None, "host_limits": LIMITS} | kw  # fmt: skip
    return specgen.build_spec(config, **args)  # type: ignore[arg-type]


def test_rlimits_clamped_to_hard_limits(rootfs: str) -> None:
    spec = _spec(rootfs, _config())
    assert {r["type"]: r["hard"] for r in spec["process"]["rlimits"]} == {
        "RLIMIT_NOFILE": 20000, "RLIMIT_NPROC": 32768}  # fmt: skip
    with pytest.raises(InvalidArgument, match="exceeds the caller's hard limit 20000"):
        _spec(rootfs, _config(ulimits=(defaults.parse_ulimit("nofile=30000"),)))
    assert defaults.parse_ulimit("core=-1") == ("RLIMIT_CORE", 2**64 - 1, 2**64 - 1)
    with pytest.raises(InvalidArgument):
        defaults.parse_ulimit("bogus=1")


def test_rootless_v1_has_no_resources_or_cgroup(rootfs: str) -> None:
    spec = _spec(rootfs, _config(), rootless=True)
    assert spec["linux"]["resources"] == {} and "cgroupsPath" not in spec["linux"]


def test_errors(rootfs: str) -> None:
    with pytest.raises(InvalidArgument, match="Network Namespace set to host"):
        _spec(rootfs, _config(network_mode="host", sysctls={"net.core.somaxconn": "1"}))
    with pytest.raises(InvalidArgument, match="not allowed"):
        _spec(rootfs, _config(sysctls={"vm.swappiness": "1"}))
    with pytest.raises(InvalidArgument, match="/dev/nonexistent"):
        _spec(rootfs, _config(devices=("/dev/nonexistent",)))
    with pytest.raises(InvalidArgument, match="unknown capability"):
        _spec(rootfs, _config(security=SecurityConfig(cap_add=("BOGUS",))))


def test_exec_process(rootfs: str) -> None:
    config = _config(env={"A": "1"})
    base = _spec(rootfs, config)
    proc = specgen.exec_process(config, base, rootfs=rootfs, args=["id"], env={"B": "2"},
                                user="u", workdir="/tmp", tty=True)  # fmt: skip
    assert proc["args"] == ["id"] and proc["terminal"] and proc["cwd"] == "/tmp"
    assert proc["user"]["uid"] == 1000 and "HOME=/home/u" in proc["env"]
    assert "A=1" in proc["env"] and "B=2" in proc["env"]
    assert "effective" not in proc["capabilities"]  # non-root: only added caps
    priv = specgen.exec_process(config, base, rootfs=rootfs, args=["id"], privileged=True)
    assert priv["capabilities"]["effective"] == defaults.all_capabilities()
    with pytest.raises(InvalidArgument):
        specgen.exec_process(config, base, rootfs=rootfs, args=[])


def test_etc_files() -> None:
    text = etcfiles.hosts(
        hostname="h",
        name="n",
        network_mode="none",
        add_hosts=["foo:::1"],
        base_hosts_text="127.0.0.1 localhost # x\n",
        host_ip="192.0.2.2",
    )
    assert text == ("::1\tfoo\n127.0.0.1\tlocalhost\n192.0.2.2\thost.containers.internal\n"
                    "127.0.0.1\th n\n")  # fmt: skip
    assert etcfiles.resolv_conf(network_mode="none", host_text="nameserver 1.1.1.1") is None
    with pytest.raises(InvalidArgument, match="conflicting options: dns"):
        etcfiles.resolv_conf(network_mode="none", host_text="", servers=["9.9.9.9"])
    host = "nameserver 127.0.0.53\nsearch x\n"
    assert etcfiles.resolv_conf(network_mode="host", host_text=host) == (
        "search x\nnameserver 127.0.0.53\n")  # fmt: skip
    assert etcfiles.containerenv(privileged=False, name="n", container_id="i", image_name="m",
                                 image_id="d", rootless=True) == ""  # fmt: skip
    assert "rootless=1\n" in etcfiles.containerenv(
        privileged=True, name="n", container_id="i", image_name="m", image_id="d", rootless=True
    )
    with pytest.raises(InvalidArgument, match="unknown time zone"):
        etcfiles.timezone_file("../../etc/passwd")


def test_seccomp_rules() -> None:
    profile = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
        "syscalls": [
            {"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_TIME"]}},
            {"names": ["b"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
             "excludes": {"caps": ["CAP_SYS_TIME", "CAP_X"]}},
            {"names": ["c"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}},
            {"names": ["d"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
            {"names": ["e"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 1, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
        ],
    }  # fmt: skip
    out = seccomp.to_oci(profile, ["CAP_SYS_TIME"], machine="x86_64", kernel_release="6.1.0")
    assert out["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]
    assert [s["names"] for s in out["syscalls"]] == [["a"], ["e"]]
    assert out["syscalls"][1]["args"] == [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]
    none = seccomp.to_oci(profile, [], machine="x86_64", kernel_release="6.1.0")
    assert [s["names"] for s in none["syscalls"]] == [["b"], ["e"]]
    assert seccomp.profile_for("unconfined") is None

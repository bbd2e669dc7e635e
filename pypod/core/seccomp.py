"""Podman/moby seccomp profiles (/usr/share/containers/seccomp.json) into OCI LinuxSeccomp.

The profile format adds what OCI lacks: `archMap` (native arch -> its sub-architectures) and
per-rule `includes`/`excludes` on arches (Go names), capabilities and a minimum kernel. The
conversion keeps a rule when every include matches and no exclude does, against the host's
arch, the container's bounding capabilities and the running kernel, as Podman does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from pypod.errors import InvalidArgument

# uname machine -> (Go arch name used in includes.arches, libseccomp native arch)
_ARCHES: dict[str, tuple[str, str]] = {
    "x86_64": ("amd64", "SCMP_ARCH_X86_64"), "aarch64": ("arm64", "SCMP_ARCH_AARCH64"),
    "i686": ("386", "SCMP_ARCH_X86"), "armv7l": ("arm", "SCMP_ARCH_ARM"),
    "ppc64le": ("ppc64le", "SCMP_ARCH_PPC64LE"), "s390x": ("s390x", "SCMP_ARCH_S390X"),
    "riscv64": ("riscv64", "SCMP_ARCH_RISCV64"), "mips64": ("mips64", "SCMP_ARCH_MIPS64"),
}  # fmt: skip
_SECCOMP_JSON = "/usr/share/containers/seccomp.json"


def load_profile(path: str = _SECCOMP_JSON) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise InvalidArgument(f"opening seccomp profile {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise InvalidArgument(f"decoding seccomp profile {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidArgument(f"decoding seccomp profile {path}: not a JSON object")
    return data


def _kernel_tuple(release: str) -> tuple[int, ...]:
    nums = []
    for part in release.split("-")[0].split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        nums.append(int(digits or 0))
    return tuple(nums)


def _included(cond: dict[str, Any] | None, go_arch: str, caps: set[str],
              kernel: tuple[int, ...]) -> bool:  # fmt: skip
    """Every include must hold: the arch is listed, all caps are present, the kernel is new
    enough."""
    if not cond:
        return True
    if cond.get("arches") and go_arch not in cond["arches"]:
        return False
    if cond.get("caps") and not all(c in caps for c in cond["caps"]):
        return False
    return not (cond.get("minKernel") and kernel < _kernel_tuple(cond["minKernel"]))


def _excluded(cond: dict[str, Any] | None, go_arch: str, caps: set[str]) -> bool:
    """Any exclude drops the rule: the arch is listed, or one listed cap is present."""
    if not cond:
        return False
    if go_arch in (cond.get("arches") or ()):
        return True
    return any(c in caps for c in cond.get("caps") or ())


def _architectures(profile: dict[str, Any], native: str) -> list[str]:
    if profile.get("architectures"):
        return list(profile["architectures"])
    for entry in profile.get("archMap") or ():
        if entry.get("architecture") == native:
            return [native, *entry.get("subArchitectures", [])]
    return []


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    names = rule.get("names") or ([rule["name"]] if rule.get("name") else [])
    out: dict[str, Any] = {"names": list(names), "action": rule["action"]}
    if rule.get("errnoRet") is not None:
        out["errnoRet"] = rule["errnoRet"]
    args = []
    for arg in rule.get("args") or ():
        a = {"index": arg["index"], "value": arg["value"]}
        if arg.get("valueTwo"):
            a["valueTwo"] = arg["valueTwo"]
        a["op"] = arg["op"]
        args.append(a)
    if args:
        out["args"] = args
    return out


def to_oci(
    profile: dict[str, Any],
    bounding_caps: Iterable[str],
    *,
    machine: str | None = None,
    kernel_release: str | None = None,
) -> dict[str, Any]:
    """The OCI linux.seccomp for a container with these bounding capabilities."""
    machine = machine or os.uname().machine
    go_arch, native = _ARCHES.get(machine, (machine, f"SCMP_ARCH_{machine.upper()}"))
    kernel = _kernel_tuple(kernel_release or os.uname().release)
    caps = set(bounding_caps)
    out: dict[str, Any] = {"defaultAction": profile.get("defaultAction", "SCMP_ACT_ALLOW")}
    if profile.get("defaultErrnoRet") is not None:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    arches = _architectures(profile, native)
    if arches:
        out["architectures"] = arches
    if profile.get("listenerPath"):
        out["listenerPath"] = profile["listenerPath"]
    if profile.get("flags"):
        out["flags"] = list(profile["flags"])
    syscalls = []
    for rule in profile.get("syscalls") or ():
        if _included(rule.get("includes"), go_arch, caps, kernel) and not _excluded(
            rule.get("excludes"), go_arch, caps
        ):
            syscalls.append(_rule(rule))
    out["syscalls"] = syscalls
    return out


def profile_for(choice: str, default_path: str = _SECCOMP_JSON) -> dict[str, Any] | None:
    """--security-opt seccomp=VALUE ("" default, "unconfined", or a path) as a loaded profile;
    None means no filter. A missing default profile means none, as Podman does."""
    if choice == "unconfined":
        return None
    if not choice and not default_path:
        return None
    if not choice and not _exists(default_path):
        return None
    return load_profile(choice or default_path)


def _exists(path: str) -> bool:
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False

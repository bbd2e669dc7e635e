"""Choosing the OCI runtime.

Podman defaults to crun. crun refuses to start containers on a hybrid cgroup host (v1
controllers with an empty v2 tree at /sys/fs/cgroup/unified), so there the default falls back
to runc and says why; an explicit choice is honoured and fails later with crun's own error.
"""

from __future__ import annotations

import os
from functools import cache

from pypod.errors import InvalidArgument
from pypod.host import processes
from pypod.host.cgroups import Layout, detect
from pypod.records import record

KNOWN = ("crun", "runc", "kata", "runsc", "youki", "krun", "crun-wasm")


@record
class RuntimeChoice:
    name: str
    path: str
    reason: str = ""  # why this one and not the configured default


def choose(
    requested: str | None, configured: str = "crun", paths: dict[str, list[str]] | None = None
) -> RuntimeChoice:
    """requested: --runtime (a name or a path); configured: containers.conf engine.runtime."""
    if requested:
        if "/" in requested:
            if not os.access(requested, os.X_OK):
                raise InvalidArgument(f"cannot find OCI runtime {requested!r}: not executable")
            return RuntimeChoice(name=os.path.basename(requested), path=requested)
        path = _find(requested, paths)
        if path is None:
            raise InvalidArgument(
                f"default OCI runtime {requested!r} not found: install the Debian package "
                f"{processes.PACKAGES.get(requested, requested)}"
            )
        return RuntimeChoice(name=requested, path=path)
    name = configured or "crun"
    path = _find(name, paths)
    if name == "crun" and detect().layout is Layout.HYBRID:
        runc = _find("runc", paths)
        if runc:
            return RuntimeChoice(
                name="runc",
                path=runc,
                reason="crun does not support hybrid cgroup hosts; using runc",
            )
    if path is None:
        for other in ("crun", "runc"):
            alt = _find(other, paths)
            if alt:
                return RuntimeChoice(name=other, path=alt, reason=f"{name} not found")
        raise InvalidArgument("no OCI runtime found: install the Debian package runc or crun")
    return RuntimeChoice(name=name, path=path)


def _find(name: str, paths: dict[str, list[str]] | None) -> str | None:
    for candidate in (paths or {}).get(name, []):
        if os.access(candidate, os.X_OK):
            return candidate
    return processes.find_binary(name)


@cache
def version_text(path: str) -> str:
    try:
        return processes.output([path, "--version"], timeout=10).strip()
    except Exception:  # a broken runtime must not break `info`
        return ""

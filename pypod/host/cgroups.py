"""Which cgroup layout this host has.

Three layouts exist: unified (v2 only, cgroup2 at /sys/fs/cgroup), legacy (v1 only) and hybrid
(v1 controllers plus an empty v2 hierarchy at /sys/fs/cgroup/unified). crun refuses hybrid
hosts, so the runtime choice needs to know.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import cache

from pypod.records import record

CGROUP2_SUPER_MAGIC = 0x63677270


class Layout(StrEnum):
    UNIFIED = "unified"
    HYBRID = "hybrid"
    LEGACY = "legacy"


@record
class CgroupInfo:
    layout: Layout
    controllers: tuple[str, ...]

    @property
    def version(self) -> str:
        """What Podman reports: "v2" only for a pure unified host."""
        return "v2" if self.layout is Layout.UNIFIED else "v1"

    def pids_limit(self, requested: int | None, default: int) -> int:
        """The pids limit a container gets: --pids-limit, else containers.conf's pids_limit,
        where a pids controller exists; 0 for no limit."""
        pids = default if requested is None else requested
        has_pids = "pids" in self.controllers or self.layout is Layout.UNIFIED
        return pids if pids > 0 and has_pids else 0


def _is_cgroup2(path: str) -> bool:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                sep = fields.index("-")
                if fields[4] == path and fields[sep + 1] == "cgroup2":
                    return True
    except (OSError, ValueError):
        pass
    return False


@cache
def detect(root: str = "/sys/fs/cgroup") -> CgroupInfo:
    if _is_cgroup2(root):
        try:
            with open(os.path.join(root, "cgroup.controllers"), encoding="utf-8") as f:
                ctrls = tuple(f.read().split())
        except OSError:
            ctrls = ()
        return CgroupInfo(layout=Layout.UNIFIED, controllers=ctrls)
    layout = Layout.HYBRID if _is_cgroup2(os.path.join(root, "unified")) else Layout.LEGACY
    ctrls: list[str] = []
    try:
        with open("/proc/cgroups", encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                name, _h, _n, enabled = line.split()[:4]
                if enabled == "1" and os.path.isdir(os.path.join(root, name)):
                    ctrls.append(name)
    except OSError:
        pass
    return CgroupInfo(layout=layout, controllers=tuple(ctrls))

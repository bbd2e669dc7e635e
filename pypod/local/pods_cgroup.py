"""The pod's cgroup, as Podman makes it with the cgroupfs manager.

`pod create` (with an infra container and --share-parent, the default) gives the pod a cgroup
`<parent>/<pod id>`, parent `--cgroup-parent` or /libpod_parent. The infra container and every
member that sets no --cgroup-parent of its own take it as their cgroup parent, so the runtime
puts them at `<parent>/<pod id>/libpod-<container id>`. As root, pypod makes the directory in
every cgroup hierarchy when the pod is created (Podman does) and removes it with the pod; the
runtime removes only the containers' own leaves. Without --share-parent the infra container
goes under the pod's parent and members under their own default, and the pod has no cgroup.

Rootless: on cgroup v1 a container has no cgroup at all (specgen writes no cgroupsPath), so a
pod has none either and CgroupPath is empty, as in Podman. On cgroup v2 Podman gives a rootless
pod a cgroup only under an explicit --cgroup-parent, and leaves making it to the runtime; pypod
does the same. With the systemd manager the pod's cgroup would be a systemd slice, which needs
systemd: the pod then has none and its members keep their own defaults.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pypod.errors import InvalidArgument
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.domain.pods import PodCreateRequest
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

DEFAULT_PARENT = "/libpod_parent"  # Podman's CgroupfsDefaultCgroupParent
ROOT = "/sys/fs/cgroup"


def manager(engine: LocalEngine) -> str:
    conf = engine.containers_conf.engine
    return engine.options.cgroup_manager or conf.cgroup_manager or "cgroupfs"


def plan(engine: LocalEngine, pod_id: str, req: PodCreateRequest) -> tuple[str, str]:
    """(cgroup parent, pod cgroup path) for a new pod; a bad --cgroup-parent is refused."""
    from pypod.host.cgroups import Layout, detect

    parent = req.cgroup_parent
    if manager(engine) == "systemd":
        if parent and (len(parent) < 6 or not parent.endswith(".slice")):
            raise InvalidArgument("did not receive systemd slice as cgroup parent when using "
                                  "systemd to manage cgroups: invalid argument")  # fmt: skip
        return parent or ("user.slice" if engine.rootless else "machine.slice"), ""
    if os.path.basename(parent).endswith(".slice"):
        raise InvalidArgument("systemd slice received as cgroup parent when using cgroupfs: "
                              "invalid argument")  # fmt: skip
    if engine.rootless and (not parent or detect().layout is not Layout.UNIFIED):
        return parent, ""  # no cgroup of our own (see the module docstring)
    parent = parent or DEFAULT_PARENT
    if not parent.startswith("/"):
        parent = "/" + parent
    if not (req.infra and req.share_parent):
        return parent, ""
    return parent, os.path.join(parent, pod_id)


def hierarchies(root: str = ROOT) -> list[str]:
    """Mount points of the cgroup hierarchies (v1 controllers, name=systemd, unified)."""
    out = []
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                fstype = fields[fields.index("-") + 1]
                mnt = fields[4]
                if fstype in ("cgroup", "cgroup2") and (mnt == root or mnt.startswith(root + "/")):
                    out.append(mnt)
    except (OSError, ValueError):
        pass
    return sorted(set(out))


def make(engine: LocalEngine, path: str) -> None:
    """As root: the pod's cgroup directory in every hierarchy (the runtime makes it rootless)."""
    if not path or engine.rootless or manager(engine) != "cgroupfs":
        return
    for mnt in hierarchies():
        try:
            os.makedirs(mnt + path, exist_ok=True)
        except OSError as exc:
            log.debug("making cgroup %s in %s: %s", path, mnt, exc)


def remove(path: str) -> None:
    """The pod's cgroup and anything left under it, deepest first, in every hierarchy. A
    cgroup that still holds a process stays (rmdir refuses it): nothing is killed here."""
    if not path:
        return
    for mnt in hierarchies():
        top = mnt + path
        if not os.path.isdir(top):
            continue
        for dirpath, _dirs, _files in sorted(os.walk(top), key=lambda w: -len(w[0])):
            try:
                os.rmdir(dirpath)
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("removing cgroup %s: %s", dirpath, exc)

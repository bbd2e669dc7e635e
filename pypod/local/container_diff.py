"""diff: what a container changed against its image (A added, C changed, D deleted)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


# what the engine itself puts into every container (mount points, .containerenv): Podman's
# diff leaves these out
_INIT_INODES = frozenset({
    "/dev", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc", "/run", "/run/notify",
    "/run/.containerenv", "/run/secrets", "/run/podman-init", "/sys", "/etc/mtab",
})  # fmt: skip


def diff(engine: LocalEngine, name: str) -> list[tuple[str, str]]:
    from pypod.local.container_storage import layers

    cid = lk.one(engine, name)
    return [(k, p) for k, p in layers(engine).changes(cid) if p not in _INIT_INODES]

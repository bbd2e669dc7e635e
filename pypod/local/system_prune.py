"""`system prune`: stopped containers, then dangling (or, with all, unused) images, then unused
volumes (only when asked), through each noun's own prune, in rounds until a round frees
nothing (removing a container can leave its image unused). Sizes are measured before removal:
the reclaimed space is the sum of what each removal freed."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from pypod.domain.system import PruneItem, PruneReport, PruneRequest

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

MAX_ROUNDS = 10  # a guard against a noun that keeps "removing" the same thing


def prune(engine: LocalEngine, req: PruneRequest) -> PruneReport:
    containers: list[PruneItem] = []
    images: list[PruneItem] = []
    volumes: list[PruneItem] = []
    for _ in range(MAX_ROUNDS):
        found = _containers(engine, req, containers)
        found += _images(engine, req, images)
        if req.volumes:
            found += _volumes(engine, req, volumes)
        if not found:
            break
    reclaimed = sum(i.size for i in (*containers, *images, *volumes) if i.error is None)
    return PruneReport(
        containers=tuple(containers),
        images=tuple(images),
        volumes=tuple(volumes),
        reclaimed=reclaimed,
    )


def _containers(engine: LocalEngine, req: PruneRequest, out: list[PruneItem]) -> int:
    reports = engine.containers.prune(list(req.filters))
    out += [PruneItem(id=r.id, size=r.size, error=r.error) for r in reports]
    return sum(1 for r in reports if r.error is None)


def _images(engine: LocalEngine, req: PruneRequest, out: list[PruneItem]) -> int:
    from pypod.domain.images_remove import PruneRequest as ImagePrune

    reports = engine.images.prune(ImagePrune(all=req.all, filters=req.filters))
    out += [PruneItem(id=r.id or r.name, size=r.size, error=r.error) for r in reports]
    return sum(1 for r in reports if r.error is None and r.deleted)


def _volumes(engine: LocalEngine, req: PruneRequest, out: list[PruneItem]) -> int:
    from pypod.local.container_start import volumes_of
    from pypod.storage.changes import tree_size

    vols = volumes_of(engine)
    sizes: dict[str, int] = {}
    for v in engine.container_store.volumes():
        with contextlib.suppress(OSError):
            sizes[v.name] = tree_size(vols.data_path(v.name))
    reports = engine.volumes.prune(list(req.filters))
    out += [PruneItem(id=r.name, size=sizes.get(r.name, 0), error=r.error) for r in reports]
    return sum(1 for r in reports if r.error is None)

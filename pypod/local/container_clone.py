"""container clone: a new container from an existing one's config.

The config is copied whole (process, mounts, security, resources, restart policy) with a new
id, name ("<old>-clone", then -clone1, ...), creation time and log path, new anonymous volumes,
and optionally another image and new resource limits; --destroy removes the original,
--run starts the clone.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import TYPE_CHECKING

from pypod import records
from pypod.domain.containers_ops import CloneRequest, RemoveRequest
from pypod.errors import PypodError
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig, Mount
    from pypod.local.engine import LocalEngine


def _free_name(engine: LocalEngine, base: str) -> str:
    from pypod.local.pods_info import clone_name  # Podman's rule, shared with pod clone

    return clone_name(engine.container_store.name_taken, base)


def _fresh_mounts(engine: LocalEngine, mounts: tuple[Mount, ...]) -> tuple[Mount, ...]:
    """Anonymous volumes are the old container's own: the clone gets new ones."""
    out = []
    for m in mounts:
        if m.type == "volume" and m.source:
            try:
                if engine.container_store.volume(m.source).anonymous:
                    m = records.replace(m, source="")
            except PypodError:
                pass
        out.append(m)
    return tuple(out)


def _new_config(engine: LocalEngine, old: ContainerConfig, req: CloneRequest) -> ContainerConfig:
    from pypod.local.container_storage import layers

    cfg = records.replace(
        old,
        id=secrets.token_hex(32),
        name=req.new_name or _free_name(engine, old.name),
        created=time.time(),
        mounts=_fresh_mounts(engine, old.mounts),
    )
    old_log = os.path.join(layers(engine).userdata_dir(old.id), "ctr.log")
    if cfg.log.path == old_log:
        cfg = records.replace(cfg, log=records.replace(cfg.log, path=""))
    if req.image:
        from pypod.local.image_resolve import find_image

        image = find_image(engine.store, req.image, None)
        name = image.names[0] if image.names else image.id
        cfg = records.replace(cfg, image_id=image.id, image_name=name, raw_image_name=req.image)
    if req.resources is not None:
        from pypod.local.container_update import apply

        cfg = apply(cfg, req.resources)
    if req.pod:
        from pypod.local.pods_create import move_to_pod

        cfg = move_to_pod(engine, cfg, req.pod)
    return cfg


def clone(engine: LocalEngine, req: CloneRequest) -> str:
    """The new container's id."""
    from pypod.local.container_create import _store, _Undo
    from pypod.local.container_start import emit

    cid = lk.one(engine, req.name)
    old, _ = lk.load(engine, cid)
    cfg = _new_config(engine, old, req)
    undo = _Undo()
    try:
        cfg = _store(engine, cfg, {}, undo, generated_name=False)
    except BaseException:
        undo.run()
        raise
    emit(engine, cfg, "create")
    if req.destroy:
        from pypod.local.container_remove import remove

        for r in remove(engine, RemoveRequest(names=(cid,), force=True)):
            if r.error is not None:
                raise r.error
    if req.run:
        from pypod.domain.containers_start import StartRequest

        for s in engine.containers.start(StartRequest(names=(cfg.id,))):
            if s.error is not None:
                raise s.error
    return cfg.id

"""The rmi hooks (LocalEngine.image_users & co.): the containers that use an image."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod.errors import ContainerNotFound

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def image_users(engine: LocalEngine, image_id: str) -> list[str]:
    return engine.container_store.users_of_image(image_id)


def image_user_counts(engine: LocalEngine) -> dict[str, int]:
    """`images`: containers per image id in one query (no container store opened)."""
    import os

    from pypod.core.db import image_user_counts as counts

    return counts(os.path.join(engine.store.graph_root, "containers.db"))


def remove_image_users(engine: LocalEngine, image_id: str) -> None:
    """rmi --force: remove (stopping first) every container of the image."""
    from pypod.domain.containers_ops import RemoveRequest
    from pypod.local.container_remove import remove_one

    for cid in engine.container_store.users_of_image(image_id):
        try:
            remove_one(engine, cid, RemoveRequest(names=(cid,), force=True, depend=True))
        except ContainerNotFound:  # removed meanwhile
            continue

"""`system df`: what images, containers and volumes take on disk.

Images come from the image engine's listing (sizes from the layer records); a container's
size is its RW layer and a volume's the files under its _data directory, both walked on disk
(Podman does the same, which is why df is slow on big stores: it is not on any hot path).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from pypod.domain.system import DfContainer, DfImage, DfReport, DfVolume
from pypod.errors import PypodError
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)


def disk_usage(engine: LocalEngine, verbose: bool = False) -> DfReport:
    """verbose is accepted for the API's sake: the summary needs every size anyway."""
    del verbose
    return DfReport(
        images=tuple(_images(engine)),
        containers=tuple(_containers(engine)),
        volumes=tuple(_volumes(engine)),
    )


def _images(engine: LocalEngine) -> list[DfImage]:
    from pypod.domain.images_list import ListRequest

    out = []
    for row in engine.images.rows(ListRequest()):
        im = row.image
        out.append(
            DfImage(
                repository=row.repository,
                tag=row.tag,
                image_id=im.id,
                created=im.created,
                size=im.size,
                shared_size=im.shared_size,
                unique_size=max(im.size - im.shared_size, 0),
                containers=im.containers,
            )
        )
    return out


def _containers(engine: LocalEngine) -> list[DfContainer]:
    from pypod.core.model import Status
    from pypod.local.container_list import state_word
    from pypod.local.container_recover import current
    from pypod.local.container_storage import layers

    lay = layers(engine)
    out = []
    for config, state in engine.container_store.list():
        state = current(engine, config.id, state)
        size = 0
        with contextlib.suppress(PypodError, OSError):
            size = lay.size(config.id)[0]
        out.append(
            DfContainer(
                id=config.id,
                image=config.image_id,
                command=" ".join(config.process_args),
                local_volumes=sum(1 for m in config.mounts if m.type == "volume"),
                size=size,
                created=config.created,
                status=state_word(state.status),
                names=config.name,
                running=state.status in (Status.RUNNING, Status.PAUSED),
            )
        )
    return out


def _volumes(engine: LocalEngine) -> list[DfVolume]:
    from pypod.local.container_start import volumes_of
    from pypod.storage.changes import tree_size

    store = engine.container_store
    vols = volumes_of(engine)
    out = []
    for v in store.volumes():
        size = 0
        with contextlib.suppress(OSError):
            size = tree_size(vols.data_path(v.name))
        links = len(store.volume_users(v.name))
        out.append(DfVolume(name=v.name, links=links, size=size, reclaimable=0 if links else size))
    return out

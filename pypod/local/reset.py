"""`system reset`: remove everything this store holds."""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import TYPE_CHECKING

from pypod.errors import PypodError

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def reset_store(engine: LocalEngine) -> None:
    _remove_pods_and_containers(engine)
    store = engine.store
    for image_id in list(store.mounted_images()):
        store.unmount_image(image_id, force=True)
    graph_root, run_root = store.graph_root, store.run_root
    store.close()
    for path in (graph_root, run_root):
        if os.path.isdir(path):
            # layers may hold read-only dirs and immutable-looking modes; shutil copes as root and
            # inside the rootless user namespace (the store's files belong to mapped ids there)
            shutil.rmtree(path, ignore_errors=True)
    if engine.rootless:
        from pypod.host.userns import stop_pause_process

        stop_pause_process()


def _remove_pods_and_containers(engine: LocalEngine) -> None:
    """As Podman's reset: pods and containers go first, through their own removal (stop,
    network teardown, cgroups, volumes), so nothing of them outlives the store."""
    from pypod.domain.containers_ops import RemoveRequest
    from pypod.domain.pods import PodTargets

    with contextlib.suppress(PypodError):
        engine.pods.remove(PodTargets(all=True), force=True, timeout_s=0)
    with contextlib.suppress(PypodError):
        engine.containers.remove(RemoveRequest(all=True, force=True, volumes=True, timeout_s=0))

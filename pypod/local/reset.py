"""`system reset`: remove everything this store holds."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def reset_store(engine: LocalEngine) -> None:
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

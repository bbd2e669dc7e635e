"""What the CLI can ask before it builds the engine (cli/quick.py): each answer is exactly
what the engine would give, or None when that cannot be known without building it."""

from __future__ import annotations

import posix  # os.environ without importing os (~1.3 ms); its keys and values are bytes

from pypod.storage import listing_cache


def cached_images_table(root: str | None) -> list[listing_cache.Row] | None:
    """LocalImageEngine.table() when the store's cached table is current, else None.

    The store is found as LocalEngine finds it, minus the cases that need storage.conf: a
    graph root named by $CONTAINERS_STORAGE_CONF, and a driver override, which the engine
    checks against the store by opening it."""
    if b"STORAGE_DRIVER" in posix.environ:
        return None
    if root is None:
        if posix.environ.get(b"CONTAINERS_STORAGE_CONF"):
            return None
        from pypod.config import paths

        root = paths.graph_root()
    return listing_cache.read(root)

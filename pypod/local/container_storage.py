"""The container read-write layers (storage/containers.py) as the ops modules use them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def layers(engine: LocalEngine) -> Any:
    """One ContainerLayers per engine, over the engine's image store."""
    cached = engine.__dict__.get("_container_layers")
    if cached is None:
        from pypod.storage.containers import ContainerLayers

        cached = ContainerLayers(engine.store)
        engine.__dict__["_container_layers"] = cached
    return cached

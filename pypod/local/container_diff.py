"""diff: what a container changed against its image (A added, C changed, D deleted)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def diff(engine: LocalEngine, name: str) -> list[tuple[str, str]]:
    from pypod.local.container_storage import layers

    cid = lk.one(engine, name)
    return list(layers(engine).changes(cid))

"""port: the published ports of containers (container_network.published), as `pypod port`
prints them ("80/tcp -> 0.0.0.0:8080")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypod.domain.containers_ops import PortReport
from pypod.errors import InvalidArgument
from pypod.local import container_lookup as lk
from pypod.local.container_network import published

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def port(engine: LocalEngine, name: str | None, all: bool = False) -> list[PortReport]:
    if all and name:
        raise InvalidArgument("the --all and --latest options do not require arguments")
    if all:
        rows = engine.container_store.list()
        return [PortReport(id=c.id, name=c.name, ports=tuple(published(c))) for c, _ in rows]
    if not name:
        raise InvalidArgument("you must supply a running container name or id")
    cid = lk.one(engine, name)
    config, _ = lk.load(engine, cid)
    return [PortReport(id=cid, name=config.name, ports=tuple(published(config)))]

"""rename: a new name for a container, checked and stored under its lock."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pypod import records
from pypod.errors import InvalidArgument
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

# Podman's (and Docker's) rule for container names
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


def rename(engine: LocalEngine, name: str, new_name: str) -> None:
    if not NAME_RE.match(new_name):
        raise InvalidArgument("names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument")
    cid = lk.one(engine, name)
    store = engine.container_store
    with store.locked(cid):
        config, _ = lk.load(engine, cid)
        store.set_config(records.replace(config, name=new_name))  # NameInUse when taken
    lk.emit(engine, records.replace(config, name=new_name), "rename")

"""A container's network record: `<userdata>/network.json`, what setup did, for teardown.

    {"mode": "bridge", "netns": PATH,
     "attachments": {name: {aliases, static_ips, static_mac, interface_name}},
     "networks": {name: netavark's StatusBlock},
     "helper": RootlessNet.to_dict(),          # pasta / slirp4netns of this container
     "rootless_netns": true}                   # rootless bridge: netavark ran in it

It is written as soon as the namespace exists and after setup, connect and disconnect, so
teardown (stop/kill/exit/rm, after conmon died or a crash) finds what to undo without the
process that did it, and can run twice. Also here: the conversions every network module needs.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pypod.errors import PypodError

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine
    from pypod.network.manager import Attachment
    from pypod.network.ports import PortMapping

STATUS_FILE = "network.json"
ROOTLESS_MODES = ("pasta", "slirp4netns")
OWN_NETNS = ("bridge", *ROOTLESS_MODES)


def _status_path(engine: LocalEngine, cid: str) -> str:
    from pypod.local.container_storage import layers

    return os.path.join(layers(engine).userdata_dir(cid), STATUS_FILE)


def read_status(engine: LocalEngine, cid: str) -> dict[str, Any]:
    try:
        with open(_status_path(engine, cid), encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def write_status(engine: LocalEngine, cid: str, doc: dict[str, Any]) -> None:
    path = _status_path(engine, cid)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    os.rename(tmp, path)


def forget_status(engine: LocalEngine, cid: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_status_path(engine, cid))


def port_mappings(config: ContainerConfig) -> list[PortMapping]:
    if not config.ports:
        return []  # spares the port code (ipaddress, socket) for inspect and ps
    from pypod.network.ports import PortMapping

    return [PortMapping(**p) for p in config.ports]


def attachments(atts: Mapping[str, Mapping[str, Any]]) -> dict[str, Attachment]:
    """The record's attachments as the network manager takes them."""
    from pypod.network.manager import Attachment

    return {
        name: Attachment(
            aliases=tuple(a.get("aliases") or ()),
            static_ips=tuple(a.get("static_ips") or ()),
            static_mac=str(a.get("static_mac") or ""),
            interface_name=str(a.get("interface_name") or ""),
        )
        for name, a in atts.items()
    }


def dns_aliases(engine: LocalEngine, config: ContainerConfig) -> dict[str, dict[str, Any]]:
    """The short id is an alias on networks with DNS (as Podman); interface names fixed."""
    store = engine.networks.manager.store
    out: dict[str, dict[str, Any]] = {}
    for i, (name, att) in enumerate(config.networks.items()):
        aliases = list(att.get("aliases") or ())
        with contextlib.suppress(PypodError):
            if store.get(name).dns_enabled and config.short_id not in aliases:
                aliases.append(config.short_id)
        out[name] = {
            **att,
            "aliases": aliases,
            "interface_name": att.get("interface_name") or f"eth{i}",
        }
    return out

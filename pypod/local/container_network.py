"""A container's network: the glue between containers and pypod/network, in six modules.

- network_choice.py: --network and -p at create (NetChoice, choose, default_mode)
- network_setup.py: setup at init, teardown at cleanup (NetInfo)
- network_rootless.py: rootless bridge networks through the store's rootless network namespace
- network_connect.py: network connect / disconnect / reload on a running container
- network_record.py: <userdata>/network.json, what setup did (read_status, write_status)
- network_reports.py: inspect's NetworkSettings and PortBindings, `port`, ps's PORTS

This module keeps the names callers import from it.
"""

from __future__ import annotations

from pypod.local.network_choice import NetChoice, choose, default_mode
from pypod.local.network_connect import connect, disconnect, reload
from pypod.local.network_record import (
    OWN_NETNS,
    ROOTLESS_MODES,
    STATUS_FILE,
    dns_aliases,
    port_mappings,
    read_status,
    write_status,
)
from pypod.local.network_reports import network_settings, port_bindings, ps_ports, published
from pypod.local.network_setup import NetInfo, setup, teardown

__all__ = [
    "OWN_NETNS",
    "ROOTLESS_MODES",
    "STATUS_FILE",
    "NetChoice",
    "NetInfo",
    "choose",
    "connect",
    "default_mode",
    "disconnect",
    "dns_aliases",
    "network_settings",
    "port_bindings",
    "port_mappings",
    "ps_ports",
    "published",
    "read_status",
    "reload",
    "setup",
    "teardown",
    "write_status",
]

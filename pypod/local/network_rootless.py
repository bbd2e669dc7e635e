"""Rootless bridge networks: the store's rootless network namespace around netavark calls.

Root runs netavark in the host's network namespace and needs none of this: every function here
is a no-op (or passes through) when `engine.networks.manager.rootless_netns` is None.

    with using(engine):                 # lock; make sure the namespace and its helper run
        ... manager.setup(..., ports=netavark_ports(engine, ports)) ...
        forward(engine, ports)
    with using(engine, ensure=False):
        unforward(engine, ports); ... manager.teardown(...) ...
        release_if_unused(engine)       # the last user gone: helper and namespace go too

The namespace is in use while any container of the store holds an address (network/ipam.py):
setup allocates under the same lock, so a teardown never removes it under a starting container.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from pypod.log import get_logger
from pypod.records import replace

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine
    from pypod.network.ports import PortMapping
    from pypod.network.rootless import RootlessOptions
    from pypod.network.rootless_netns import RootlessNetns

log = get_logger(__name__)


def _netns(engine: LocalEngine) -> RootlessNetns | None:
    return engine.networks.manager.rootless_netns


def helper_options(engine: LocalEngine) -> RootlessOptions:
    """slirp4netns with containers.conf [engine] network_cmd_path / network_cmd_options."""
    from pypod.network.rootless_netns import helper_options as options

    conf = engine.containers_conf.engine
    return options(
        tuple(getattr(conf, "network_cmd_options", ()) or ()),
        getattr(conf, "network_cmd_path", "") or "",
    )


@contextlib.contextmanager
def using(engine: LocalEngine, *, ensure: bool = True) -> Iterator[None]:
    """Hold the rootless namespace's lock (root: nothing); with ensure, it is up inside."""
    rn = _netns(engine)
    if rn is None:
        yield
        return
    with rn.locked():
        if ensure:
            rn.ensure(helper_options(engine))
        yield


def netavark_ports(engine: LocalEngine, ports: Sequence[PortMapping]) -> list[PortMapping]:
    """Rootless, the forwarded traffic reaches the namespace's own address, not the host IP the
    user named (slirp4netns binds that one): netavark's DNAT must match any address."""
    if _netns(engine) is None:
        return list(ports)
    return [replace(p, host_ip="") for p in ports]


def forward(engine: LocalEngine, ports: Sequence[PortMapping]) -> None:
    rn = _netns(engine)
    if rn is not None:
        rn.forward(ports)


def unforward(engine: LocalEngine, ports: Sequence[PortMapping]) -> None:
    rn = _netns(engine)
    if rn is not None:
        rn.unforward(ports)


def release_if_unused(engine: LocalEngine) -> None:
    """Remove the namespace and stop its helper when no container holds an address."""
    rn = _netns(engine)
    if rn is None:
        return
    users = engine.networks.manager.ipam.all_users()
    if not users:
        rn.remove()
    else:
        log.debug("rootless network namespace still used by %d containers", len(users))

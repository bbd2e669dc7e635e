"""LocalNetworkEngine: the networks noun (pypod.domain.networks.NetworkEngine) in process.

The container layer reaches the netavark machinery (setup/teardown/connect/disconnect/reload
of a container's netns) through `engine.networks.manager` (network.manager.NetworkManager).
Which containers use a network comes from the addresses they hold (network/ipam.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pypod import records
from pypod.domain.networks import NetworkCreateRequest, NetworkReport
from pypod.errors import Conflict, InvalidArgument, NameInUse, NetworkNotFound, PypodError

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine
    from pypod.network.config import Network
    from pypod.network.manager import NetworkManager

Predicate = Callable[["Network"], bool]
LIST_FILTERS = ("name", "id", "driver", "label", "label!", "until", "dangling")
PRUNE_FILTERS = ("label", "label!", "until")


def _labels_match(spec: str, labels: dict[str, str]) -> bool:
    key, sep, value = spec.partition("=")
    return key in labels and (not sep or labels[key] == value)


def _net() -> Any:
    from pypod.local import network_connect

    return network_connect


def _created(net: Network) -> float:
    from pypod.local.image_inspect import parse_time

    return parse_time(net.created) or 0.0


class LocalNetworkEngine:
    def __init__(self, engine: LocalEngine) -> None:
        self._engine = engine

    @cached_property
    def manager(self) -> NetworkManager:
        from pypod.network.manager import NetworkManager

        conf = self._engine.containers_conf.network
        return NetworkManager.open(
            self._engine.graph_root,
            self._engine.run_root,
            rootless=self._engine.rootless,
            default_name=conf.default_network or "podman",
            default_subnet=conf.default_subnet or "10.88.0.0/16",
        )

    # verbs -------------------------------------------------------------------------------------
    def create(self, req: NetworkCreateRequest) -> dict[str, Any]:
        fields = records.asdict(req)
        fields.pop("ignore")
        pools = self._engine.containers_conf.network.default_subnet_pools
        try:
            net = self.manager.store.create(**fields, subnet_pools=pools)
        except NameInUse:
            if req.ignore and req.name:
                return self.manager.store.get(req.name).to_json()
            raise
        self._engine.events.emit("network", "create", name=net.name, id=net.id)
        return net.to_json()

    def list(self, filters: list[str]) -> list[dict[str, Any]]:
        keep = self._predicate(filters, LIST_FILTERS)
        return [n.to_json() for n in self.manager.store.list() if keep(n)]

    def inspect(self, names: list[str]) -> list[dict[str, Any]]:
        return [self.manager.store.get(n).to_json() for n in names]

    def exists(self, name: str) -> bool:
        return self.manager.store.exists(name)

    def remove(
        self, names: list[str], force: bool = False, timeout_s: int | None = None
    ) -> list[NetworkReport]:
        """As Podman, force also ignores unknown names, and a network in use ends the command
        (the names after it are not tried)."""
        reports: list[NetworkReport] = []
        for key in names:
            try:
                reports.append(NetworkReport(name=self._remove_one(key, force, timeout_s)))
            except NetworkNotFound as exc:
                if not force:
                    reports.append(NetworkReport(name=key, error=exc))
            except Conflict as exc:
                reports.append(NetworkReport(name=key, error=exc))
                break
            except PypodError as exc:
                reports.append(NetworkReport(name=key, error=exc))
        return reports

    def _users(self) -> dict[str, set[str]]:
        """Network name -> ids of the containers using it: configured on it (created or
        running, as Podman counts them) or holding an address on it."""
        out: dict[str, set[str]] = {}
        for brief, _state in self._engine.container_store.list_brief():
            for name in brief.networks:
                out.setdefault(name, set()).add(brief.id)
        for net in self.manager.store.list():
            out.setdefault(net.name, set()).update(self.manager.ipam.users(net))
        return out

    def _remove_one(self, key: str, force: bool, timeout_s: int | None) -> str:
        store = self.manager.store
        net = store.get(key)
        if net.name == store.default_name:
            raise InvalidArgument(f"default network {net.name} cannot be removed")
        users = sorted(self._users().get(net.name, ()))
        if users and not force:
            raise Conflict(
                f'"{net.name}" has associated containers with it. Use -f to forcibly delete '
                "containers and pods: network is being used"
            )
        if users:
            from pypod.domain.containers_ops import RemoveRequest

            reports = self._engine.containers.remove(
                RemoveRequest(names=tuple(users), force=True, timeout_s=timeout_s, ignore=True)
            )
            for r in reports:
                if getattr(r, "error", None) is not None:
                    raise r.error  # type: ignore[misc]
        store.remove(net.name)
        self.manager.ipam.forget(net)
        self._engine.events.emit("network", "remove", name=net.name, id=net.id)
        return net.name

    def prune(self, filters: list[str]) -> list[NetworkReport]:
        keep = self._predicate(filters, PRUNE_FILTERS)
        store = self.manager.store
        reports: list[NetworkReport] = []
        users = self._users()
        for net in store.list():
            if net.name == store.default_name or not keep(net):
                continue
            if users.get(net.name):
                continue
            try:
                reports.append(NetworkReport(name=self._remove_one(net.name, False, None)))
            except PypodError as exc:
                reports.append(NetworkReport(name=net.name, error=exc))
        return reports

    def update(self, name: str, dns_add: list[str], dns_drop: list[str]) -> None:
        import os

        if not dns_add and not dns_drop:
            raise InvalidArgument("no updates specified: use --dns-add or --dns-drop")
        net = self.manager.store.update_dns(name, dns_add, dns_drop)
        # a running aardvark-dns serving this network learns the new upstream servers
        aardvark_conf = os.path.join(self.manager.netavark.config_dir, "aardvark-dns", net.name)
        if os.path.exists(aardvark_conf):
            self.manager.netavark.update_dns(net.name, net.network_dns_servers)

    def reload(
        self, containers: list[str], all: bool = False, latest: bool = False
    ) -> list[NetworkReport]:
        """Teardown (errors ignored) and setup again, with the addresses each running
        container holds; containers not on a bridge network have nothing to reload."""
        from pypod.local import container_lookup as lk

        if all and (containers or latest):
            raise InvalidArgument("--all and --latest or containers cannot be used together")
        if not (all or latest or containers):
            raise InvalidArgument("you must provide at least one container name or ID")
        reports = []
        for key, found in lk.targets(self._engine, containers, all=all, latest=latest):
            if isinstance(found, Exception):
                reports.append(NetworkReport(name=key, error=found))
                continue
            try:
                self._locked_op(found, lambda e, c: _net().reload(e, c), reload_all=all,
                                reload_one=not all)  # fmt: skip
                reports.append(NetworkReport(name=found))
            except PypodError as exc:
                reports.append(NetworkReport(name=key, error=exc))
        return reports

    def connect(
        self, network: str, container: str, aliases: list[str], ip: str = "", mac: str = ""
    ) -> None:
        cid = self._engine.container_store.lookup(container)
        self.manager.store.get(network)  # an unknown network fails before the state check
        self._locked_op(cid, lambda e, c: _net().connect(e, c, network, tuple(aliases), ip, mac))
        self._engine.events.emit("network", "connect", name=network, id=cid)

    def disconnect(self, network: str, container: str) -> None:
        cid = self._engine.container_store.lookup(container)
        self.manager.store.get(network)  # an unknown network fails before the state check
        self._locked_op(cid, lambda e, c: _net().disconnect(e, c, network))
        self._engine.events.emit("network", "disconnect", name=network, id=cid)

    def _locked_op(
        self, cid: str, op: Callable[[LocalEngine, Any], None], *, reload_all: bool = False,
        reload_one: bool = False,
    ) -> None:  # fmt: skip
        """op under the container's lock. Reloading needs a running container (--all skips
        the others); connect and disconnect work in any state, as Podman's."""
        from pypod.core.model import Status
        from pypod.local.container_recover import sync_state

        with self._engine.container_store.locked(cid):
            config, state = sync_state(self._engine, cid)
            if (reload_all or reload_one) and state.status not in (Status.RUNNING, Status.PAUSED):
                if reload_all:
                    return
                raise InvalidArgument(f"container {config.name} is not running")
            op(self._engine, config)

    # filters -----------------------------------------------------------------------------------
    def _predicate(self, filters: list[str], allowed: tuple[str, ...]) -> Predicate:
        groups: dict[str, list[str]] = {}
        for f in filters:
            key, sep, value = f.partition("=")
            if not sep:
                raise InvalidArgument(
                    f"filter input must be in the form of filter=value: {f} is invalid"
                )
            if key not in allowed:
                raise InvalidArgument(f'invalid filter "{key}"')
            groups.setdefault(key, []).append(value)
        preds = [self._one_key(key, values) for key, values in groups.items()]
        return lambda n: all(p(n) for p in preds)

    def _one_key(self, key: str, values: list[str]) -> Predicate:
        if key == "label!":
            return lambda n: not any(_labels_match(x, n.labels) for x in values)
        if key == "until":
            from pypod.local.image_list import parse_until

            limit = parse_until(values[-1])
            return lambda n: _created(n) < limit
        if key == "dangling":
            want = values[-1].lower() in ("true", "1")
            if values[-1].lower() not in ("true", "1", "false", "0"):
                raise InvalidArgument(f'invalid dangling filter value "{values[-1]}"')
            users = self._users()
            default = self.manager.store.default_name
            # as Podman, the default network is never dangling
            return lambda n: (n.name != default and not users.get(n.name)) == want
        alternatives = [self._simple(key, x) for x in values]
        return lambda n: any(p(n) for p in alternatives)

    @staticmethod
    def _simple(key: str, value: str) -> Predicate:
        if key == "name":
            try:
                pattern = re.compile(value)
            except re.error as exc:
                raise InvalidArgument(f"invalid name filter {value!r}: {exc}") from exc
            return lambda n: pattern.search(n.name) is not None
        if key == "id":
            return lambda n: n.id.startswith(value)
        if key == "driver":
            return lambda n: n.driver == value
        return lambda n: _labels_match(value, n.labels)  # label

"""LocalVolumeEngine: the volumes noun (pypod.domain.volumes.VolumeEngine) in process.

The container engine reaches the volume machinery (mount/unmount with a reference count,
copy-up, chown on first use) through `engine.volumes.manager` (core.volumes.Volumes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO

from pypod.core.events import format_time_rfc3339
from pypod.domain.volumes import VolumeRmReport
from pypod.errors import (
    Conflict,
    InvalidArgument,
    PypodError,
    VolumeInUse,
    VolumeNotFound,
)

if TYPE_CHECKING:
    from pypod.core.containers import ContainerStore
    from pypod.core.model import VolumeConfig
    from pypod.core.volumes import Volumes
    from pypod.local.engine import LocalEngine

Predicate = Callable[["VolumeConfig"], bool]
LIST_FILTERS = ("name", "driver", "scope", "label", "label!", "opt", "dangling", "until")
PRUNE_FILTERS = ("label", "label!", "until")


def _labels_match(spec: str, labels: dict[str, str]) -> bool:
    key, sep, value = spec.partition("=")
    return key in labels and (not sep or labels[key] == value)


def _bool(key: str, value: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InvalidArgument(
        f'"{value}" is not a valid value for the "{key}" filter - must be true or false'
    )


class LocalVolumeEngine:
    def __init__(self, engine: LocalEngine) -> None:
        self._engine = engine

    @property
    def _store(self) -> ContainerStore:
        return self._engine.container_store

    @cached_property
    def manager(self) -> Volumes:
        from pypod.core.volumes import Volumes

        return Volumes(self._store, self._store.graph_root, self._engine.events)

    # documents -------------------------------------------------------------------------------
    def document(self, v: VolumeConfig) -> dict[str, Any]:
        """Podman's volume JSON."""
        state = self._store.volume_state(v.name)
        doc: dict[str, Any] = {
            "Name": v.name,
            "Driver": v.driver,
            "Mountpoint": self.manager.data_path(v.name),
            "CreatedAt": format_time_rfc3339(int(v.created * 1e9)),
            "Labels": dict(v.labels),
            "Scope": "local",
            "Options": dict(sorted(v.options.items())),
        }
        # Podman omits UID, GID, Anonymous, NeedsCopyUp and NeedsChown when zero or false
        if v.uid > 0:
            doc["UID"] = v.uid
        if v.gid > 0:
            doc["GID"] = v.gid
        if v.anonymous:
            doc["Anonymous"] = True
        # Podman counts mounts of volumes it mounts (-o type=...) only; a plain directory's
        # count stays 0 however many containers use it
        mounted = self.manager.needs_mount(v)
        doc["MountCount"] = int(state.get("mount_count", 0)) if mounted else 0
        nocopy = "nocopy" in v.options and "copy" not in v.options
        if not nocopy and not state.get("copied_up"):
            doc["NeedsCopyUp"] = True
        if v.uid < 0 and v.gid < 0 and not state.get("chowned"):
            doc["NeedsChown"] = True
        return doc

    # verbs -------------------------------------------------------------------------------------
    def create(
        self,
        name: str,
        driver: str = "local",
        options: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        ignore: bool = False,
    ) -> str:
        from pypod.core.volumes import NAME_RE

        if name and not NAME_RE.match(name):
            raise InvalidArgument(
                "running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
                "invalid argument"
            )
        if driver not in ("local", ""):
            raise InvalidArgument(
                f"volume {name} uses volume plugin {driver} but it could not be retrieved: "
                f"no volume plugin with name {driver} available: required plugin missing"
            )
        try:
            return self.manager.create(
                name, driver=driver or "local", options=options, labels=labels
            ).name
        except Conflict:
            if ignore and name:
                return self._store.volume(name).name
            raise

    def list(self, filters: list[str]) -> list[dict[str, Any]]:
        keep = self._predicate(filters, LIST_FILTERS)
        return [self.document(v) for v in self._store.volumes() if keep(v)]

    def inspect(self, names: list[str], all: bool = False) -> list[dict[str, Any]]:
        if all:
            return [self.document(v) for v in self._store.volumes()]
        return [self.document(self._store.volume(n)) for n in names]

    def exists(self, name: str) -> bool:
        try:
            self._store.volume_state(name)  # exact name, as Podman's HasVolume
        except VolumeNotFound:
            return False
        return True

    def remove(
        self,
        names: list[str],
        force: bool = False,
        all: bool = False,
        ignore: bool = False,
        timeout_s: int | None = None,
    ) -> list[VolumeRmReport]:
        """As Podman: every name is looked up first (failures reported first, none with
        ignore), then the volumes found are removed in order."""
        reports: list[VolumeRmReport] = []
        targets: list[str] = [v.name for v in self._store.volumes()] if all else list(names)
        found: list[str] = []
        for key in targets:
            try:
                found.append(self._store.volume(key).name)
            except VolumeNotFound as exc:
                if not ignore:
                    reports.append(VolumeRmReport(name=key, error=exc))
        for name in found:
            try:
                self._remove_one(name, force, timeout_s)
                reports.append(VolumeRmReport(name=name))
            except PypodError as exc:
                reports.append(VolumeRmReport(name=name, error=exc))
        return reports

    def _remove_one(self, name: str, force: bool, timeout_s: int | None = None) -> None:
        users = self._store.volume_users(name)
        if users and not force:
            raise VolumeInUse(
                f"volume {name} is being used by the following container(s): "
                f"{', '.join(users)}: volume is being used"
            )
        if users:
            self._remove_containers(name, users, timeout_s)
        self.manager.remove(name)

    def _remove_containers(self, name: str, users: list[str], timeout_s: int | None) -> None:
        """rm -f: the containers using the volume go first, through the container engine."""
        try:
            from pypod.domain.containers_ops import RemoveRequest
        except ImportError:
            raise VolumeInUse(
                f"volume {name} is being used by the following container(s): "
                f"{', '.join(users)}: volume is being used"
            ) from None
        reports = self._engine.containers.remove(
            RemoveRequest(names=tuple(users), force=True, ignore=True, timeout_s=timeout_s)
        )
        for r in reports:
            if r.error is not None:
                raise PypodError(f"removing container {r.name} using volume {name}: {r.error}")

    def prune(self, filters: list[str]) -> list[VolumeRmReport]:
        keep = self._predicate(filters, PRUNE_FILTERS)
        in_use = self._store.volumes_in_use()
        reports: list[VolumeRmReport] = []
        for v in self._store.volumes():
            if v.name in in_use or not keep(v):
                continue
            try:
                self._remove_one(v.name, force=False)
                reports.append(VolumeRmReport(name=v.name))
            except VolumeInUse:
                continue  # a container took it meanwhile
            except PypodError as exc:
                reports.append(VolumeRmReport(name=v.name, error=exc))
        if self._engine.events is not None:
            self._engine.events.emit("volume", "prune")
        return reports

    def export(self, name: str, output: BinaryIO) -> None:
        self.manager.export(name, output)

    def import_(self, name: str, source: BinaryIO) -> None:
        self.manager.import_(name, source)

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
                raise InvalidArgument(f'"{key}" is an invalid volume filter')
            groups.setdefault(key, []).append(value)
        preds = [self._one_key(key, values) for key, values in groups.items()]
        return lambda v: all(p(v) for p in preds)

    def _one_key(self, key: str, values: list[str]) -> Predicate:
        """Values of one key are ORed (label! values ANDed: none of them may match)."""
        if key == "label!":
            return lambda v: not any(_labels_match(x, v.labels) for x in values)
        if key in ("dangling", "until"):
            return self._special(key, values[-1])
        alternatives = [self._simple(key, x) for x in values]
        return lambda v: any(p(v) for p in alternatives)

    def _simple(self, key: str, value: str) -> Predicate:
        if key == "name":
            try:
                pattern = re.compile(value)
            except re.error as exc:
                raise InvalidArgument(f"invalid name filter {value!r}: {exc}") from exc
            return lambda v: pattern.search(v.name) is not None
        if key == "driver":
            return lambda v: v.driver == value
        if key == "scope":
            return lambda _v: value == "local"
        if key == "opt":
            return lambda v: _labels_match(value, v.options)
        return lambda v: _labels_match(value, v.labels)  # label

    def _special(self, key: str, value: str) -> Predicate:
        if key == "dangling":
            want = _bool(key, value)
            in_use = self._store.volumes_in_use()
            return lambda v: (v.name not in in_use) == want
        from pypod.local.image_list import parse_until

        limit = parse_until(value)
        return lambda v: v.created < limit

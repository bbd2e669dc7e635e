"""LocalImageEngine: the images noun (pypod.domain.images.ImageEngine) in process.

A thin facade: each verb lives in a topic module (image_pull, image_list, image_remove,
image_inspect, image_archive, image_import, image_mount, image_login), imported when called so
`pypod images` never loads the registry client, httpx or tarfile.

Containers come later: `users(image_id)` asks the engine's optional `image_users` hook which
containers use an image, and `remove_image_users` removes them for `rmi --force`.
"""

from __future__ import annotations

import os

from pypod.domain import images as d
from pypod.errors import ImageNotFound, PypodError

TYPE_CHECKING = False  # no typing on `images`' start-up path
if TYPE_CHECKING:
    from typing import Any

    from pypod.local.engine import LocalEngine


class LocalImageEngine:
    def __init__(self, engine: LocalEngine) -> None:
        self._engine = engine

    # hooks for containers ------------------------------------------------------------------
    def _users(self, image_id: str) -> list[str]:
        hook = getattr(self._engine, "image_users", None)
        return list(hook(image_id)) if hook is not None else []

    def _remove_users(self) -> Any:
        return getattr(self._engine, "remove_image_users", None)

    @property
    def _store(self) -> Any:
        return self._engine.store

    def _event(self, status: str, *, id: str = "", name: str = "") -> None:
        """Podman's image events (pull, push, tag, untag, remove, save, load, import)."""
        events = getattr(self._engine, "events", None)
        if events is not None:
            events.emit("image", status, id=id, name=name)

    def _full_names(self, names: list[str]) -> list[str]:
        from pypod.local.image_resolve import normalize_name

        out = []
        for n in names:
            try:
                out.append(normalize_name(n))
            except PypodError:
                out.append(n)
        return out

    def _removal_events(self, reports: list[d.RemoveReport]) -> list[d.RemoveReport]:
        for r in reports:
            if r.error is None:
                for n in r.untagged:
                    self._event("untag", id=r.id, name=n)
                if r.deleted:
                    self._event("remove", id=r.id, name=r.name)
        return reports

    def _find(self, name: str) -> Any:
        from pypod.local.image_resolve import find_image

        return find_image(self._store, name, self._engine.registries)

    # registry traffic ------------------------------------------------------------------------
    def pull(self, req: d.PullRequest) -> d.PullReport:
        from pypod.local.image_pull import pull

        report = pull(self._engine, req)
        for image_id in report.images:
            self._event("pull", id=image_id, name=req.reference)
        return report

    def push(self, req: d.PushRequest) -> d.PushReport:
        from pypod.local.image_pull import push

        report = push(self._engine, req)
        self._event("push", name=req.destination or req.source)
        return report

    def copy(self, req: d.CopyRequest) -> d.CopyReport:
        from pypod.local.image_pull import copy

        return copy(self._engine, req)

    def search(self, req: d.SearchRequest) -> list[d.SearchReport]:
        from pypod.local.image_login import search

        return search(self._engine, req)

    def login(self, req: d.LoginRequest) -> str:
        from pypod.local.image_login import login

        return login(self._engine, req)

    def logout(self, req: d.LogoutRequest) -> None:
        from pypod.local.image_login import logout

        logout(self._engine, req)

    def inspect_remote(self, name: str, registry: d.RegistryOptions) -> dict[str, Any]:
        from pypod.local.image_login import inspect_remote

        return inspect_remote(self._engine, name, registry)

    # reading -----------------------------------------------------------------------------------
    def list(self, req: d.ListRequest) -> list[d.ImageSummary]:
        from pypod.local.image_list import list_images

        counts_hook = getattr(self._engine, "image_user_counts", None)
        if counts_hook is not None:
            counts: dict[str, int] = counts_hook()
            return list_images(self._store, req, lambda image_id: counts.get(image_id, 0))
        users = self._users
        return list_images(self._store, req, lambda image_id: len(users(image_id)))

    def rows(self, req: d.ListRequest) -> list[d.ImageRow]:
        from pypod.local.image_list import rows

        return rows(self.list(req), req.sort)

    def table(self) -> list[tuple[str, str, str, float, int]]:
        from pypod.storage import listing_cache

        opts = self._engine.options
        # a driver named on the command line is checked against the store's by opening it
        checked = not (opts.storage_driver or opts.storage_opts or "STORAGE_DRIVER" in os.environ)
        cached = listing_cache.read(self._engine.graph_root) if checked else None
        if cached is not None:
            return cached
        from pypod.local.image_list import list_images, rows

        store = self._store  # opened (and cleaned up: writes) before the shared lock
        with listing_cache.filling(store.graph_root) as save:
            req = d.ListRequest()
            # the default table shows no container counts: skip the container database
            table = [
                (r.repository, r.tag, r.image.id, r.image.created, r.image.size)
                for r in rows(list_images(store, req, lambda _image_id: 0), req.sort)
            ]
            save(table)
        return table

    def exists(self, name: str) -> bool:
        try:
            self._find(name)
        except ImageNotFound:
            return False
        return True

    def inspect(self, names: list[str]) -> list[d.InspectReport]:
        from pypod.local.image_inspect import inspect_doc

        reports = []
        with self._store.reading():
            for name in names:
                try:
                    doc = inspect_doc(self._store, self._find(name))
                except PypodError as exc:
                    reports.append(d.InspectReport(name=name, error=exc))
                    continue
                reports.append(d.InspectReport(name=name, data=doc))
        return reports

    def history(self, name: str) -> list[d.HistoryEntry]:
        from pypod.local.image_inspect import history

        with self._store.reading():
            return history(self._store, self._find(name))

    def tree(self, name: str, what_requires: bool = False) -> d.ImageTree:
        from pypod.local.image_inspect import tree

        with self._store.reading():
            return tree(self._store, self._find(name), what_requires)

    # changing names and images -------------------------------------------------------------------
    def tag(self, name: str, new_names: list[str]) -> None:
        from pypod.local.image_remove import tag

        tag(self._store, name, new_names, self._engine.registries)
        image_id = self._find(name).id
        for n in self._full_names(new_names):
            self._event("tag", id=image_id, name=n)

    def untag(self, name: str, names: list[str]) -> None:
        from pypod.local.image_remove import untag

        image = self._find(name)
        untag(self._store, name, names, self._engine.registries)
        for n in self._full_names(names) if names else list(image.names):
            self._event("untag", id=image.id, name=n)

    def remove(self, req: d.RemoveRequest) -> list[d.RemoveReport]:
        from pypod.local.image_remove import remove

        return self._removal_events(
            remove(self._store, req, self._users, self._remove_users(), self._engine.registries)
        )

    def prune(self, req: d.PruneRequest) -> list[d.RemoveReport]:
        from pypod.local.image_remove import prune

        return self._removal_events(prune(self._store, req, self._users))

    # archives -----------------------------------------------------------------------------------
    def save(self, req: d.SaveRequest) -> None:
        from pypod.local.image_archive import save

        save(self._engine, req)
        for n in req.names:
            self._event("save", name=n)

    def load(self, req: d.LoadRequest) -> d.LoadReport:
        from pypod.local.image_archive import load

        report = load(self._engine, req)
        for n in report.names:
            self._event("load", name=n)
        return report

    def import_image(self, req: d.ImportRequest) -> str:
        from pypod.local.image_import import import_image
        from pypod.local.image_pull import Reporter

        image_id = import_image(self._engine, req, Reporter(req.progress))
        self._event("import", id=image_id, name=req.reference)
        return image_id

    # mounts -------------------------------------------------------------------------------------
    def mount(self, names: list[str]) -> list[d.MountReport]:
        from pypod.local.image_mount import mount

        return mount(self._engine, names)

    def mounted(self) -> list[d.MountReport]:
        from pypod.local.image_mount import mounted

        return mounted(self._engine)

    def unmount(
        self, names: list[str], all: bool = False, force: bool = False
    ) -> list[d.MountReport]:
        from pypod.local.image_mount import unmount

        return unmount(self._engine, names, all, force)

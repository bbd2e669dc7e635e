"""Images noun: the ImageEngine protocol every front end calls; its requests and reports live in
the images_* modules next to this one, split by verb so a command imports only its own types.

Multi-target verbs (remove, inspect, mount, unmount, prune) return one report per target, with
the error for that target in the report, so `rmi a b c` acts on every name and reports every
failure the same way locally and remotely. Single-target verbs raise PypodError subclasses.

Timestamps are unix seconds (float); sizes are bytes. Inspect documents are dicts with Podman's
JSON keys because they are exactly what `inspect` prints and what the REST API returns.

`from pypod.domain.images import X` still works for every request/report type (resolved lazily by
__getattr__, so it costs only X's module); code on a start-up path imports the images_* module.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    from pypod.domain.images_detail import (
        HistoryEntry,
        ImageTree,
        InspectReport,
        MountReport,
    )
    from pypod.domain.images_list import ImageRow, ImageSummary, ListRequest
    from pypod.domain.images_options import RegistryOptions
    from pypod.domain.images_registry import (
        LoginRequest,
        LogoutRequest,
        SearchReport,
        SearchRequest,
    )
    from pypod.domain.images_remove import PruneRequest, RemoveReport, RemoveRequest
    from pypod.domain.images_transfer import (
        CopyReport,
        CopyRequest,
        ImportRequest,
        LoadReport,
        LoadRequest,
        PullReport,
        PullRequest,
        PushReport,
        PushRequest,
        SaveRequest,
    )

_HOMES = {
    "PullPolicy": "pypod.domain.images_options",
    "RegistryOptions": "pypod.domain.images_options",
    "Platform": "pypod.domain.images_options",
    "CopyProgress": "pypod.domain.images_options",
    "ProgressCallback": "pypod.domain.images_options",
    "PullRequest": "pypod.domain.images_transfer",
    "PullReport": "pypod.domain.images_transfer",
    "PushRequest": "pypod.domain.images_transfer",
    "PushReport": "pypod.domain.images_transfer",
    "CopyRequest": "pypod.domain.images_transfer",
    "CopyReport": "pypod.domain.images_transfer",
    "SaveRequest": "pypod.domain.images_transfer",
    "LoadRequest": "pypod.domain.images_transfer",
    "LoadReport": "pypod.domain.images_transfer",
    "ImportRequest": "pypod.domain.images_transfer",
    "SearchRequest": "pypod.domain.images_registry",
    "SearchReport": "pypod.domain.images_registry",
    "LoginRequest": "pypod.domain.images_registry",
    "LogoutRequest": "pypod.domain.images_registry",
    "ListRequest": "pypod.domain.images_list",
    "ImageSummary": "pypod.domain.images_list",
    "ImageRow": "pypod.domain.images_list",
    "InspectReport": "pypod.domain.images_detail",
    "HistoryEntry": "pypod.domain.images_detail",
    "TreeLayer": "pypod.domain.images_detail",
    "ImageTree": "pypod.domain.images_detail",
    "MountReport": "pypod.domain.images_detail",
    "RemoveRequest": "pypod.domain.images_remove",
    "RemoveReport": "pypod.domain.images_remove",
    "PruneRequest": "pypod.domain.images_remove",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)


if TYPE_CHECKING:  # the engine interface is for type checkers: no typing at run time

    class ImageEngine(Protocol):
        def pull(self, req: PullRequest) -> PullReport: ...

        def push(self, req: PushRequest) -> PushReport: ...

        def copy(self, req: CopyRequest) -> CopyReport: ...

        def list(self, req: ListRequest) -> list[ImageSummary]: ...

        def rows(self, req: ListRequest) -> list[ImageRow]:
            """`images` lines: one per name (one `<none>` row for an untagged image), sorted."""
            ...

        def table(self) -> list[tuple[str, str, str, float, int]]:
            """The lines of `images` without flags, as (repository, tag, image id, created, size):
            rows(ListRequest()) reduced to the default table's columns. Cached beside the store,
            so that this common command does not open the database."""
            ...

        def exists(self, name: str) -> bool: ...

        def inspect(self, names: list[str]) -> list[InspectReport]: ...

        def inspect_remote(self, name: str, registry: RegistryOptions) -> dict[str, Any]:
            """skopeo-inspect style document for TRANSPORT:NAME without pulling it."""
            ...

        def history(self, name: str) -> list[HistoryEntry]: ...

        def tree(self, name: str, what_requires: bool = False) -> ImageTree: ...

        def tag(self, name: str, new_names: list[str]) -> None: ...

        def untag(self, name: str, names: list[str]) -> None:
            """No names = remove all of the image's names."""
            ...

        def remove(self, req: RemoveRequest) -> list[RemoveReport]: ...

        def prune(self, req: PruneRequest) -> list[RemoveReport]: ...

        def save(self, req: SaveRequest) -> None: ...

        def load(self, req: LoadRequest) -> LoadReport: ...

        def import_image(self, req: ImportRequest) -> str:
            """Returns the new image's full id."""
            ...

        def mount(self, names: list[str]) -> list[MountReport]: ...

        def mounted(self) -> list[MountReport]: ...

        def unmount(
            self, names: list[str], all: bool = False, force: bool = False
        ) -> list[MountReport]: ...

        def search(self, req: SearchRequest) -> list[SearchReport]: ...

        def login(self, req: LoginRequest) -> str:
            """Validates and stores the credentials; with get_login, returns the stored user
            name."""
            ...

        def logout(self, req: LogoutRequest) -> None: ...

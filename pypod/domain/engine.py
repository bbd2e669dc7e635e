"""The engine: one object per command invocation, one attribute per noun."""

from __future__ import annotations

from pypod.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    from pypod.domain.containers import ContainerEngine
    from pypod.domain.images import ImageEngine
    from pypod.domain.networks import NetworkEngine
    from pypod.domain.pods import PodEngine
    from pypod.domain.system import SystemEngine
    from pypod.domain.volumes import VolumeEngine


@record
class EngineOptions:
    """Podman's global flags; None means "from the configuration files"."""

    root: str | None = None
    runroot: str | None = None
    storage_driver: str | None = None
    storage_opts: tuple[str, ...] = ()
    tmpdir: str | None = None
    runtime: str | None = None
    cgroup_manager: str | None = None
    conmon: str | None = None
    registries_conf: str | None = None
    events_backend: str | None = None


if TYPE_CHECKING:  # the engine interface is for type checkers: no typing at run time

    class Engine(Protocol):
        @property
        def images(self) -> ImageEngine: ...

        @property
        def containers(self) -> ContainerEngine: ...

        @property
        def volumes(self) -> VolumeEngine: ...

        @property
        def networks(self) -> NetworkEngine: ...

        @property
        def system(self) -> SystemEngine: ...

        @property
        def pods(self) -> PodEngine: ...

        def close(self) -> None: ...

"""LocalEngine: the engine API implemented in this process.

Built once per command. Everything is opened lazily, so `pypod version` never touches storage
and a rootless command enters its user namespace only when it first needs the store.
"""

from __future__ import annotations

import os

from pypod.domain.engine import EngineOptions

TYPE_CHECKING = False  # neither typing nor functools (collections, reprlib) on every command
if TYPE_CHECKING:
    from functools import cached_property
    from typing import Any

    from pypod.config.containers_conf import ContainersConf
    from pypod.config.registries_conf import RegistriesConf
    from pypod.config.storage_conf import StorageConf
    from pypod.core.containers import ContainerStore
    from pypod.core.events import EventLog
    from pypod.local.containers import LocalContainerEngine
    from pypod.local.images import LocalImageEngine
    from pypod.local.networks import LocalNetworkEngine
    from pypod.local.pods import LocalPodEngine
    from pypod.local.system import LocalSystemEngine
    from pypod.local.volumes import LocalVolumeEngine
    from pypod.runtime.types import Runtime
    from pypod.storage.store import Store


if not TYPE_CHECKING:

    class cached_property:  # functools.cached_property without functools
        """Computed on first access, then stored in the instance's __dict__."""

        def __init__(self, fn: Any) -> None:
            self.fn = fn
            self.name = fn.__name__
            self.__doc__ = fn.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, obj: Any, owner: type | None = None) -> Any:
            if obj is None:
                return self
            value = obj.__dict__[self.name] = self.fn(obj)
            return value


class LocalEngine:
    def __init__(self, options: EngineOptions) -> None:
        self.options = options

    # configuration -----------------------------------------------------------------------------
    @cached_property
    def rootless(self) -> bool:
        from pypod.config.paths import is_rootless

        return is_rootless()

    @cached_property
    def containers_conf(self) -> ContainersConf:
        from pypod.config.containers_conf import ContainersConf

        return ContainersConf.load()

    @cached_property
    def storage_conf(self) -> StorageConf:
        from pypod.config.storage_conf import StorageConf

        return StorageConf.load()

    @cached_property
    def registries(self) -> RegistriesConf:
        from pypod.config.registries_conf import RegistriesConf

        if self.options.registries_conf:
            return RegistriesConf.load(paths=[self.options.registries_conf])
        return RegistriesConf.load()

    @property
    def graph_root(self) -> str:
        return self.options.root or self.storage_conf.graph_root

    @property
    def run_root(self) -> str:
        return self.options.runroot or self.storage_conf.run_root

    @property
    def tmp_dir(self) -> str:
        return self.options.tmpdir or self.containers_conf.engine.image_copy_tmp_dir or "/var/tmp"

    # storage -----------------------------------------------------------------------------------
    def enter_userns(self) -> None:
        """Rootless: join (or create) the user namespace holding the store's ids and mounts."""
        if os.geteuid() != 0:
            from pypod.host.userns import ensure_userns

            ensure_userns()

    @cached_property
    def store(self) -> Store:
        self.enter_userns()
        from pypod.storage.store import Store

        driver = (
            self.options.storage_driver
            or os.environ.get("STORAGE_DRIVER")
            or (self.storage_conf.driver)
        )
        opts = self.options.storage_opts or tuple(self.storage_conf.options_list())
        return Store.open(self.graph_root, self.run_root, driver, opts, rootless=self.rootless)

    def system_context(self, **overrides: Any) -> Any:
        """The transports' SystemContext with this engine's registries and store."""
        from pypod.image.types import SystemContext

        fields: dict[str, Any] = {"registries": self.registries}
        fields.update(overrides)
        return SystemContext(**fields)

    # nouns -------------------------------------------------------------------------------------
    @cached_property
    def images(self) -> LocalImageEngine:
        from pypod.local.images import LocalImageEngine

        return LocalImageEngine(self)

    @cached_property
    def containers(self) -> LocalContainerEngine:
        from pypod.local.containers import LocalContainerEngine

        return LocalContainerEngine(self)

    @cached_property
    def volumes(self) -> LocalVolumeEngine:
        from pypod.local.volumes import LocalVolumeEngine

        return LocalVolumeEngine(self)

    @cached_property
    def networks(self) -> LocalNetworkEngine:
        from pypod.local.networks import LocalNetworkEngine

        return LocalNetworkEngine(self)

    @cached_property
    def pods(self) -> LocalPodEngine:
        from pypod.local.pods import LocalPodEngine

        return LocalPodEngine(self)

    @cached_property
    def container_store(self) -> ContainerStore:
        """Container and volume records; opened after the image store (same namespace)."""
        store = self.store  # enters the user namespace first when rootless
        from pypod.core.containers import ContainerStore

        return ContainerStore.open(store.graph_root, store.run_root)

    @cached_property
    def runtime(self) -> Runtime:
        """The OCI runtime (through conmon) chosen for this host; see runtime/select.py."""
        from pypod.runtime.conmon import open_runtime

        return open_runtime(self)

    @cached_property
    def events(self) -> EventLog:
        """The event log (Podman's file backend; --events-backend none disables it)."""
        from pypod.core.events import EventLog
        from pypod.errors import PypodError
        from pypod.format.units import parse_size

        conf = self.containers_conf.engine
        backend = self.options.events_backend or conf.events_logger or "file"
        if backend == "journald":  # pypod has no journald writer; keep the events anyway
            backend = "file"
        try:
            max_size = parse_size(conf.events_logfile_max_size or "1m")
        except PypodError:
            max_size = 1024 * 1024
        return EventLog.open(self.run_root, backend, conf.events_logfile_path, max_size)

    @cached_property
    def system(self) -> LocalSystemEngine:
        from pypod.local.system import LocalSystemEngine

        return LocalSystemEngine(self)

    # hooks the image engine calls (rmi, image prune): containers using an image ---------------
    def image_users(self, image_id: str) -> list[str]:
        from pypod.local.container_image_users import image_users

        return image_users(self, image_id)

    def image_user_counts(self) -> dict[str, int]:
        from pypod.local.container_image_users import image_user_counts

        return image_user_counts(self)

    def remove_image_users(self, image_id: str) -> None:
        from pypod.local.container_image_users import remove_image_users

        remove_image_users(self, image_id)

    def close(self) -> None:
        if "container_store" in self.__dict__:
            self.container_store.close()
        if "store" in self.__dict__:
            self.store.close()

"""What a command gets besides its arguments: global options and a lazily built engine."""

from __future__ import annotations

from pypod.cli.parser import Namespace
from pypod.domain.engine import EngineOptions

TYPE_CHECKING = False  # typing's flag without importing typing on every command

if TYPE_CHECKING:
    from pypod.domain.engine import Engine


class Context:
    def __init__(self, options: EngineOptions, command_path: str) -> None:
        self.options = options
        self.command_path = command_path
        self._engine: Engine | None = None

    @classmethod
    def from_args(cls, args: Namespace, command_path: str) -> Context:
        options = EngineOptions(
            root=args.root,
            runroot=args.runroot,
            storage_driver=args.storage_driver,
            storage_opts=tuple(args.storage_opt or ()),
            tmpdir=args.tmpdir,
            runtime=args.runtime,
            cgroup_manager=args.cgroup_manager,
            conmon=args.conmon,
            registries_conf=args.registries_conf,
            events_backend=args.events_backend,
        )
        return cls(options, command_path)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            # the one place the CLI reaches the local implementation; the remote one comes later
            from pypod.local.engine import LocalEngine

            self._engine = LocalEngine(self.options)
        return self._engine

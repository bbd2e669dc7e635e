"""What a command gets besides its arguments: global options and a lazily built engine."""

from __future__ import annotations

import argparse
from functools import cached_property
from typing import TYPE_CHECKING

from pypod.domain.engine import EngineOptions

if TYPE_CHECKING:
    from pypod.domain.engine import Engine


class Context:
    def __init__(self, options: EngineOptions, command_path: str) -> None:
        self.options = options
        self.command_path = command_path

    @classmethod
    def from_args(cls, args: argparse.Namespace, command_path: str) -> Context:
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

    @cached_property
    def engine(self) -> Engine:
        # the one place the CLI reaches the local implementation; the remote one comes later
        from pypod.local.engine import LocalEngine

        return LocalEngine(self.options)

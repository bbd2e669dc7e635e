"""System noun, locally: version, info, reset."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from pypod import __version__
from pypod.domain.system import DfReport, PruneReport, PruneRequest, VersionReport

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

_GOARCH = {
    "x86_64": "amd64",
    "aarch64": "arm64",
    "armv7l": "arm",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


def go_arch() -> str:
    m = platform.machine()
    return _GOARCH.get(m, m)


class LocalSystemEngine:
    def __init__(self, engine: LocalEngine) -> None:
        self._engine = engine

    def version(self) -> VersionReport:
        return VersionReport(
            version=__version__,
            api_version="4.3.1",  # the libpod/Docker API level pypod speaks
            go_version=f"python{platform.python_version()}",
            git_commit="",
            built=0,
            os_arch=f"linux/{go_arch()}",
        )

    def info(self) -> dict[str, Any]:
        from pypod.local.info import build_info

        return build_info(self._engine)

    def reset(self) -> None:
        from pypod.local.reset import reset_store

        reset_store(self._engine)

    def unshare(self, argv: Sequence[str]) -> NoReturn:
        from pypod.host.userns import unshare_exec

        e = self._engine
        if not e.rootless:
            unshare_exec(argv)  # raises "please use unshare with rootless"
        unshare_exec(argv, graph_root=e.graph_root, run_root=e.run_root)

    def df(self, verbose: bool = False) -> DfReport:
        from pypod.local.system_df import disk_usage

        return disk_usage(self._engine, verbose)

    def prune(self, req: PruneRequest) -> PruneReport:
        from pypod.local.system_prune import prune

        return prune(self._engine, req)

"""The container-target flags (NAMES, --all, --cidfile, --latest) and --latest for the commands
that take one container."""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Parser
from pypod.errors import ContainerNotFound


def latest_id(ctx: Context) -> str:
    from pypod.domain.containers_ops import ListRequest

    rows = ctx.engine.containers.list(ListRequest(all=True, latest=True))
    if not rows:
        raise ContainerNotFound("no containers to operate on: no such container")
    return rows[0].id


def add_target_flags(p: Parser, all_help: str) -> None:
    """The NAMES, --all, --cidfile and --latest every multi-container verb takes."""
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help=all_help)
    p.flag(
        "--cidfile", kind="stringArray", action="append", default=[],
        help="Read the container ID from the file",
    )  # fmt: skip
    p.flag(
        "-l", "--latest", action="store_true",
        help="Act on the latest container podman is aware of",
    )  # fmt: skip

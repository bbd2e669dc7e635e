"""Turning --latest and --cidfile into container names, for the container commands."""

from __future__ import annotations

from collections.abc import Iterable

from pypod.cli.context import Context
from pypod.errors import ContainerNotFound, InvalidArgument


def read_cidfiles(paths: Iterable[str]) -> list[str]:
    out = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                out.append(f.read().strip())
        except OSError as exc:
            raise InvalidArgument(f"reading CIDFile: {exc.strerror}: {path}") from exc
    return out


def latest_id(ctx: Context) -> str:
    from pypod.domain.containers_ops import ListRequest

    rows = ctx.engine.containers.list(ListRequest(all=True, latest=True))
    if not rows:
        raise ContainerNotFound("no containers to operate on: no such container")
    return rows[0].id


def add_target_flags(p: object, all_help: str) -> None:
    """The NAMES, --all, --cidfile and --latest every multi-container verb takes."""
    import argparse

    p.add_argument("names", nargs="*", help=argparse.SUPPRESS)  # type: ignore[attr-defined]
    p.flag("-a", "--all", action="store_true", help=all_help)  # type: ignore[attr-defined]
    p.flag(  # type: ignore[attr-defined]
        "--cidfile", kind="stringArray", action="append", default=[],
        help="Read the container ID from the file",
    )  # fmt: skip
    p.flag(  # type: ignore[attr-defined]
        "-l", "--latest", action="store_true",
        help="Act on the latest container podman is aware of",
    )  # fmt: skip


def target_names(args: object, ctx: Context) -> list[str]:
    names = list(args.names) + read_cidfiles(args.cidfile)  # type: ignore[attr-defined]
    if args.latest:  # type: ignore[attr-defined]
        names.append(latest_id(ctx))
    return names

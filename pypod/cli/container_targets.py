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

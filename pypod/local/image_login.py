"""Registries without images: login, logout, tag listing (search --list-tags) and inspecting
an image in place (skopeo inspect)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pypod.domain.images_options import RegistryOptions
from pypod.domain.images_registry import LoginRequest, LogoutRequest, SearchReport, SearchRequest
from pypod.errors import InvalidArgument, NotFound, PypodError
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)


def _client(engine: LocalEngine, opts: RegistryOptions, domain: str, repo: str = "") -> Any:
    from pypod.image.transports.docker import open_client
    from pypod.local.image_pull import system_context

    return open_client(system_context(engine, opts), domain, repo)


def _split(name: str) -> tuple[str, str]:
    """ "host[/repo]" (an https:// prefix allowed, as docker accepts) -> (host, repo)."""
    for prefix in ("https://", "http://"):
        name = name.removeprefix(prefix)
    host, _, repo = name.rstrip("/").partition("/")
    return host, repo


def _default_registry(engine: LocalEngine) -> str:
    regs = list(engine.registries.unqualified_search_registries)
    if not regs:
        raise InvalidArgument("please provide a registry to log in to")
    return regs[0]


def login(engine: LocalEngine, req: LoginRequest) -> str:
    from pypod.config import auth

    key = (req.registry or _default_registry(engine)).removeprefix("https://").rstrip("/")
    host, repo = _split(key)
    authfile = req.registry_options.authfile
    if req.get_login:
        creds = auth.get_credentials(key, authfile)
        if creds is None:
            raise NotFound(f"not logged into {key}")
        return creds.username
    if not req.username:
        raise InvalidArgument("username is required")
    if not req.password:
        raise InvalidArgument("password is required")
    opts = RegistryOptions(
        tls_verify=req.registry_options.tls_verify,
        creds=f"{req.username}:{req.password}",
        authfile=authfile,
        cert_dir=req.registry_options.cert_dir,
    )
    client = _client(engine, opts, host, repo)
    try:
        client.check_login()
    finally:
        client.close()
    auth.set_credentials(key, req.username, req.password, authfile)
    return req.username


def logout(engine: LocalEngine, req: LogoutRequest) -> None:
    from pypod.config import auth

    if req.all:
        auth.remove_all(req.authfile)
        return
    key = req.registry or _default_registry(engine)
    key = key.removeprefix("https://").rstrip("/")
    if not auth.remove_credentials(key, req.authfile):
        raise NotFound(f"not logged into {key}")


def list_tags(engine: LocalEngine, repo_name: str, opts: RegistryOptions) -> list[str]:
    from pypod.image.reference import parse_normalized

    ref = parse_normalized(repo_name)
    client = _client(engine, opts, ref.domain, ref.path)
    try:
        return list(client.tags(ref.path))
    finally:
        client.close()


def search(engine: LocalEngine, req: SearchRequest) -> list[SearchReport]:
    from pypod.image.reference import parse

    if not req.list_tags:
        raise InvalidArgument(
            "searching registries is not supported; use --list-tags REGISTRY/REPOSITORY"
        )
    typed = parse(req.term)
    if typed.tag or typed.digest:
        raise InvalidArgument(f"reference {req.term!r} must not have a tag for --list-tags")
    if not typed.is_qualified:
        names = [f"{r}/{typed.path}" for r in engine.registries.unqualified_search_registries]
    else:
        names = [req.term]
    reports = []
    errors: list[str] = []
    for name in names:
        try:
            tags = list_tags(engine, name, req.registry)
        except PypodError as exc:
            errors.append(f"getting repository tags: {exc.message}")
            continue
        if req.limit > 0:
            tags = tags[: req.limit]
        reports.append(SearchReport(name=name, tags=tuple(tags)))
    if errors and not reports:
        raise PypodError(
            f"{len(errors)} error{'s' if len(errors) > 1 else ''} occurred:\n"
            + "".join(f"\t* {e}\n" for e in errors)
        )
    return reports


def inspect_remote(engine: LocalEngine, name: str, opts: RegistryOptions) -> dict[str, Any]:
    from pypod.image.copy import inspect_remote as pipeline_inspect
    from pypod.local.image_pull import parse_ref, system_context

    ref = parse_ref(name)
    store = engine.store if ref.transport == "containers-storage" else None
    return pipeline_inspect(ref, system_context(engine, opts, store=store))

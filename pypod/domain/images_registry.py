"""Requests and reports of the registry verbs: search, login, logout."""

from __future__ import annotations

from pypod.domain.images_options import RegistryOptions
from pypod.records import field, record


@record
class SearchRequest:
    term: str
    limit: int = 0
    list_tags: bool = False
    registry: RegistryOptions = field(default_factory=RegistryOptions)


@record
class SearchReport:
    name: str
    tags: tuple[str, ...] = ()
    description: str = ""
    stars: int = 0
    official: str = ""
    automated: str = ""
    index: str = ""


@record
class LoginRequest:
    registry: str
    username: str = ""
    password: str = ""
    get_login: bool = False
    registry_options: RegistryOptions = field(default_factory=RegistryOptions)


@record
class LogoutRequest:
    registry: str = ""
    all: bool = False
    authfile: str | None = None

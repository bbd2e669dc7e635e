"""Requests and reports of the registry verbs: search, login, logout."""

from __future__ import annotations

from dataclasses import dataclass, field

from pypod.domain.images_options import RegistryOptions


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchRequest:
    term: str
    limit: int = 0
    list_tags: bool = False
    registry: RegistryOptions = field(default_factory=RegistryOptions)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchReport:
    name: str
    tags: tuple[str, ...] = ()
    description: str = ""
    stars: int = 0
    official: str = ""
    automated: str = ""
    index: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginRequest:
    registry: str
    username: str = ""
    password: str = ""
    get_login: bool = False
    registry_options: RegistryOptions = field(default_factory=RegistryOptions)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogoutRequest:
    registry: str = ""
    all: bool = False
    authfile: str | None = None

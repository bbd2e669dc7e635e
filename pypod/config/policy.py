"""policy.json: which images may be used, per transport and scope.

File: --signature-policy PATH, else ~/.config/containers/policy.json when it exists, else
/etc/containers/policy.json. A missing file is an error, as with Podman.

Requirement types: insecureAcceptAnything accepts, reject rejects. pypod does not verify
signatures, so signedBy, sigstoreSigned and signedBaseLayer cannot be satisfied: an image
governed by one is rejected with a message saying signature verification is not supported
(accepting it would silently drop a protection the administrator asked for).

Scopes, most specific first: for registry transports ("docker" and friends) the full
reference, the repository, each parent namespace, the host, then "*.domain" wildcards; for
path transports (oci:, dir:, ...) the path and each parent directory; then the transport's ""
scope; then the global "default".
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from pypod.config import paths
from pypod.errors import ConfigError, PolicyDenied
from pypod.log import get_logger
from pypod.records import field, record

log = get_logger(__name__)

SYSTEM_FILE = "/etc/containers/policy.json"
KNOWN_TYPES = ("insecureAcceptAnything", "reject", "signedBy", "sigstoreSigned", "signedBaseLayer")
_SIGNATURE_TYPES = ("signedBy", "sigstoreSigned", "signedBaseLayer")


@record
class Requirement:
    type: str
    options: Mapping[str, Any] = field(default_factory=dict)


Requirements = tuple[Requirement, ...]


def _requirements(path: str, where: str, raw: Any) -> Requirements:
    if not isinstance(raw, list):
        raise ConfigError(path, f"{where}: a policy must be a list of requirements")
    if not raw:
        raise ConfigError(path, f"{where}: policy list is empty")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise ConfigError(path, f'{where}: every requirement needs a "type"')
        if item["type"] not in KNOWN_TYPES:
            raise ConfigError(path, f'{where}: unknown policy requirement type "{item["type"]}"')
        out.append(Requirement(type=item["type"], options={k: v for k, v in item.items()}))
    return tuple(out)


def _parents(path: str) -> list[str]:
    out = []
    while True:
        parent = os.path.dirname(path)
        if parent == path or not parent:
            return out
        out.append(parent)
        path = parent


def _registry_scopes(name: str) -> list[str]:
    """name itself, then its repository, namespaces, host and wildcard domains."""
    scopes = [name]
    last = name.rsplit("/", 1)
    repo_part = last[-1]
    cut = min((i for i in (repo_part.find("@"), repo_part.find(":")) if i >= 0), default=-1)
    repo = name if cut < 0 else name[: len(name) - len(repo_part) + cut]
    if repo != name:
        scopes.append(repo)
    while "/" in repo:
        repo = repo.rsplit("/", 1)[0]
        scopes.append(repo)
    host = repo
    if ":" not in host and "." in host:
        labels = host.split(".")
        scopes += ["*." + ".".join(labels[i:]) for i in range(1, len(labels))]
    return scopes


def scopes_for(transport: str, ref_name: str) -> list[str]:
    """Candidate scopes in the order they are looked up (without the transport's "")."""
    if ref_name.startswith("/"):
        path, _, _ = ref_name.partition(":")
        return ([ref_name] if path != ref_name else []) + [path, *_parents(path)]
    return _registry_scopes(ref_name)


def _display(transport: str, ref_name: str) -> str:
    return f"docker://{ref_name}" if transport == "docker" else f"{transport}:{ref_name}"


@record
class Policy:
    default: Requirements
    transports: Mapping[str, Mapping[str, Requirements]] = field(default_factory=dict)
    path: str = ""

    @classmethod
    def load(cls, path: str | None = None, env: Mapping[str, str] | None = None) -> Policy:
        if path is None:
            path = default_path(env)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError as exc:
            raise ConfigError(path, "no policy.json file found") from exc
        except OSError as exc:
            raise ConfigError(path, f"cannot read: {exc}") from exc
        return cls.parse(path, text)

    @classmethod
    def parse(cls, path: str, text: str) -> Policy:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(path, exc.msg, exc.lineno) from exc
        if not isinstance(data, dict):
            raise ConfigError(path, "policy must be a JSON object")
        if "default" not in data:
            raise ConfigError(path, 'policy is missing the "default" requirements')
        transports: dict[str, dict[str, Requirements]] = {}
        raw_transports = data.get("transports", {})
        if not isinstance(raw_transports, dict):
            raise ConfigError(path, '"transports" must be an object')
        for name, scopes in raw_transports.items():
            if not isinstance(scopes, dict):
                raise ConfigError(path, f'transport "{name}": scopes must be an object')
            transports[name] = {
                scope: _requirements(path, f'transport "{name}" scope "{scope}"', reqs)
                for scope, reqs in scopes.items()
            }
        return cls(
            default=_requirements(path, "default", data["default"]),
            transports=transports,
            path=path,
        )

    def requirements_for(self, transport: str, ref_name: str) -> tuple[str, Requirements]:
        """The scope that governs the image (described for messages) and its requirements."""
        scopes = self.transports.get(transport, {})
        for scope in scopes_for(transport, ref_name):
            if scope in scopes:
                return f'transport "{transport}" scope "{scope}"', scopes[scope]
        if "" in scopes:
            return f'transport "{transport}" default', scopes[""]
        return "the default policy", self.default

    def check(self, transport: str, ref_name: str) -> None:
        """Raise PolicyDenied unless every requirement of the governing scope accepts."""
        scope, reqs = self.requirements_for(transport, ref_name)
        image = _display(transport, ref_name)
        for req in reqs:
            if req.type == "insecureAcceptAnything":
                continue
            if req.type == "reject":
                raise PolicyDenied(
                    f"Source image rejected: Running image {image} is rejected by policy "
                    f"({scope} in {self.path or 'policy.json'})"
                )
            if req.type in _SIGNATURE_TYPES:
                raise PolicyDenied(
                    f"Source image rejected: {scope} requires {req.type} for {image}, "
                    "but signature verification is not supported by pypod"
                )


def default_path(env: Mapping[str, str] | None = None) -> str:
    user = os.path.join(paths.user_containers_dir(env), "policy.json")
    return user if os.path.exists(user) else SYSTEM_FILE

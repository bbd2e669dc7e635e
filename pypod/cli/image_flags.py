"""Flags shared by the image commands that talk to registries (--tls-verify, --creds, ...)."""

from __future__ import annotations

from pypod.cli.parser import Namespace, Parser
from pypod.domain.images_options import RegistryOptions


def add_registry_flags(p: Parser, *, cert_dir: bool = True, creds: bool = True) -> None:
    p.flag("--authfile", kind="string", help="path of the authentication file")
    if cert_dir:
        p.flag(
            "--cert-dir",
            kind="Pathname",
            help="use certificates at the specified path to access the registry",
        )
    if creds:
        p.flag(
            "--creds",
            kind="[username[:password]]",
            help="Credentials (USERNAME:PASSWORD) to use for authenticating to a registry",
        )
    p.bool_flag(
        "--tls-verify", help="Require HTTPS and verify certificates when contacting registries"
    )


def registry_options(args: Namespace, prefix: str = "") -> RegistryOptions:
    get = lambda key: getattr(args, prefix + key, None)  # noqa: E731
    return RegistryOptions(
        tls_verify=get("tls_verify"),
        creds=get("creds"),
        authfile=get("authfile"),
        cert_dir=get("cert_dir"),
    )

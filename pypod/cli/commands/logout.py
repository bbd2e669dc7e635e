"""pypod logout"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_registry import LogoutRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Remove the cached username and password for the registry."""
USAGE = "[options] [REGISTRY]"
EXAMPLES = (
    "pypod logout quay.io",
    "pypod logout --authfile authdir/myauths.json quay.io",
    "pypod logout --all",
)


def configure(p: Parser) -> None:
    p.add_argument("registry", nargs="*", help=SUPPRESS)
    p.flag(
        "-a",
        "--all",
        action="store_true",
        help="Remove the cached credentials for all registries in the auth file",
    )
    p.flag("--authfile", kind="string", help="path of the authentication file")


def run(args: Namespace, ctx: Context) -> int:
    if len(args.registry) > 1:
        raise InvalidArgument("logout accepts only one registry to logout from")
    registry = args.registry[0] if args.registry else ""
    if args.all and registry:
        raise InvalidArgument("--all takes no arguments")
    ctx.engine.images.logout(LogoutRequest(registry=registry, all=args.all, authfile=args.authfile))
    output.line(
        "Removed login credentials for "
        + ("all registries" if args.all else registry or "the default registry")
    )
    return 0

"""pypod login"""

from __future__ import annotations

import sys

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.image_flags import add_registry_flags, registry_options
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_registry import LoginRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Login to a container registry on a specified server."""
USAGE = "[options] [REGISTRY]"
EXAMPLES = (
    "pypod login quay.io",
    "pypod login --username ... --password ... quay.io",
    "pypod login --authfile authdir/myauths.json quay.io",
)


def configure(p: Parser) -> None:
    p.add_argument("registry", nargs="*", help=SUPPRESS)
    add_registry_flags(p, creds=False)
    p.flag(
        "--get-login", action="store_true", help="Return the current login user for the registry"
    )
    p.flag("-p", "--password", kind="string", default="", help="Password for registry")
    p.flag("--password-stdin", action="store_true", help="Take the password from stdin")
    p.flag("-u", "--username", kind="string", default="", help="Username for registry")
    p.flag("-v", "--verbose", action="store_true", help="Write more detailed information to stdout")


def _ask(prompt: str, secret: bool) -> str:
    if sys.stdin.isatty():
        if secret:
            import getpass

            return getpass.getpass(prompt)
        output.write(prompt)
        sys.stdout.flush()
    return sys.stdin.readline().rstrip("\n")


def run(args: Namespace, ctx: Context) -> int:
    if len(args.registry) > 1:
        raise InvalidArgument("login accepts only one registry to login to")
    registry = args.registry[0] if args.registry else ""
    opts = registry_options(args)
    if args.get_login:
        output.line(
            ctx.engine.images.login(
                LoginRequest(registry=registry, get_login=True, registry_options=opts)
            )
        )
        return 0
    if args.password and args.password_stdin:
        raise InvalidArgument("--password and --password-stdin are mutually exclusive")
    password = args.password
    if args.password_stdin:
        if not args.username:
            raise InvalidArgument("must provide --username with --password-stdin")
        password = sys.stdin.read().rstrip("\r\n")
    username = args.username or _ask("Username: ", False)
    if not password:
        password = _ask("Password: ", True)
    ctx.engine.images.login(
        LoginRequest(registry=registry, username=username, password=password, registry_options=opts)
    )
    output.line("Login Succeeded!")
    return 0

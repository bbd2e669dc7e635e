"""pypod pull"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.image_flags import add_registry_flags, registry_options
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.cli.progress import progress_for
from pypod.domain.images_options import Platform, PullPolicy
from pypod.domain.images_transfer import PullRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Pulls an image from a registry and stores it locally.

An image can be pulled by tag or digest. If a tag is not specified, the image with the
'latest' tag is pulled."""
USAGE = "[options] IMAGE [IMAGE...]"
EXAMPLES = (
    "pypod pull imageName",
    "pypod pull fedora:latest",
    "pypod pull --tls-verify=false 127.0.0.1:5000/busybox",
)


def configure(p: Parser) -> None:
    p.add_argument("images", nargs="*", help=SUPPRESS)
    p.flag(
        "-a",
        "--all-tags",
        action="store_true",
        help="All tagged images in the repository will be pulled",
    )
    p.flag(
        "--arch",
        kind="ARCH",
        default="",
        help="Use ARCH instead of the architecture of the machine for choosing images",
    )
    add_registry_flags(p)
    p.flag(
        "--os", kind="OS", default="", help="Use OS instead of the running OS for choosing images"
    )
    p.flag(
        "--platform",
        kind="string",
        default="",
        help="Specify the platform for selecting the image.  (Conflicts with arch and os)",
    )
    p.flag("--policy", kind="string", default="always", help='Pull image policy (default "always")')
    p.flag(
        "-q", "--quiet", action="store_true", help="Suppress output information when pulling images"
    )
    p.flag(
        "--variant",
        kind="string",
        default="",
        help="Use VARIANT instead of the running architecture variant for choosing images",
    )


def platform_of(args: Namespace) -> Platform:
    if args.platform:
        if args.os or args.arch:
            raise InvalidArgument("--platform option can not be specified with --arch or --os")
        parts = args.platform.split("/")
        if len(parts) < 2 or len(parts) > 3:
            raise InvalidArgument(
                f"invalid platform syntax for --platform={args.platform!r}: use OS/ARCH[/VARIANT]"
            )
        return Platform(
            os=parts[0], arch=parts[1], variant=parts[2] if len(parts) == 3 else args.variant
        )
    return Platform(os=args.os, arch=args.arch, variant=args.variant)


def run(args: Namespace, ctx: Context) -> int:
    if not args.images:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    try:
        policy = PullPolicy(args.policy.lower())
    except ValueError:
        raise InvalidArgument(f'unsupported pull policy "{args.policy}"') from None
    progress = progress_for(args.quiet)
    for name in args.images:
        report = ctx.engine.images.pull(
            PullRequest(
                reference=name,
                all_tags=args.all_tags,
                policy=policy,
                platform=platform_of(args),
                registry=registry_options(args),
                progress=progress,
            )
        )
        for image_id in report.images:
            output.line(image_id)
    return 0

"""pypod push"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.image_flags import add_registry_flags, registry_options
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.cli.progress import progress_for
from pypod.domain.images_transfer import PushRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Pushes a source image to a specified destination.

The Image "DESTINATION" uses a "transport":"details" format. See pypod-push(1) section
"DESTINATION" for the expected format."""
USAGE = "[options] IMAGE [DESTINATION]"
EXAMPLES = (
    "pypod push imageID docker://registry.example.com/repository:tag",
    "pypod push imageID oci-archive:/path/to/layout:image:tag",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    add_registry_flags(p)
    p.flag("--compression-format", kind="string", default="", help="compression format to use")
    p.flag(
        "--digestfile",
        kind="string",
        help="Write the digest of the pushed image to the specified file",
    )
    p.flag(
        "-f",
        "--format",
        kind="string",
        default="",
        help=(
            "Manifest type (oci, v2s2, or v2s1) to use in the destination (default "
            "is manifest type of source, with fallbacks)"
        ),
    )
    p.flag(
        "-q", "--quiet", action="store_true", help="Suppress output information when pushing images"
    )
    p.flag(
        "--remove-signatures",
        action="store_true",
        help="Discard any pre-existing signatures in the image",
    )
    p.flag("--sign-by", kind="string", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if not 1 <= len(args.args) <= 2:
        raise InvalidArgument(f"accepts between 1 and 2 arg(s), received {len(args.args)}")
    if args.sign_by:
        raise InvalidArgument("signing images is not supported")
    ctx.engine.images.push(
        PushRequest(
            source=args.args[0],
            destination=args.args[1] if len(args.args) == 2 else "",
            format=args.format,
            compression_format=args.compression_format,
            remove_signatures=args.remove_signatures,
            digestfile=args.digestfile,
            registry=registry_options(args),
            progress=progress_for(args.quiet),
        )
    )
    return 0

"""pypod import / image import"""

from __future__ import annotations

import sys

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.cli.progress import progress_for
from pypod.domain.images_options import Platform
from pypod.domain.images_transfer import ImportRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Create a container image from the contents of the specified tarball
(.tar, .tar.gz, .tgz, .bzip, .tar.xz, .txz).

Note remote tar balls can be specified, via web address.
Optionally tag the image. You can specify the instructions using the --change option."""
USAGE = "[options] PATH [REFERENCE]"
EXAMPLES = (
    "pypod import http://example.com/ctr.tar url-image",
    'cat ctr.tar | pypod -q import --message "importing the ctr.tar tarball" - image-imported',
    "cat ctr.tar | pypod import -",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    p.flag("--arch", kind="string", default="", help="Set the architecture of the imported image")
    p.flag(
        "-c",
        "--change",
        kind="stringArray",
        action="append",
        default=[],
        help=(
            "Apply the following possible instructions to the created image "
            "(default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | "
            "STOPSIGNAL | USER | VOLUME | WORKDIR"
        ),
    )
    p.flag(
        "-m", "--message", kind="string", default="", help="Set commit message for imported image"
    )
    p.flag("--os", kind="string", default="", help="Set the OS of the imported image")
    p.flag("-q", "--quiet", action="store_true", help="Suppress output")
    p.flag("--variant", kind="string", default="", help="Set the variant of the imported image")


def run(args: Namespace, ctx: Context) -> int:
    if not 1 <= len(args.args) <= 2:
        raise InvalidArgument(
            "need to give the path to the tarball, or must specify a tarball of '-' for stdin"
            if not args.args
            else f"too many arguments. Usage:\n{ctx.command_path} {USAGE}"
        )
    path = args.args[0]
    source: object = path
    if path == "-":
        source = sys.stdin.buffer
    image_id = ctx.engine.images.import_image(
        ImportRequest(
            source=source,  # type: ignore[arg-type]
            reference=args.args[1] if len(args.args) == 2 else "",
            changes=tuple(args.change),
            message=args.message,
            platform=Platform(os=args.os, arch=args.arch, variant=args.variant),
            progress=progress_for(args.quiet),
        )
    )
    output.line(f"sha256:{image_id}")
    return 0

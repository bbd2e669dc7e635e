"""pypod save / image save"""

from __future__ import annotations

import sys

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.cli.progress import progress_for
from pypod.domain.images_transfer import SaveRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Save an image to docker-archive or oci-archive on the local machine.
Default is docker-archive."""
USAGE = "[options] IMAGE [IMAGE...]"
EXAMPLES = (
    "pypod save --quiet -o myimage.tar imageID",
    "pypod save --format docker-dir -o ubuntu-dir ubuntu",
    "pypod save > alpine-all.tar alpine:latest",
)
_FORMATS = ("docker-archive", "oci-archive", "oci-dir", "docker-dir")


def configure(p: Parser) -> None:
    p.add_argument("images", nargs="*", help=SUPPRESS)
    p.flag(
        "--compress",
        action="store_true",
        help=(
            "Compress tarball image layers when saving to a directory using the "
            "'dir' transport. (default is same compression type as source)"
        ),
    )
    p.flag(
        "--format",
        kind="string",
        default="docker-archive",
        help=(
            "Save image to oci-archive, oci-dir (directory with oci manifest type), "
            "docker-archive, docker-dir (directory with v2s2 manifest type) "
            '(default "docker-archive")'
        ),
    )
    p.flag(
        "-m",
        "--multi-image-archive",
        action="store_true",
        help=(
            "Interpret additional arguments as images not tags and create a "
            "multi-image-archive (only for docker-archive)"
        ),
    )
    p.flag(
        "-o",
        "--output",
        kind="string",
        default="",
        help="Write to a specified file (default: stdout, which must be redirected)",
    )
    p.flag("-q", "--quiet", action="store_true", help="Suppress the output")


def run(args: Namespace, ctx: Context) -> int:
    if not args.images:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    if args.format not in _FORMATS:
        raise InvalidArgument(f"unknown format option {args.format!r}")
    if args.compress and args.format != "docker-dir":
        raise InvalidArgument("--compress can only be set when --format is 'docker-dir'")
    if args.multi_image_archive and args.format != "docker-archive":
        raise InvalidArgument("--multi-image-archive can only be used with --format docker-archive")
    if len(args.images) > 1 and args.format != "docker-archive":
        raise InvalidArgument(f"{args.format!r} does not support saving multiple images")
    out: object = args.output
    if not args.output or args.output == "/dev/stdout":
        if sys.stdout.isatty():
            raise InvalidArgument("refusing to save to terminal. Use -o flag or redirect")
        out = sys.stdout.buffer
    # Podman prints progress only when writing to a file
    quiet = args.quiet or out is sys.stdout.buffer
    ctx.engine.images.save(
        SaveRequest(
            names=tuple(args.images),
            output=out,
            format=args.format,  # type: ignore[arg-type]
            multi_image=args.multi_image_archive or len(args.images) > 1,
            compress=args.compress,
            progress=progress_for(quiet),
        )
    )
    return 0

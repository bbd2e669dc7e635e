"""pypod commit / container commit"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.cli.progress import progress_for
from pypod.domain.containers_ops import CommitRequest
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Create an image from a container's changes. Optionally tag the image created, set the "
    "author with the --author flag, set the commit message with the --message flag, and make "
    "changes to the instructions with the --change flag."
)
USAGE = "[options] CONTAINER [IMAGE]"
EXAMPLES = (
    'pypod commit -q --message "committing container to image" reverent_golick image-committed',
    'pypod commit -q --author "firstName lastName" reverent_golick image-committed',
    "pypod commit -q --pause=false containerID image-committed",
    "pypod commit containerID",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    p.flag(
        "-a", "--author", kind="string", default="", help="Set the author for the image committed"
    )
    p.flag(
        "-c",
        "--change",
        kind="stringArray",
        action="append",
        default=[],
        help=(
            "Apply the following possible instructions to the created image (default []): "
            "CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | "
            "WORKDIR"
        ),
    )
    p.flag(
        "-f",
        "--format",
        kind="Format",
        default="oci",
        help='Format of the image manifest and metadata (default "oci")',
    )
    p.flag("--iidfile", kind="file", default="", help="file to write the image ID to")
    p.bool_flag("--include-volumes", help="Include container volumes as image volumes")
    p.flag(
        "-m", "--message", kind="string", default="", help="Set commit message for imported image"
    )
    p.bool_flag("-p", "--pause", default=False, help="Pause container during commit")
    p.bool_flag("-q", "--quiet", help="Suppress output")
    p.bool_flag("-s", "--squash", help="squash newly built layers into a single new layer")


def run(args: Namespace, ctx: Context) -> int:
    if not 1 <= len(args.args) <= 2:
        raise InvalidArgument(
            f"requires at least 1 and at most 2 arg(s), only received {len(args.args)}"
        )
    image_id = ctx.engine.containers.commit(
        CommitRequest(
            name=args.args[0],
            image=args.args[1] if len(args.args) == 2 else "",
            changes=tuple(args.change),
            message=args.message,
            author=args.author,
            pause=bool(args.pause),
            squash=bool(args.squash),
            format=args.format,
            include_volumes=bool(args.include_volumes),
            progress=progress_for(bool(args.quiet)),
        )
    )
    if args.iidfile:
        with open(args.iidfile, "w", encoding="utf-8") as f:
            f.write(f"sha256:{image_id}")
    output.line(image_id)
    return 0

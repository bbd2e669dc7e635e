"""pypod image mount"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.inspect_docs import raise_all
from pypod.cli.parser import SUPPRESS, Namespace, Parser

DESCRIPTION = """Mounts an image's root filesystem read-only and prints its location.

Without arguments, lists the mounted images. Rootless, run it inside `pypod unshare`."""
USAGE = "[options] [IMAGE...]"
EXAMPLES = (
    "pypod image mount imgID",
    "pypod image mount imgID1 imgID2 imgID3",
    "pypod image mount",
    "pypod image mount --all",
)


def configure(p: Parser) -> None:
    p.add_argument("images", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Mount all images")
    p.flag(
        "--format",
        kind="string",
        default="",
        help="Print the mounted images in specified format (json)",
    )


def run(args: Namespace, ctx: Context) -> int:
    images = ctx.engine.images
    if not args.images and not args.all:
        mounts = images.mounted()
        if args.format == "json":
            output.print_json(
                [
                    {
                        "id": m.id,
                        "Names": list(m.names),
                        "Repositories": list(m.names),
                        "mountpoint": m.path,
                    }
                    for m in mounts
                ]
            )
            return 0
        for m in mounts:
            output.line(f"{' '.join(m.names) or m.id}  {m.path}")
        return 0
    names = [s.id for s in images.list(_all())] if args.all else list(args.images)
    reports = images.mount(names)
    for r in reports:
        if r.error is None:
            output.line(r.path if len(reports) == 1 else f"{r.id}  {r.path}")
    raise_all([r.error for r in reports if r.error is not None])
    return 0


def _all():
    from pypod.domain.images_list import ListRequest

    return ListRequest(all=True)

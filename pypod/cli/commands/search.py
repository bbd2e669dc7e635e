"""pypod search (with --list-tags: the tags of a repository)"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.image_flags import add_registry_flags, registry_options
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_registry import SearchRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Search a registry for an image.

pypod supports --list-tags REGISTRY/REPOSITORY: the tags of a repository (Docker registries
have no search API pypod speaks)."""
USAGE = "[options] TERM"
EXAMPLES = (
    "pypod search --list-tags registry.access.redhat.com/ubi8",
    "pypod search --list-tags --format json 127.0.0.1:5000/busybox",
)


def configure(p: Parser) -> None:
    p.add_argument("term", nargs="*", help=SUPPRESS)
    add_registry_flags(p, cert_dir=True)
    p.flag(
        "-f",
        "--filter",
        kind="stringSlice",
        action="append",
        default=[],
        help="Filter output based on conditions provided (default [])",
    )
    p.flag(
        "--format",
        kind="string",
        default="",
        help="Change the output format to JSON or a Go template",
    )
    p.flag("--limit", kind="int", type=int, default=0, help="Limit the number of results")
    p.flag("--list-tags", action="store_true", help="List the tags of the input registry")
    p.flag("--no-trunc", action="store_true", help="Do not truncate the output")


def run(args: Namespace, ctx: Context) -> int:
    if len(args.term) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.term)}")
    if args.limit < 0:
        raise InvalidArgument("limit must be greater than 0")
    if args.list_tags and args.filter:
        raise InvalidArgument("filters are not applicable to list tags result")
    reports = ctx.engine.images.search(
        SearchRequest(
            term=args.term[0],
            limit=args.limit,
            list_tags=args.list_tags,
            registry=registry_options(args),
        )
    )
    if output.is_json_format(args.format):
        output.print_json([{"Name": r.name, "Tags": list(r.tags)} for r in reports])
        return 0
    rows = [{"Name": r.name, "Tag": t} for r in reports for t in r.tags]
    output.print_rows(rows, args.format or "table {{.Name}}\t{{.Tag}}")
    return 0

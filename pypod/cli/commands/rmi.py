"""pypod rmi / image rm"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_remove import RemoveReport, RemoveRequest
from pypod.errors import ImageInUse, ImageNotFound, PypodError

DESCRIPTION = "Removes one or more previously pulled or locally created images."
USAGE = "[options] IMAGE [IMAGE...]"
EXAMPLES = (
    "pypod image rm imageID",
    "pypod image rm --force alpine",
    "pypod image rm c4dfb1609ee2 93fd78260bd1 c0ed59d05ff7",
)


def configure(p: Parser) -> None:
    p.add_argument("images", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Remove all images")
    p.flag("-f", "--force", action="store_true", help="Force Removal of the image")
    p.flag(
        "-i",
        "--ignore",
        action="store_true",
        help="Ignore errors if a specified image does not exist",
    )


def print_reports(reports: list[RemoveReport]) -> list[Exception]:
    errors: list[Exception] = []
    for r in reports:
        if r.error is not None:
            errors.append(r.error)
            continue
        for name in r.untagged:
            output.line(f"Untagged: {name}")
        if r.deleted:
            output.line(f"Deleted: {r.id}")
    return errors


def raise_errors(errors: list[Exception]) -> None:
    """One error as is; several as Podman lists them. Exit 1 when every failure is an unknown
    image, 2 when images are in use, else 125."""
    if not errors:
        return
    if len(errors) == 1:
        text = str(errors[0])
    else:
        text = f"{len(errors)} errors occurred:\n" + "\n".join(f"\t* {e}" for e in errors)
    err = PypodError(text)
    if all(isinstance(e, ImageNotFound) for e in errors):
        err.exit_code = 1
    elif all(isinstance(e, ImageInUse) for e in errors):
        err.exit_code = 2
    raise err


def run(args: Namespace, ctx: Context) -> int:
    reports = ctx.engine.images.remove(
        RemoveRequest(names=tuple(args.images), all=args.all, force=args.force, ignore=args.ignore)
    )
    raise_errors(print_reports(reports))
    return 0

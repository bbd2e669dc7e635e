"""pypod volume ls / volume list"""

from __future__ import annotations

import json
from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """List all available volumes. The output of the volumes can be filtered and the
output format can be changed to JSON or a user specified Go template."""
USAGE = "[options]"
EXAMPLES = (
    "pypod volume ls",
    "pypod volume ls --format json",
    'pypod volume ls --format "{{.Driver}} {{.Scope}}"',
    "pypod volume ls --filter dangling=true",
)
HEADERS = {"Name": "VOLUME NAME"}
DEFAULT_FORMAT = "table {{.Driver}}\t{{.Name}}"


def configure(p: Parser) -> None:
    p.flag(
        "-f",
        "--filter",
        kind="strings",
        action="append",
        default=[],
        help="Filter volume output",
    )
    p.flag("--format", kind="string", default="", help="Format volume output using Go template")
    p.flag("-n", "--noheading", action="store_true", help="Do not print headers")
    p.flag("-q", "--quiet", action="store_true", help="Print volume output in quiet mode")


# fields the JSON leaves out when zero (Go's omitempty) but a template still sees
_ZERO_FIELDS = {"UID": 0, "GID": 0, "Anonymous": False, "NeedsCopyUp": False, "NeedsChown": False}


def template_view(doc: dict[str, Any]) -> Any:
    """A volume document as Go templates see it: CreatedAt is a time.Time there, and the
    fields JSON omits when zero are still fields."""
    from pypod.format.fields import go_view

    created = doc["CreatedAt"]
    if created.endswith("Z"):  # the engine writes UTC; Go prints time.Time this way
        created = created[:-1].replace("T", " ", 1) + " +0000 UTC"
    return go_view({**_ZERO_FIELDS, **doc, "CreatedAt": created})


def ls_json(docs: list[dict[str, Any]]) -> str:
    """The JSON Podman 4.3 prints: two-space indent, and its encoder's quirk of an empty map
    as an opening line, a line of indentation and a closing line."""
    import re

    text = json.dumps(docs, indent=2, ensure_ascii=False)
    return re.sub(
        r'^( *)("(?:[^"\\]|\\.)*": )\{\}(,?)$',
        lambda m: f"{m[1]}{m[2]}{{\n{m[1]}  \n{m[1]}}}{m[3]}",
        text,
        flags=re.M,
    )


def run(args: Namespace, ctx: Context) -> int:
    if args.quiet and args.format:
        raise InvalidArgument("quiet and format flags cannot be used together")
    filters = [f for spec in args.filter for f in spec.split(",") if f]
    docs = ctx.engine.volumes.list(filters)
    if args.quiet:
        for d in docs:
            output.line(d["Name"])
    elif output.is_json_format(args.format):
        output.line(ls_json(docs))
    elif docs:  # as Podman: no volumes, no header either
        fmt = args.format or DEFAULT_FORMAT
        rows = [template_view(d) for d in docs]
        output.print_rows(rows, fmt, headers=HEADERS, noheading=args.noheading)
    return 0

"""pypod version"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Display the version information"
EXAMPLES = (
    "pypod version",
    "pypod version --format json",
    "pypod version --format '{{.Client.Version}}'",
)


def configure(p: Parser) -> None:
    p.flag(
        "-f", "--format", kind="string", help="Change the output format to JSON or a Go template"
    )


def run(args: Namespace, ctx: Context) -> int:
    v = ctx.engine.system.version()
    client = {
        "APIVersion": v.api_version,
        "Version": v.version,
        "GoVersion": v.go_version,
        "GitCommit": v.git_commit,
        "BuiltTime": "Thu Jan  1 00:00:00 1970",
        "Built": v.built,
        "OsArch": v.os_arch,
        "Os": v.os_arch.split("/")[0],
    }
    doc = {"Client": client}
    if output.is_json_format(args.format):
        output.print_json(doc)
    elif args.format:
        output.print_each([doc], args.format)
    else:
        built = client["BuiltTime"]
        output.write(
            f"Client:       pypod engine\nVersion:      {v.version}\n"
            f"API Version:  {v.api_version}\n"
            f"Go Version:   {v.go_version}\nBuilt:        {built}\n"
            f"OS/Arch:      {v.os_arch}\n"
        )
    return 0

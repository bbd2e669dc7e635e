"""pypod image inspect

A name with a transport prefix (docker://, oci:, dir:, ...) is inspected where it is, without
pulling, in `skopeo inspect`'s format (Podman has no such mode; pypod adds it)."""

from __future__ import annotations

from typing import Any

from pypod.cli.context import Context
from pypod.cli.image_flags import add_registry_flags, registry_options
from pypod.cli.inspect_docs import print_docs, raise_errors
from pypod.cli.output import is_json_format
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument, PypodError

DESCRIPTION = """Displays the low-level information of an image identified by name or ID.

A name with a transport prefix (docker://NAME, oci:PATH, ...) is inspected in place without
pulling it, in skopeo inspect's format."""
USAGE = "[options] IMAGE [IMAGE...]"
EXAMPLES = (
    "pypod image inspect alpine",
    'pypod image inspect --format "imageId: {{.Id}} size: {{.Size}}" alpine',
    "pypod image inspect docker://quay.io/libpod/alpine",
)
_TRANSPORTS = (
    "docker://",
    "oci:",
    "oci-archive:",
    "docker-archive:",
    "dir:",
    "containers-storage:",
)


def configure(p: Parser) -> None:
    p.add_argument("images", nargs="*", help=SUPPRESS)
    p.flag(
        "-f",
        "--format",
        kind="string",
        default="json",
        help="Format the output to a Go template or json",
    )
    add_registry_flags(p)


# the fields of Go's ImageConfig: a template sees their zero values where the JSON omits them
_CONFIG_ZERO = (
    ("User", ""),
    ("ExposedPorts", {}),
    ("Env", []),
    ("Entrypoint", []),
    ("Cmd", []),
    ("Volumes", {}),
    ("WorkingDir", ""),
    ("Labels", {}),
    ("StopSignal", ""),
)


def template_view(doc: dict[str, Any]) -> dict[str, Any]:
    """The inspect document as Podman's templates see its Go struct: times as time.Time,
    nil maps as empty maps, absent config fields as zero values."""
    from pypod.format.fields import go_times

    view = go_times(doc, "Created")
    if view.get("Labels") is None:
        view["Labels"] = {}
    config = dict(view.get("Config") or {})
    for key, zero in _CONFIG_ZERO:
        config.setdefault(key, zero)
    view["Config"] = config
    return view


def run(args: Namespace, ctx: Context) -> int:
    if not args.images:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    remote = [n for n in args.images if n.startswith(_TRANSPORTS)]
    if remote:
        docs = [ctx.engine.images.inspect_remote(n, registry_options(args)) for n in remote]
        print_docs(docs, args.format)
        return 0
    reports = ctx.engine.images.inspect(list(args.images))
    docs = [r.data for r in reports if r.data is not None]
    errors = [r.error for r in reports if isinstance(r.error, PypodError)]
    if args.format and not is_json_format(args.format):
        docs = [template_view(d) for d in docs]
    print_docs(docs, args.format)
    raise_errors(errors)
    return 0

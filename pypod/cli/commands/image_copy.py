"""pypod image copy: skopeo copy semantics, any transport to any, without the local store
unless one side is containers-storage:. A name without a transport is docker://NAME."""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.image_flags import registry_options
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.cli.progress import progress_for
from pypod.domain.images_transfer import CopyRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Copy an image from one location to another, like skopeo copy.

SOURCE and DESTINATION are TRANSPORT:NAME (docker://, oci:, oci-archive:, docker-archive:,
dir:, containers-storage:)."""
USAGE = "[options] SOURCE DESTINATION"
EXAMPLES = (
    "pypod image copy docker://127.0.0.1:5000/a:1 oci:/tmp/a:1",
    "pypod image copy --all docker://quay.io/x docker://127.0.0.1:5000/x",
)


def configure(p: Parser) -> None:
    p.add_argument("refs", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Copy all images of a manifest list")
    p.flag("--authfile", kind="string", help="path of the authentication file")
    p.flag("--src-creds", kind="USERNAME[:PASSWORD]", help="Credentials for the source registry")
    p.flag(
        "--dest-creds", kind="USERNAME[:PASSWORD]", help="Credentials for the destination registry"
    )
    p.flag("--src-cert-dir", kind="PATH", help="certificates for the source registry")
    p.flag("--dest-cert-dir", kind="PATH", help="certificates for the destination registry")
    p.bool_flag(
        "--src-tls-verify",
        help="require HTTPS and verify certificates when talking to the source registry",
    )
    p.bool_flag(
        "--dest-tls-verify",
        help="require HTTPS and verify certificates when talking to the destination registry",
    )
    p.flag(
        "-f",
        "--format",
        kind="string",
        default="",
        help="MANIFEST TYPE (oci, v2s2) to use in the destination",
    )
    p.flag(
        "-q", "--quiet", action="store_true", help="Suppress output information when copying images"
    )
    p.flag(
        "--digestfile",
        kind="string",
        help="Write the digest of the copied image to the specified file",
    )


def _opts(args: Namespace, side: str):
    ns = Namespace(
        tls_verify=getattr(args, f"{side}_tls_verify"),
        creds=getattr(args, f"{side}_creds"),
        authfile=args.authfile,
        cert_dir=getattr(args, f"{side}_cert_dir"),
    )
    return registry_options(ns)


def run(args: Namespace, ctx: Context) -> int:
    if len(args.refs) != 2:
        raise InvalidArgument(f"Exactly two arguments expected, received {len(args.refs)}")
    report = ctx.engine.images.copy(
        CopyRequest(
            source=args.refs[0],
            destination=args.refs[1],
            all=args.all,
            format=args.format,
            src_registry=_opts(args, "src"),
            dest_registry=_opts(args, "dest"),
            progress=progress_for(args.quiet),
        )
    )
    if args.digestfile:
        _write(args.digestfile, report.digest)
    return 0


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

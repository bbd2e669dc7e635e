"""Shared by the pod_* commands: target flags and printing one line per pod report."""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.pods import PodReport, PodTargets
from pypod.errors import PypodError


def target_flags(p: Parser, verb: str, *, ignore: bool = False) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help=f"{verb} all pods")
    p.flag("-l", "--latest", action="store_true",
           help="Act on the latest pod podman is aware of")  # fmt: skip
    if ignore:
        p.flag("-i", "--ignore", action="store_true",
               help="Ignore errors when a specified pod is missing")  # fmt: skip
    p.flag("--pod-id-file", kind="stringArray", action="append", default=[],
           help="Read the pod ID from the file")  # fmt: skip


def targets(args: Namespace) -> PodTargets:
    names = list(args.names)
    for path in getattr(args, "pod_id_file", []) or []:
        with open(path, encoding="ascii") as f:
            names.append(f.read().strip())
    if not names and not args.all and not args.latest:
        raise PypodError("you must provide at least one name or id")
    return PodTargets(names=tuple(names), all=args.all, latest=args.latest,
                      ignore=getattr(args, "ignore", False))  # fmt: skip


def print_reports(reports: list[PodReport]) -> None:
    """Pod ids of the pods done; every error after them (the last one's exit code)."""
    errors = [r.error for r in reports if r.error is not None]
    for r in reports:
        if r.error is None:
            output.line(r.id)
    if not errors:
        return
    if len(errors) == 1:
        raise errors[0]
    err = PypodError("\n".join(str(e) for e in errors))
    err.exit_code = getattr(errors[-1], "exit_code", 125)
    raise err


def time_flag(p: Parser) -> None:
    """-t/--time of pod stop and pod rm."""
    p.flag(
        "-t", "--time", kind="int", type=int, default=None,
        help="Seconds to wait for pod stop before killing the container (default 10)",
    )  # fmt: skip

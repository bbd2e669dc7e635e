"""The container-target flags (NAMES, --all, --cidfile, --latest); the engine resolves them."""

from __future__ import annotations

from pypod.cli.parser import SUPPRESS, Parser


def add_target_flags(p: Parser, all_help: str) -> None:
    """The NAMES, --all, --cidfile and --latest every multi-container verb takes."""
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help=all_help)
    p.flag(
        "--cidfile", kind="stringArray", action="append", default=[],
        help="Read the container ID from the file",
    )  # fmt: skip
    p.flag(
        "-l", "--latest", action="store_true",
        help="Act on the latest container podman is aware of",
    )  # fmt: skip


def add_time_flag(p: Parser) -> None:
    """-t/--time of the verbs that stop a container (stop, restart, rm)."""
    p.flag(
        "-t", "--time", kind="uint", type=int, default=None,
        help="Seconds to wait for stop before killing the container (default 10)",
    )  # fmt: skip

"""Entry point: global flags, dispatch through the command table, errors to exit codes.

This is the only place (with output.py) that prints errors; commands raise PypodError.
"""

# No `from __future__ import annotations` (importing __future__ is ~0.2 ms of a ~9 ms
# `pypod --version`): annotations naming TYPE_CHECKING-only types are strings.
import sys

from pypod import __version__

# typing's TYPE_CHECKING without importing typing (or collections.abc): `pypod --version`
# loads nothing but this module; the command table and the error classes come when needed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypod.cli.table import Command, Group

PROG = "pypod"

# True once a quick lane (--version, the cached `images` table) has answered: it wrote to stdout
# and opened nothing else, so the console script may skip the interpreter's teardown.
_answered_quickly = False

# global flags that take a value when written without "="
_VALUE_FLAGS = {
    "--root",
    "--runroot",
    "--storage-driver",
    "--storage-opt",
    "--log-level",
    "--tmpdir",
    "--runtime",
    "--cgroup-manager",
    "--conmon",
    "--registries-conf",
    "--events-backend",
    "--url",
    "--connection",
    "-c",
    "--identity",
    "--network-cmd-path",
    "--network-config-dir",
    "--hooks-dir",
    "--volumepath",
    "--cni-config-dir",
    "--runtime-flag",
    "--module",
    "--imagestore",
    "--ssh",
}
# `images` with no flags: answered from the store's cached table when it can be (cli/quick.py)
_QUICK_IMAGES = (["images"], ["image", "ls"], ["image", "list"])
_BOOL_FLAGS = {"--syslog", "--debug", "-D", "--remote", "-r", "--noout", "--trace"}


def _split_globals(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split `[global flags] command ...` into the flags before the command and the rest."""
    i = 0
    while i < len(argv):
        tok = argv[i]
        if not tok.startswith("-") or tok == "-":
            break
        name = tok.split("=", 1)[0]
        if name in _VALUE_FLAGS and "=" not in tok:
            i += 2
        elif (
            name in _VALUE_FLAGS
            or name in _BOOL_FLAGS
            or tok in ("-h", "--help", "-v", "--version")
        ):
            i += 1
        else:
            from pypod.errors import InvalidArgument

            raise InvalidArgument(f"unknown flag: {name}\nSee '{PROG} --help'")
    return argv[:i], argv[i:]


def _root_help() -> str:
    from pypod.cli.table import COMMANDS

    lines = [
        "Manage pods, containers and images",
        "",
        "Usage:",
        f"  {PROG} [options] [command]",
        "",
        "Available Commands:",
    ]
    width = max(11, *(len(n) for n in COMMANDS))
    lines += [f"  {name.ljust(width)} {entry.summary}" for name, entry in sorted(COMMANDS.items())]
    from pypod.cli.parser import Parser, add_global_flags

    p = Parser(PROG)
    add_global_flags(p, show=True)
    p.add_argument("-v", "--version", action="store_true", help="Version for pypod")
    return "\n".join(lines) + "\n\nOptions:\n" + p._option_lines()


def _group_help(path: str, group: "Group") -> str:
    width = max(len(n) for n in group.children)
    rows = "\n".join(f"  {n.ljust(width)}  {c.summary}" for n, c in group.children.items())
    return (
        f"{group.summary}\n\nDescription:\n  {group.description or group.summary}\n\n"
        f"Usage:\n  {path} [command]\n\nAvailable Commands:\n{rows}\n"
    )


def _resolve(rest: list[str]) -> tuple[str, "Command", list[str]]:
    from pypod.cli.table import COMMANDS, Command

    path = PROG
    table: dict[str, Command | Group] = COMMANDS
    while True:
        if not rest or rest[0] in ("-h", "--help", "help"):
            group_help = _root_help() if table is COMMANDS else None
            if group_help is None:
                entry = _lookup_group(path)
                group_help = _group_help(path, entry)
            sys.stdout.write(group_help)
            raise SystemExit(0)
        name = rest[0]
        entry = table.get(name)
        if entry is None:
            from pypod.errors import InvalidArgument

            if name.startswith("-"):
                raise InvalidArgument(f"unknown flag: {name}\nSee '{path} --help'")
            raise InvalidArgument(
                f"unrecognized command `{path} {name}`\nTry '{path} --help' for more information"
            )
        path = f"{path} {name}"
        rest = rest[1:]
        if isinstance(entry, Command):
            return path, entry, rest
        table = entry.children


def _lookup_group(path: str) -> "Group":
    from pypod.cli.table import COMMANDS, Group

    entry: Command | Group = Group("", COMMANDS)
    for word in path.split()[1:]:
        assert isinstance(entry, Group)
        entry = entry.children[word]
    assert isinstance(entry, Group)
    return entry


def _quickly() -> int:
    global _answered_quickly
    _answered_quickly = True
    return 0


def run(argv: "Sequence[str]") -> int:
    argv = list(argv)
    if argv and argv[0] in ("-v", "--version"):
        sys.stdout.write(f"{PROG} version {__version__}\n")
        return _quickly()
    before, rest = _split_globals(argv)
    if "-v" in before or "--version" in before:
        sys.stdout.write(f"{PROG} version {__version__}\n")
        return _quickly()
    if "-h" in before or "--help" in before:
        rest = ["--help"]
    elif rest in _QUICK_IMAGES:
        from pypod.cli.quick import print_images_table

        if print_images_table(before):
            return _quickly()
    path, command, rest = _resolve(rest)

    from pypod.cli.context import Context
    from pypod.cli.parser import GLOBAL_KEYS, Parser, add_global_flags

    __import__(command.module)  # importlib (with warnings) would cost ~1 ms more
    module = sys.modules[command.module]
    parser = Parser(
        path,
        summary=command.summary,
        description=getattr(module, "DESCRIPTION", command.summary),
        usage=getattr(module, "USAGE", "[options]"),
        examples=getattr(module, "EXAMPLES", ()),
    )
    add_global_flags(parser, show=False)
    module.configure(parser)
    pre = Parser(PROG)
    add_global_flags(pre, show=True)
    pre_ns = pre.parse_args(before)
    args = parser.parse(rest, intermixed=getattr(module, "INTERMIXED", True))
    for key in GLOBAL_KEYS:
        if getattr(args, key, None) is None:
            setattr(args, key, getattr(pre_ns, key, None))
    from pypod import log

    log.configure(args.log_level)
    ctx = Context.from_args(args, command_path=path)
    return int(module.run(args, ctx) or 0)


def main(argv: "Sequence[str] | None" = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    except Exception as exc:
        from pypod.errors import PypodError

        if isinstance(exc, PypodError):
            sys.stdout.flush()
            sys.stderr.write(f"Error: {exc.message}\n")
            return exc.exit_code
        # a bug: say so in one line, the traceback only with debug logging
        from pypod.log import get_logger

        get_logger("pypod").debug("unexpected error", exc_info=True)
        sys.stderr.write(f"Error: internal error: {type(exc).__name__}: {exc}\n")
        return 125


def entry() -> None:
    """The console script. After a quick lane it leaves without the interpreter's teardown
    (freeing every module and object: ~2 ms, a fifth of `pypod --version`). Other commands
    keep the teardown (atexit handlers, threads joined, objects freed and files closed as
    modules are cleared) but spare its garbage collection the objects alive now, which it
    would only traverse (`ps -a` of 300 containers: ~6 ms)."""
    rc = main()
    if not _answered_quickly:
        import gc

        gc.freeze()
        sys.exit(rc)
    try:  # noqa: SIM105 - contextlib is an import this path avoids
        sys.stdout.flush()
    except OSError:  # a closed pipe: the answer had nowhere to go, as with BrokenPipeError
        pass
    import posix

    posix._exit(rc)


if __name__ == "__main__":
    entry()

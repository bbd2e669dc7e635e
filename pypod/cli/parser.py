"""argparse with Podman's help layout and error behaviour.

Podman (cobra) prints help as Description / Usage / Examples / Options and exits 125 on a bad
flag with "Error: unknown flag: --x" and a pointer to --help; argparse would print its own usage
and exit 2, so errors are raised as InvalidArgument instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from pypod.errors import InvalidArgument

SUPPRESS = argparse.SUPPRESS
REMAINDER = argparse.REMAINDER


class UsageError(InvalidArgument):
    def __init__(self, message: str, command: str) -> None:
        super().__init__(f"{message}\nSee '{command} --help'")


class Parser(argparse.ArgumentParser):
    """One command's parser. `command_path` is e.g. "pypod image ls"."""

    def __init__(
        self,
        command_path: str,
        *,
        summary: str = "",
        description: str = "",
        usage: str = "[options]",
        examples: Sequence[str] = (),
    ) -> None:
        super().__init__(prog=command_path, add_help=False, allow_abbrev=False)
        self.command_path = command_path
        self.summary = summary
        self.long_description = description
        self.usage_text = usage
        self.examples = list(examples)
        self.add_argument("-h", "--help", action="store_true", help=f"help for {command_path}")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse asks a formatter to check every add_argument's metavar; a fixed width spares
        # the shutil import (terminal size) on every command. Our help has its own layout.
        return self.formatter_class(prog=self.prog, width=100)

    def flag(self, *names: str, kind: str = "", **kwargs: Any) -> argparse.Action:
        """add_argument with Podman's type word in help ("string", "strings", "uint")."""
        if kind:
            kwargs.setdefault("metavar", kind)
        return self.add_argument(*names, **kwargs)

    def bool_flag(self, *names: str, help: str = "", default: bool | None = None) -> None:
        """A Go-style boolean: `--x`, `--x=true`, `--x=false` (never consumes the next word).
        Unset leaves `default` (None lets callers tell "not given" from false)."""
        action = self.add_argument(*names, action="store_true", default=default, help=help)
        self._go_bools = {**getattr(self, "_go_bools", {}), **dict.fromkeys(names, action.dest)}

    def _go_bool_values(self, argv: list[str]) -> tuple[list[str], dict[str, bool]]:
        bools: dict[str, str] = getattr(self, "_go_bools", {})
        out: list[str] = []
        forced: dict[str, bool] = {}
        for i, tok in enumerate(argv):
            if tok == "--":
                return out + argv[i:], forced
            name, sep, value = tok.partition("=")
            if sep and name in bools:
                if value.lower() not in ("true", "false", "1", "0", "t", "f"):
                    self.error(
                        f'invalid argument "{value}" for "{name}" flag: '
                        f'strconv.ParseBool: parsing "{value}": invalid syntax'
                    )
                forced[bools[name]] = value.lower() in ("true", "1", "t")
                continue
            out.append(tok)
        return out, forced

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            bad = message.split(":", 1)[1].split()[0]
            message = (
                f"unknown flag: {bad}" if bad.startswith("-") else f"accepts no argument {bad!r}"
            )
        elif "expected one argument" in message:
            flag = message.split(":")[0].replace("argument ", "").split("/")[-1]
            message = f"flag needs an argument: {flag}"
        raise UsageError(message, self.command_path)

    def parse(self, argv: Sequence[str], *, intermixed: bool = True) -> argparse.Namespace:
        if self._wants_help(argv, intermixed):
            sys.stdout.write(self.format_help())
            raise SystemExit(0)
        argv, forced = self._go_bool_values(list(argv))
        ns = self.parse_intermixed_args(argv) if intermixed else self.parse_args(argv)
        for dest, value in forced.items():
            setattr(ns, dest, value)
        return ns

    @staticmethod
    def _wants_help(argv: Sequence[str], intermixed: bool) -> bool:
        """-h/--help counts before "--", and, for commands that run another command
        (run, exec, unshare), only before the first positional argument."""
        for tok in argv:
            if tok == "--":
                return False
            if tok in ("-h", "--help"):
                return True
            if not intermixed and not tok.startswith("-"):
                return False
        return False

    # Podman's help layout -------------------------------------------------------------------
    def format_help(self) -> str:
        out = []
        if self.summary:
            out.append(self.summary + "\n")
        if self.long_description:
            out.append("Description:\n  " + self.long_description.replace("\n", "\n  ") + "\n")
        out.append(f"Usage:\n  {self.command_path} {self.usage_text}\n")
        if self.examples:
            out.append("Examples:\n" + "\n".join("  " + e for e in self.examples) + "\n")
        options = self._option_lines()
        if options:
            out.append("Options:\n" + options)
        return "\n".join(out) + "\n"

    def _option_lines(self) -> str:
        rows = []
        for action in self._actions:
            if not action.option_strings or action.help == SUPPRESS or action.dest == "help":
                continue
            short = [o for o in action.option_strings if len(o) == 2]
            long = [o for o in action.option_strings if len(o) > 2]
            left = (short[0] + ", " if short else "    ") + (long[0] if long else "")
            if action.nargs != 0 and action.metavar:
                left += f" {action.metavar}"
            rows.append((left, action.help or ""))
        width = max((len(r[0]) for r in rows), default=0)
        return "".join(f"  {left.ljust(width)}   {text}\n" for left, text in rows)


def add_global_flags(p: argparse.ArgumentParser, *, show: bool) -> None:
    """Podman's persistent flags; accepted after the command too."""
    h = (lambda text: text) if show else (lambda text: SUPPRESS)
    p.add_argument("--root", metavar="string", help=h("Path to the graph root directory"))
    p.add_argument("--runroot", metavar="string", help=h("Path to the 'run directory'"))
    p.add_argument(
        "--storage-driver", metavar="string", help=h("Select which storage driver is used")
    )
    p.add_argument(
        "--storage-opt",
        metavar="stringArray",
        action="append",
        help=h("Used to pass an option to the storage driver"),
    )
    p.add_argument(
        "--log-level",
        metavar="string",
        choices=["trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"],
        help=h(
            'Log messages above specified level (trace, debug, info, warn, error) (default "warn")'
        ),
    )
    p.add_argument("--tmpdir", metavar="string", help=h("Path to the tmp directory"))
    p.add_argument("--runtime", metavar="string", help=h("Path to the OCI-compatible binary"))
    p.add_argument(
        "--cgroup-manager", metavar="string", help=h("Cgroup manager to use (cgroupfs or systemd)")
    )
    p.add_argument("--conmon", metavar="string", help=h("Path of the conmon binary"))
    p.add_argument(
        "--registries-conf", metavar="string", help=h("Path to a registries.conf to use")
    )
    p.add_argument("--events-backend", metavar="string", help=h("Events backend to use"))
    p.add_argument("--syslog", action="store_true", help=SUPPRESS)
    p.add_argument("--debug", "-D", action="store_true", help=SUPPRESS)


GLOBAL_KEYS = (
    "root",
    "runroot",
    "storage_driver",
    "storage_opt",
    "log_level",
    "tmpdir",
    "runtime",
    "cgroup_manager",
    "conmon",
    "registries_conf",
    "events_backend",
)

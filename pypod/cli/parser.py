"""Command-line parsing with Podman's flag syntax, help layout and errors.

Podman parses with Go's pflag (through cobra): `--flag value`, `--flag=value`, `-abc` clusters
of boolean shorthands, `-p8080:80` and `-n=5` attached values, `--bool=false`, `--` ending
flags, flags anywhere among the arguments, and a value may start with "-" (`--entrypoint -x`).
On a bad flag it prints "Error: unknown flag: --x" with a pointer to --help and exits 125.

This is our own small parser rather than argparse: it implements exactly that syntax (argparse
differs: it refuses values that start with "-", exits 2 with its own usage text, and treats
`--bool=false` as an error), and it keeps argparse (with re, enum, gettext: ~7 ms) off every
command's start-up. Commands declare flags with an argparse-shaped `add_argument` (actions
store, store_true and append; `type`, `choices`, `default`, `dest`, `metavar`; positionals with
nargs None, "?", "*" or REMAINDER) and read the parsed values from a Namespace.
"""

from __future__ import annotations

import sys

from pypod.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn

SUPPRESS = "==SUPPRESS=="
REMAINDER = "..."
_UNSET: Any = object()
_TRUE = ("true", "1", "t")
_FALSE = ("false", "0", "f")


class UsageError(InvalidArgument):
    def __init__(self, message: str, command: str) -> None:
        super().__init__(f"{message}\nSee '{command} --help'")


class Namespace:
    """Parsed values as attributes (argparse's Namespace, for the commands' `args`)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Namespace) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"Namespace({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


class Action:
    """One flag or positional argument."""

    __slots__ = (
        "choices",
        "default",
        "dest",
        "help",
        "kind",
        "metavar",
        "nargs",
        "option_strings",
        "type",
    )

    def __init__(
        self, option_strings: list[str], dest: str, kind: str, nargs: Any, default: Any,
        type: Callable[[str], Any] | None, choices: Sequence[str] | None, metavar: str | None,
        help: str | None,
    ) -> None:  # fmt: skip
        self.option_strings = option_strings
        self.dest = dest
        self.kind = kind  # store | store_true | append | positional
        self.nargs = nargs  # 0 for store_true; None, "?", "*" or REMAINDER for positionals
        self.default = default
        self.type = type
        self.choices = choices
        self.metavar = metavar
        self.help = help

    def flag_text(self) -> str:
        """How Podman names the flag in errors: "-n, --latest" or "--name"."""
        return ", ".join(self.option_strings)


class Parser:
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
        self.prog = self.command_path = command_path
        self.summary = summary
        self.long_description = description
        self.usage_text = usage
        self.examples = list(examples)
        self._actions: list[Action] = []
        self._options: dict[str, Action] = {}
        self._positionals: list[Action] = []
        self.add_argument("-h", "--help", action="store_true", help=f"help for {command_path}")

    # declaring ------------------------------------------------------------------------------
    def add_argument(
        self,
        *names: str,
        action: str = "store",
        nargs: Any = None,
        default: Any = _UNSET,
        type: Callable[[str], Any] | None = None,
        choices: Sequence[str] | None = None,
        metavar: str | None = None,
        dest: str | None = None,
        help: str | None = None,
    ) -> Action:
        if not names[0].startswith("-"):
            if default is _UNSET:
                default = [] if nargs in ("*", REMAINDER) else None
            a = Action(
                [], dest or names[0], "positional", nargs, default, type, choices, metavar, help
            )
            self._positionals.append(a)
            self._actions.append(a)
            return a
        if action not in ("store", "store_true", "append"):
            raise ValueError(f"unsupported action {action!r}")
        if default is _UNSET:
            default = False if action == "store_true" else None
        if dest is None:
            longs = [n for n in names if n.startswith("--")]
            dest = (longs[0] if longs else names[0]).lstrip("-").replace("-", "_")
        nargs = 0 if action == "store_true" else None
        a = Action(list(names), dest, action, nargs, default, type, choices, metavar, help)
        for name in names:
            self._options[name] = a
        self._actions.append(a)
        return a

    def flag(self, *names: str, kind: str = "", **kwargs: Any) -> Action:
        """add_argument with Podman's type word in help ("string", "strings", "uint")."""
        if kind:
            kwargs.setdefault("metavar", kind)
        return self.add_argument(*names, **kwargs)

    def bool_flag(self, *names: str, help: str = "", default: bool | None = None) -> None:
        """A Go-style boolean whose unset value is `default` (None tells "not given" from
        false). Every boolean flag takes `--x=true|false`."""
        self.add_argument(*names, action="store_true", default=default, help=help)

    def forget_option(self, name: str) -> None:
        """Drop one spelling of a flag (run's -h is --hostname, not help)."""
        action = self._options.pop(name)
        action.option_strings = [o for o in action.option_strings if o != name]

    # parsing --------------------------------------------------------------------------------
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.command_path)

    def parse(self, argv: Sequence[str], *, intermixed: bool = True) -> Namespace:
        """Flags anywhere; with intermixed=False (run, exec, unshare) everything after the
        first positional argument belongs to the REMAINDER positional."""
        if self._wants_help(argv, intermixed):
            sys.stdout.write(self.format_help())
            raise SystemExit(0)
        return self.parse_args(argv, intermixed=intermixed)

    def parse_args(self, argv: Sequence[str], *, intermixed: bool = True) -> Namespace:
        ns = Namespace()
        values = ns.__dict__
        for a in self._actions:
            if a.dest not in values:
                d = a.default
                values[a.dest] = list(d) if isinstance(d, list) else d
        stop_at_first = not intermixed and any(a.nargs == REMAINDER for a in self._positionals)
        positionals: list[str] = []
        argv = list(argv)
        i = 0
        while i < len(argv):
            tok = argv[i]
            i += 1
            if tok == "--":
                positionals += argv[i:]
                break
            if len(tok) < 2 or tok[0] != "-" or self._is_negative_number(tok):
                positionals.append(tok)
                if stop_at_first:
                    positionals += argv[i:]
                    break
                continue
            if tok.startswith("--"):
                name, eq, value = tok.partition("=")
                a = self._options.get(name)
                if a is None:
                    self.error(f"unknown flag: {name}")
                if a.nargs == 0:
                    self._set_bool(values, a, name, value if eq else None)
                    continue
                if not eq:
                    if i >= len(argv):
                        self.error(f"flag needs an argument: {name}")
                    value = argv[i]
                    i += 1
                self._store(values, a, value)
                continue
            i = self._shorthands(values, tok, argv, i)
        self._assign(values, positionals)
        return ns

    def _shorthands(self, values: dict[str, Any], tok: str, argv: list[str], i: int) -> int:
        """-abc: booleans a and b, then c (a value flag takes the rest or the next word)."""
        j = 1
        while j < len(tok):
            name = "-" + tok[j]
            a = self._options.get(name)
            if a is None:
                self.error(f"unknown shorthand flag: {tok[j]!r} in {tok}")
            rest = tok[j + 1 :]
            if a.nargs == 0:
                if rest.startswith("="):
                    self._set_bool(values, a, name, rest[1:])
                    return i
                self._set_bool(values, a, name, None)
                j += 1
                continue
            if rest.startswith("="):
                rest = rest[1:]
            if not rest:
                if i >= len(argv):
                    self.error(f"flag needs an argument: {tok[j]!r} in {tok}")
                rest = argv[i]
                i += 1
            self._store(values, a, rest)
            return i
        return i

    def _is_negative_number(self, tok: str) -> bool:
        return tok[1:2].isdigit() and ("-" + tok[1]) not in self._options

    def _set_bool(self, values: dict[str, Any], a: Action, name: str, text: str | None) -> None:
        if text is None:
            values[a.dest] = True
        elif text.lower() in _TRUE or text.lower() in _FALSE:
            values[a.dest] = text.lower() in _TRUE
        else:
            self.error(
                f'invalid argument "{text}" for "{name}" flag: '
                f'strconv.ParseBool: parsing "{text}": invalid syntax'
            )

    def _convert(self, a: Action, text: str) -> Any:
        if a.choices is not None and text not in a.choices:
            self.error(
                f'invalid argument "{text}" for "{a.flag_text() or a.dest}" flag: '
                f"must be one of {', '.join(a.choices)}"
            )
        if a.type is None:
            return text
        try:
            return a.type(text)
        except ValueError:
            parse = "ParseFloat" if a.type is float else "ParseInt"
            self.error(
                f'invalid argument "{text}" for "{a.flag_text() or a.dest}" flag: '
                f'strconv.{parse}: parsing "{text}": invalid syntax'
            )

    def _store(self, values: dict[str, Any], a: Action, text: str) -> None:
        value = self._convert(a, text)
        if a.kind == "append":
            current = values.get(a.dest)
            values[a.dest] = [*current, value] if current else [value]
        else:
            values[a.dest] = value

    def _assign(self, values: dict[str, Any], words: list[str]) -> None:
        """Hand the positional words to the declared positionals, in order: one each for
        plain ones, one if left over for "?", the rest for "*" and REMAINDER."""
        needed = [1 if a.nargs is None else 0 for a in self._positionals]
        k = 0
        for n, a in enumerate(self._positionals):
            spare = len(words) - k - sum(needed[n + 1 :])
            if a.nargs is None:
                if spare < 1:
                    missing = [p.dest for p in self._positionals[n:] if p.nargs is None]
                    self.error(f"the following arguments are required: {', '.join(missing)}")
                values[a.dest] = self._convert(a, words[k])
                k += 1
            elif a.nargs == "?":
                if spare >= 1:
                    values[a.dest] = self._convert(a, words[k])
                    k += 1
            else:
                take = max(spare, 0)
                values[a.dest] = [self._convert(a, w) for w in words[k : k + take]]
                k += take
        if k < len(words):
            if not self._positionals:
                self.error(f'unknown command "{words[k]}" for "{self.command_path}"')
            self.error(f"accepts at most {k} arg(s), received {len(words)}")

    def _wants_help(self, argv: Sequence[str], intermixed: bool) -> bool:
        """-h/--help counts before "--", and, for commands that run another command
        (run, exec, unshare), only before the first positional argument."""
        for tok in argv:
            if tok == "--":
                return False
            if tok in ("-h", "--help") and self._options.get(tok) is self._actions[0]:
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


def add_global_flags(p: Parser, *, show: bool) -> None:
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

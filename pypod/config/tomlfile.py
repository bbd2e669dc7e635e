"""Reading TOML configuration files with errors that name the file, the line and the problem.

Podman ignores keys it does not know, so pypod does too; a known key with the wrong type is an
error. tomllib reports positions only inside its message ("... (at line N, column M)"), and
not at all for type errors found later, so ``TomlFile.line_of`` finds a key's line by a plain
text search, which is good enough to point a human at the right place.
"""

from __future__ import annotations

import os
import re
from typing import Any, NoReturn

from pypod.errors import ConfigError
from pypod.records import record

_AT_LINE = r"\s*\(at line (\d+), column \d+\)"  # compiled by re's cache when a file is bad


@record
class TomlFile:
    path: str
    text: str
    data: dict[str, Any]

    def line_of(self, key: str) -> int | None:
        pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
        m = pattern.search(self.text)
        return self.text.count("\n", 0, m.start()) + 1 if m else None

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ConfigError(self.path, f"{key}: {problem}", self.line_of(key.rsplit(".", 1)[-1]))


def parse(path: str, text: str) -> TomlFile:
    import tomllib

    try:
        data = tomllib.loads(_blank_comment_lines(text))
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(_AT_LINE, msg)
        line = int(m.group(1)) if m else None
        raise ConfigError(path, re.sub(_AT_LINE, "", msg), line) from exc
    return TomlFile(path=path, text=text, data=data)


def _blank_comment_lines(text: str) -> str:
    """Whole-line comments emptied (line numbers kept). The stock containers.conf is 24 kB
    of which almost all is comments, and tomllib skips a comment one character-class test at
    a time (~3 ms of every `run`); an empty line costs next to nothing. Only without multi-line
    strings, where a line starting with '#' could be string content."""
    if '"""' in text or "'''" in text:
        return text
    return "\n".join("" if line.lstrip().startswith("#") else line for line in text.split("\n"))


def load(path: str) -> TomlFile | None:
    """The parsed file, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read: {exc}") from exc
    return parse(path, text)


def dropins(directory: str, suffix: str = ".conf") -> list[str]:
    """The drop-in files of a .d directory in lexical order (missing directory: none)."""
    import glob  # drop-in directories only

    return sorted(glob.glob(os.path.join(glob.escape(directory), "*" + suffix)))


def type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        bool: "a boolean",
        float: "a number",
        list: "an array",
        dict: "a table",
    }.get(kind, kind.__name__)


def check(doc: TomlFile, key: str, value: Any, kind: type) -> Any:
    """value if it has the TOML type `kind` (bool is not an integer here), else ConfigError."""
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        doc.fail(key, f"must be {type_name(kind)}, not {type_name(type(value))}")
    return value


def str_list(doc: TomlFile, key: str, value: Any) -> tuple[str, ...]:
    check(doc, key, value, list)
    for item in value:
        if not isinstance(item, str):
            doc.fail(key, f"must be an array of strings, not contain {type_name(type(item))}")
    return tuple(value)


def table(doc: TomlFile, key: str, data: dict[str, Any]) -> dict[str, Any]:
    """The sub-table `key` of data ({} when absent)."""
    value = data.get(key, {})
    return check(doc, key, value, dict)

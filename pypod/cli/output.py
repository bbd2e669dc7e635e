"""Everything the CLI prints to stdout goes through here."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any


def write(text: str) -> None:
    sys.stdout.write(text)


def line(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def warn(text: str) -> None:
    from pypod.log import WARNING, line

    sys.stderr.write(line(WARNING, text) + "\n")


def to_json(obj: Any, indent: int = 4) -> str:
    """Podman's JSON: 4-space indent (inspect-style documents: 5), keys as given, non-ASCII
    kept."""
    import json  # not for table output, the common case

    return json.dumps(obj, indent=indent, ensure_ascii=False, default=_default)


def _default(obj: Any) -> Any:
    from pypod.records import asdict, is_record

    if is_record(obj):
        return asdict(obj)
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot encode {type(obj).__name__}")


def print_json(obj: Any, indent: int = 4) -> None:
    line(to_json(obj, indent))


def is_json_format(fmt: str | None) -> bool:
    if not fmt:
        return False
    from pypod.format.report import is_json

    return is_json(fmt)


def print_rows(
    rows: Sequence[Any],
    fmt: str,
    *,
    headers: Mapping[str, str] | None = None,
    noheading: bool = False,
) -> None:
    """Render rows with a Go template; a `table` prefix adds aligned columns and a header."""
    from pypod.format.report import render_table

    write(render_table(list(rows), fmt, dict(headers or {}), noheading))


def print_each(items: Iterable[Any], fmt: str) -> None:
    """A Go template applied to each item, one per line (inspect --format)."""
    from pypod.format.report import parse_format

    _table, tmpl = parse_format(fmt, "inspect")
    for item in items:
        write(tmpl.execute([item]))


def print_yaml(obj: Any) -> None:
    import yaml

    write(yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, allow_unicode=True))


def confirm(warning: str) -> bool:
    """Podman's prompt: the warning, then "Are you sure you want to continue? [y/N] "; True
    for y or yes on stdin."""
    write(f"{warning}\nAre you sure you want to continue? [y/N] ")
    sys.stdout.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")

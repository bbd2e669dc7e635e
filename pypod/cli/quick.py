"""Answers given before the command table, the parser and the engine are built.

`pypod images` is what people type (and time) most; with no flag but the store's location it
prints the table the store keeps cached (storage/listing_cache.py), which needs a handful of
small modules instead of ~40. Anything it cannot answer the same way as the full command
returns False, and the caller takes the normal path.
"""

from __future__ import annotations

from pypod.cli import output


def print_images_table(global_flags: list[str]) -> bool:
    root = _root_flag(global_flags)
    if root is False:
        return False
    from pypod.local.quick import cached_images_table

    rows = cached_images_table(root or None)
    if rows is None:
        return False
    from pypod.cli.images_table import render

    output.write(render(rows))
    return True


def _root_flag(flags: list[str]) -> str | bool | None:
    """--root's value (None without it), or False for any other flag but --runroot."""
    root: str | None = None
    i = 0
    while i < len(flags):
        name, eq, value = flags[i].partition("=")
        if not eq:
            if i + 1 >= len(flags):
                return False
            value = flags[i + 1]
            i += 1
        i += 1
        if name == "--root":
            root = value
        elif name != "--runroot":
            return False
    return root

"""pypod image tree"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_detail import ImageTree
from pypod.errors import InvalidArgument

DESCRIPTION = "Prints layer hierarchy of an image in a tree format"
USAGE = "[options] IMAGE"
EXAMPLES = ("pypod image tree alpine:latest", "pypod image tree --whatrequires alpine:latest")


def configure(p: Parser) -> None:
    p.add_argument("image", nargs="*", help=SUPPRESS)
    p.flag(
        "--whatrequires",
        action="store_true",
        help="Show all child images and layers of the specified image",
    )


def _size(n: int) -> str:
    """Podman's tree uses go-units HumanSize with 4 significant digits and no space: 1.988MB."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    value = float(n)
    i = 0
    while value >= 1000 and i < len(units) - 1:
        value /= 1000
        i += 1
    return f"{value:.4g}{units[i]}"


def render(tree: ImageTree, what_requires: bool) -> str:
    tags = " ".join(tree.tags)
    lines = [f"Image ID: {tree.id[:12]}", f"Tags:     [{tags}]", f"Size:     {_size(tree.size)}"]
    if what_requires:
        lines.append("Image Layers")
        children = [
            f"ID: {cid[:12]} Top Layer of: [{' '.join(names)}]" for cid, names in tree.children
        ]
        items = (
            [f"ID: {tree.layers[-1].id[:12]} Size: {_size(tree.layers[-1].size):>7}"]
            if tree.layers
            else []
        )
        items += children
    else:
        lines.append("Image Layers")
        items = []
        for layer in tree.layers:
            item = f"ID: {layer.id[:12]} Size: {_size(layer.size):>7}"  # Podman's %7v
            if layer.top_of:
                item += f" Top Layer of: [{' '.join(layer.top_of)}]"
            items.append(item)
    for i, item in enumerate(items):
        lines.append(("└── " if i == len(items) - 1 else "├── ") + item)
    return "\n".join(lines) + "\n"


def run(args: Namespace, ctx: Context) -> int:
    if len(args.image) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.image)}")
    tree = ctx.engine.images.tree(args.image[0], args.whatrequires)
    output.line(render(tree, args.whatrequires))
    return 0

"""The command table: data, so `pypod --help` lists commands without importing them and a
command's module is imported only when it runs (pip's CommandInfo idea)."""

from __future__ import annotations


# Plain slotted classes, not dataclasses: importing dataclasses costs ~10 ms of every start.
class Command:
    __slots__ = ("module", "summary")

    def __init__(self, module: str, summary: str) -> None:
        self.module = module  # pypod.cli.commands.<module>
        self.summary = summary


class Group:
    __slots__ = ("children", "description", "summary")

    def __init__(
        self, summary: str, children: dict[str, Command | Group], description: str = ""
    ) -> None:
        self.summary = summary
        self.children = children
        self.description = description


def _c(module: str, summary: str) -> Command:
    return Command(f"pypod.cli.commands.{module}", summary)


_IMAGE = {
    "copy": _c("image_copy", "Copy an image between transports without the local store"),
    "exists": _c("image_exists", "Check if an image exists in local storage"),
    "history": _c("history", "Show history of a specified image"),
    "import": _c("import_", "Import a tarball to create a filesystem image"),
    "inspect": _c("image_inspect", "Display the configuration of an image"),
    "list": _c("images", "List images in local storage"),
    "load": _c("load", "Load image(s) from a tar archive"),
    "ls": _c("images", "List images in local storage"),
    "mount": _c("image_mount", "Mount an image's root filesystem"),
    "prune": _c("image_prune", "Remove unused images"),
    "pull": _c("pull", "Pull an image from a registry"),
    "push": _c("push", "Push an image to a specified destination"),
    "rm": _c("rmi", "Remove one or more images from local storage"),
    "save": _c("save", "Save image(s) to an archive"),
    "search": _c("search", "Search a registry for an image"),
    "tag": _c("tag", "Add an additional name to a local image"),
    "tree": _c("image_tree", "Print layer hierarchy of an image in a tree format"),
    "unmount": _c("image_unmount", "Unmount an image's root filesystem"),
    "umount": _c("image_unmount", "Unmount an image's root filesystem"),
    "untag": _c("untag", "Remove a name from a local image"),
}

_SYSTEM = {
    "info": _c("info", "Display pypod system information"),
    "reset": _c("system_reset", "Reset pypod storage"),
}

COMMANDS: dict[str, Command | Group] = {
    "history": _IMAGE["history"],
    "image": Group("Manage images", dict(sorted(_IMAGE.items()))),
    "images": _IMAGE["ls"],
    "import": _IMAGE["import"],
    "info": _SYSTEM["info"],
    "inspect": _c("inspect", "Display the configuration of object denoted by ID"),
    "load": _IMAGE["load"],
    "login": _c("login", "Log in to a container registry"),
    "logout": _c("logout", "Log out of a container registry"),
    "pull": _IMAGE["pull"],
    "push": _IMAGE["push"],
    "rmi": _IMAGE["rm"],
    "save": _IMAGE["save"],
    "search": _IMAGE["search"],
    "system": Group("Manage pypod", dict(sorted(_SYSTEM.items()))),
    "tag": _IMAGE["tag"],
    "unshare": _c("unshare", "Run a command in a modified user namespace"),
    "untag": _IMAGE["untag"],
    "version": _c("version", "Display the pypod version information"),
}

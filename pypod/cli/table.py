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

_CONTAINER = {
    "attach": _c("attach", "Attach to a running container"),
    "cleanup": _c(
        "container_cleanup", "Clean up network and mountpoints of one or more containers"
    ),
    "clone": _c("container_clone", "Clone an existing container"),
    "commit": _c("commit", "Create new image based on the changed container"),
    "cp": _c("cp", "Copy files/folders between a container and the local filesystem"),
    "create": _c("create", "Create but do not start a container"),
    "diff": _c("diff", "Inspect changes to the container's file systems"),
    "exec": _c("exec", "Run a process in a running container"),
    "exists": _c("container_exists", "Check if a container exists in local storage"),
    "export": _c("export", "Export a container's filesystem contents as a tar archive"),
    "init": _c("init", "Initialize one or more containers"),
    "inspect": _c("container_inspect", "Display the configuration of a container"),
    "kill": _c("kill", "Kill one or more running containers with a specific signal"),
    "list": _c("ps", "List containers"),
    "logs": _c("logs", "Fetch the logs of one or more containers"),
    "ls": _c("ps", "List containers"),
    "mount": _c("mount", "Mount a working container's root filesystem"),
    "pause": _c("pause", "Pause all the processes in one or more containers"),
    "port": _c("port", "List port mappings or a specific mapping for the container"),
    "prune": _c("container_prune", "Remove all non running containers"),
    "ps": _c("ps", "List containers"),
    "rename": _c("rename", "Rename an existing container"),
    "restart": _c("restart", "Restart one or more containers"),
    "rm": _c("rm", "Remove one or more containers"),
    "run": _c("run", "Run a command in a new container"),
    "start": _c("start", "Start one or more containers"),
    "stats": _c("stats", "Display a live stream of container resource usage statistics"),
    "stop": _c("stop", "Stop one or more containers"),
    "top": _c("top", "Display the running processes of a container"),
    "unmount": _c("unmount", "Unmount working container's root filesystem"),
    "umount": _c("unmount", "Unmount working container's root filesystem"),
    "unpause": _c("unpause", "Unpause the processes in one or more containers"),
    "update": _c("update", "Update an existing container"),
    "wait": _c("wait", "Block on one or more containers"),
}

_VOLUME = {
    "create": _c("volume_create", "Create a new volume"),
    "exists": _c("volume_exists", "Check if volume exists"),
    "export": _c("volume_export", "Export volumes"),
    "import": _c("volume_import", "Import a tarball contents into a volume"),
    "inspect": _c("volume_inspect", "Display detailed information on one or more volumes"),
    "ls": _c("volume_ls", "List volumes"),
    "list": _c("volume_ls", "List volumes"),
    "prune": _c("volume_prune", "Remove all unused volumes"),
    "rm": _c("volume_rm", "Remove one or more volumes"),
}

_NETWORK = {
    "connect": _c("network_connect", "Add a container to a network"),
    "create": _c("network_create", "Create networks for containers and pods"),
    "disconnect": _c("network_disconnect", "Disconnect a container from a network"),
    "exists": _c("network_exists", "Check if network exists"),
    "inspect": _c("network_inspect", "Display the network configuration for one or more networks"),
    "ls": _c("network_ls", "List networks"),
    "list": _c("network_ls", "List networks"),
    "prune": _c("network_prune", "Prune unused networks"),
    "reload": _c("network_reload", "Reload firewall rules for one or more containers"),
    "rm": _c("network_rm", "Remove networks"),
    "update": _c("network_update", "Update an existing network"),
}

_POD = {
    "clone": _c("pod_clone", "Clone an existing pod"),
    "create": _c("pod_create", "Create a new empty pod"),
    "exists": _c("pod_exists", "Check if a pod exists in local storage"),
    "inspect": _c("pod_inspect", "Displays a pod configuration"),
    "kill": _c("pod_kill", "Send the specified signal or SIGKILL to containers in pod"),
    "list": _c("pod_ps", "List pods"),
    "logs": _c("pod_logs", "Fetch logs for pod with one or more containers"),
    "ls": _c("pod_ps", "List pods"),
    "pause": _c("pod_pause", "Pause one or more pods"),
    "prune": _c("pod_prune", "Remove all stopped pods and their containers"),
    "ps": _c("pod_ps", "List pods"),
    "restart": _c("pod_restart", "Restart one or more pods"),
    "rm": _c("pod_rm", "Remove one or more pods"),
    "start": _c("pod_start", "Start one or more pods"),
    "stats": _c(
        "pod_stats",
        "Display a live stream of resource usage statistics for the containers in one or more pods",
    ),
    "stop": _c("pod_stop", "Stop one or more pods"),
    "top": _c("pod_top", "Display the running processes of containers in a pod"),
    "unpause": _c("pod_unpause", "Unpause one or more pods"),
}

_SYSTEM = {
    "df": _c("system_df", "Show pypod disk usage"),
    "events": _c("events", "Show pypod events"),
    "info": _c("info", "Display pypod system information"),
    "prune": _c("system_prune", "Remove unused data"),
    "reset": _c("system_reset", "Reset pypod storage"),
}

COMMANDS: dict[str, Command | Group] = {
    **{
        k: v
        for k, v in _CONTAINER.items()
        if k not in ("cleanup", "clone", "exists", "list", "ls", "prune", "umount", "inspect")
    },
    "container": Group("Manage containers", dict(sorted(_CONTAINER.items()))),
    "events": _SYSTEM["events"],
    "healthcheck": Group(
        "Manage health checks on containers",
        {"run": _c("healthcheck_run", "Run the health check of a container")},
    ),
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
    "volume": Group("Manage volumes", dict(sorted(_VOLUME.items()))),
    "network": Group("Manage networks", dict(sorted(_NETWORK.items()))),
    "pod": Group("Manage pods", _POD),
}

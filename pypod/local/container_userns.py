"""--userns at create: the container's user namespace mode and id maps.

A container with a namespace of its own (keep-id, nomap, auto, private; see
core/userns_modes.py) records its mode and maps in its config; its read-write layer is then
mounted through fuse-overlayfs with the same maps (storage/containers.py), so image files keep
their in-image owners inside, and the runtime gets linux.uidMappings/gidMappings. A pod's
infra container takes the pod's --userns; members join the infra's namespace
("container:<infra id>", the maps copied for inspect and the mount), as do containers created
with --userns container:NAME (which also depend on NAME: rm refuses it while they exist).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pypod import records
from pypod.core import userns_modes as um
from pypod.core.model import ContainerConfig
from pypod.errors import InvalidArgument, PypodError
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.core.pods import PodConfig
    from pypod.local.engine import LocalEngine
    from pypod.storage.types import Image

log = get_logger(__name__)

POD_CONFLICT = "cannot set user namespace mode when joining pod with infra container"


def apply(
    engine: LocalEngine,
    config: ContainerConfig,
    *,
    userns: str,
    user_given: bool,
    image: Image | None,
    pod: PodConfig | None = None,
) -> ContainerConfig:
    """config with userns_mode/uid_map/gid_map (and keep-id's user) set; unchanged for host."""
    if pod is not None and pod.infra_id:
        if userns:
            raise InvalidArgument(POD_CONFLICT)
        infra, _state = engine.container_store.get(pod.infra_id)
        if not infra.uid_map:
            return config
        return records.replace(
            config, userns_mode=f"container:{infra.id}", uid_map=infra.uid_map,
            gid_map=infra.gid_map, user=_keep_id_user(infra, config, user_given),
        )  # fmt: skip
    text = userns or engine.containers_conf.containers.userns or ""
    mode = um.parse(text, rootless=engine.rootless)
    if mode.kind == "container":
        return _join(engine, config, mode.target)
    if not mode.own:
        return config
    from pypod.host.processes import require_binary

    require_binary("fuse-overlayfs")  # the id-mapped rootfs mount; names the Debian package
    uid_map, gid_map = _plan(engine, mode, image)
    changes: dict[str, object] = {
        "userns_mode": text, "uid_map": um.as_strings(uid_map), "gid_map": um.as_strings(gid_map),
    }  # fmt: skip
    if mode.kind == "keep-id" and not user_given:
        from pypod.host.userns import rootless_gid, rootless_uid

        uid = mode.uid if mode.uid >= 0 else rootless_uid()
        gid = mode.gid if mode.gid >= 0 else rootless_gid()
        changes["user"] = f"{uid}:{gid}"
        if not config.passwd_entry and mode.uid < 0:
            changes["passwd_entry"] = _host_passwd_entry(uid, gid)
    return records.replace(config, **changes)  # type: ignore[arg-type]


def _join(engine: LocalEngine, config: ContainerConfig, target: str) -> ContainerConfig:
    """--userns container:NAME: the target's maps (none when it has no namespace of its own:
    then both simply share pypod's), "container:<id>" and a dependency on it, as Podman's
    WithUserNSFrom (which, unlike a pod's infra, does not pass on a keep-id user)."""
    from pypod.errors import ContainerNotFound
    from pypod.local.container_lookup import not_found

    try:
        tid = engine.container_store.lookup(target)
    except ContainerNotFound as exc:
        raise ContainerNotFound(
            f"looking up container to share user namespace with: {not_found(target).message}"
        ) from exc
    other, _state = engine.container_store.get(tid)
    if config.pod_id and other.pod_id != config.pod_id:
        raise InvalidArgument(
            f"container has joined pod {config.pod_id} and dependency container {tid} is not "
            "a member of the pod: invalid argument"
        )
    if other.uid_map:
        from pypod.host.processes import require_binary

        require_binary("fuse-overlayfs")  # the id-mapped rootfs mount
    return records.replace(
        config, userns_mode=f"container:{tid}", uid_map=other.uid_map, gid_map=other.gid_map,
        dependencies=tuple(dict.fromkeys((*config.dependencies, tid))),
    )  # fmt: skip


@contextlib.contextmanager
def allocation_lock(engine: LocalEngine, userns: str) -> Iterator[None]:
    """Held from choosing an auto/private range until the container is recorded, so that two
    concurrent creates cannot choose the same range (they read the recorded ones)."""
    if userns.partition(":")[0] not in ("auto", "private"):
        yield
        return
    import fcntl

    os.makedirs(engine.store.run_root, mode=0o700, exist_ok=True)
    path = os.path.join(engine.store.run_root, "userns-auto.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _host_passwd_entry(uid: int, gid: int) -> str:
    """keep-id: the /etc/passwd line for the user, as on the host (Podman adds it too)."""
    import pwd

    try:
        pw = pwd.getpwuid(uid)
    except KeyError:
        return ""
    return f"{pw.pw_name}:*:{uid}:{gid}:{pw.pw_gecos or pw.pw_name}:{pw.pw_dir}:/bin/sh"


def group_file(config: ContainerConfig, rootfs: str, userdata: str) -> str:
    """keep-id: the user's group gets an /etc/group entry (its host name) when the image has
    no group of that gid, as Podman's generateGroupEntry does; "" when none is needed."""
    if not config.uid_map:
        return ""
    from pypod.host.userns import rootless_gid, rootless_uid

    keep_id_user = f"{rootless_uid()}:{rootless_gid()}"
    if not (config.userns_mode.startswith("keep-id") or config.user == keep_id_user):
        return ""
    _, _, gid_text = config.user.partition(":")
    if not gid_text.isdigit():
        return ""
    from pypod.core import users

    gid = int(gid_text)
    if any(g.gid == gid for g in users.read_group(rootfs)):
        return ""
    import grp
    import pwd

    try:  # the names are the host user's, whatever ids keep-id gives them inside
        name = grp.getgrgid(rootless_gid()).gr_name
    except KeyError:
        name = str(gid)
    try:
        member = pwd.getpwuid(rootless_uid()).pw_name
    except KeyError:
        member = ""
    try:
        with open(users.resolve_in_root(rootfs, "/etc/group"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        text = ""
    if text and not text.endswith("\n"):
        text += "\n"
    path = os.path.join(userdata, "group")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{text}{name}:x:{gid}:{member}\n")
    os.chmod(path, 0o644)
    return path


def chown_to_root(config: ContainerConfig, paths: Iterable[str]) -> None:
    """The files pypod writes for the container (hosts, resolv.conf, passwd...) owned by the
    container's root, as Podman makes them."""
    uid = outside(config.uid_map, 0)
    gid = outside(config.gid_map, 0)
    for path in paths:
        try:
            os.lchown(path, uid, gid)
        except OSError as exc:
            log.debug("chown %s to %d:%d: %s", path, uid, gid, exc)


def outside(maps: Iterable[str], inner: int) -> int:
    """A container id as this process sees it through the container's maps (-1: unmapped)."""
    for m in um.from_strings(maps):
        if m.container_id <= inner < m.container_id + m.size:
            return m.host_id + inner - m.container_id
    return -1


def inside(maps: Iterable[str], outer: int) -> int:
    """An id this process sees as the container sees it (unmapped: nobody, as the kernel)."""
    for m in um.from_strings(maps):
        if m.host_id <= outer < m.host_id + m.size:
            return m.container_id + outer - m.host_id
    return um.NOBODY


def _keep_id_user(infra: ContainerConfig, config: ContainerConfig, user_given: bool) -> str:
    """A member of a keep-id pod runs as the infra's keep-id user unless --user says."""
    if user_given or not infra.userns_mode.startswith("keep-id"):
        return config.user
    return infra.user or config.user


def _plan(engine: LocalEngine, mode: um.Mode, image: Image | None) -> tuple[list, list]:
    import pwd

    from pypod.host.userns import rootless_gid, rootless_uid

    uid, gid = rootless_uid(), rootless_gid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    taken_u: list[tuple[int, int]] = []
    taken_g: list[tuple[int, int]] = []
    if mode.kind in ("auto", "private"):
        for other, _state in engine.container_store.list():
            if other.uid_map and other.userns_mode.partition(":")[0] in ("auto", "private"):
                taken_u += um.host_blocks(other.uid_map)
                taken_g += um.host_blocks(other.gid_map)
    return um.plan(
        mode, rootless=engine.rootless, user=user, uid=uid, gid=gid,
        image_max_id=_image_max_id(engine, image) if mode.kind in ("auto", "private") else 0,
        taken_uids=taken_u, taken_gids=taken_g,
    )  # fmt: skip


def _image_max_id(engine: LocalEngine, image: Image | None) -> int:
    """The largest id the image's /etc/passwd and /etc/group name (auto's default size)."""
    if image is None or not image.top_layer:
        return 0
    texts = {"etc/passwd": "", "etc/group": ""}
    try:
        for layer in engine.store.layer_chain(image.top_layer):
            root = engine.store.layer_path(layer.id)
            for rel, text in texts.items():
                path = os.path.join(root, rel)
                if not text and os.path.isfile(path) and not os.path.islink(path):
                    with open(path, encoding="utf-8", errors="replace") as f:
                        texts[rel] = f.read(1 << 20)
            if all(texts.values()):
                break
    except (OSError, PypodError) as exc:
        log.debug("reading the ids of image %s: %s", image.id, exc)
    return um.max_id(texts["etc/passwd"], texts["etc/group"])


# --- the namespace file (host/userns_file.py) -------------------------------------------------
def needs_holder(config: ContainerConfig) -> bool:
    """A namespace of its own (not a joiner's: a pod member's or --userns container:)."""
    return bool(config.uid_map) and not config.userns_mode.startswith("container:")


def holder_path(engine: LocalEngine, config: ContainerConfig) -> str:
    from pypod.local.container_storage import layers

    return os.path.join(layers(engine).run_dir(config.id), "userns")


def netns_owner(engine: LocalEngine, config: ContainerConfig) -> str:
    """The user namespace file a container's own network namespace must belong to: its
    holder, or for one joining another container's namespace that container's (running:
    init starts it first)."""
    if not config.userns_mode.startswith("container:"):
        return holder_path(engine, config)
    from pypod.local.pods_join import running_pid

    return f"/proc/{running_pid(engine, config.userns_mode[10:], config.name)}/ns/user"


def make_holder(engine: LocalEngine, config: ContainerConfig) -> str:
    """Make the container's user namespace before its network namespace and process (see
    userns_file.py); returns its file, which drop_holder() removes once runc has started the
    container's process in it."""
    from pypod.host import userns_file

    path = holder_path(engine, config)
    userns_file.drop(path)  # a crash's leftover
    userns_file.make(path, um.to_oci(config.uid_map), um.to_oci(config.gid_map))
    return path


def drop_holder(path: str) -> None:
    from pypod.host import userns_file

    try:
        userns_file.drop(path)
    except PypodError as exc:
        log.warning("%s", exc)


def spec_maps(config: ContainerConfig) -> tuple[list[dict[str, int]], list[dict[str, int]]] | None:
    """linux.uidMappings/gidMappings for the runtime, None without a namespace of its own."""
    if not config.uid_map:
        return None
    return um.to_oci(config.uid_map), um.to_oci(config.gid_map)


def inspect_fields(config: ContainerConfig) -> dict[str, object]:
    """HostConfig.UsernsMode and IDMappings as Podman's inspect shows them."""
    if not config.uid_map:  # container:<id> of a target without a namespace of its own
        joined = config.userns_mode.startswith("container:")
        return {"UsernsMode": config.userns_mode if joined else ""}
    mode = config.userns_mode if config.userns_mode.startswith("container:") else "private"
    return {
        "UsernsMode": mode,
        "IDMappings": {"UidMap": list(config.uid_map), "GidMap": list(config.gid_map)},
    }

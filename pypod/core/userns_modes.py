"""--userns for containers and pods: parse the mode, work out the id maps (Podman's rules).

    mode = parse("keep-id:uid=1000", rootless=True)   # Mode(kind="keep-id", uid=1000, ...)
    uid_map, gid_map = plan(mode, rootless=True, taken=..., image_max_id=...)
    as_strings(uid_map) -> ("0:1:1000", "1000:0:1", ...)   # ContainerConfig.uid_map, inspect
    from_strings(...)                                       # back to IDMap

Maps are relative to the user namespace pypod runs in: the host's as root, the rootless one
(own uid = 0, subordinate ids = 1..N) otherwise, which is the parent namespace of the
container's. Kinds:
    host     no namespace of its own (the default)
    keep-id  rootless: the user's uid/gid (or uid=, gid=) map to the user's own ids, the rest
             of the rootless range around them; the process runs as that user
    nomap    rootless: the rootless range without the user's own ids (container 0 = ns 1)
    auto     a free block of `size` ids (root: from the /etc/subuid range of the user
             "containers", as containers/storage; rootless: from the rootless range), not
             overlapping the blocks of other auto containers of the store
    private  Podman's "private": a namespace of its own, mapped like auto
    container:NAME  join the user namespace of another container (its maps are copied; see
             local/container_userns.py); ns:PATH is refused
Unknown modes and bad options fail as Podman's do (InvalidArgument, exit 125).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pypod.errors import InvalidArgument
from pypod.host.userns import SUBGID_FILE, SUBUID_FILE, IDMap, subid_ranges
from pypod.records import record

OWN_KINDS = ("keep-id", "nomap", "auto", "private")
KNOWN_KINDS = ("", "host", "ns", "container", *OWN_KINDS)
AUTO_USER = "containers"  # containers/storage's root-auto-userns-user
AUTO_MIN_SIZE = 1024
AUTO_MAX_SIZE = 65536
NOBODY = 65534


@record
class Mode:
    kind: str  # "" | host | keep-id | nomap | auto | private | container
    uid: int = -1  # keep-id:uid=
    gid: int = -1  # keep-id:gid=
    size: int = 0  # auto:size=
    target: str = ""  # container:NAME (a name or id prefix, resolved at create)

    @property
    def own(self) -> bool:
        """True when the container gets a user namespace (and id maps) of its own."""
        return self.kind in OWN_KINDS


def parse(text: str, *, rootless: bool) -> Mode:
    kind, _, opts = text.partition(":")
    if kind not in KNOWN_KINDS:
        raise InvalidArgument(f"unrecognized namespace mode {text} passed")
    if kind == "ns":
        raise InvalidArgument(
            f"--userns {text}: joining a user namespace by path is not supported by pypod"
        )
    if kind == "container":
        if not opts:
            raise InvalidArgument("must provide name or ID or a container: invalid argument")
        return Mode(kind=kind, target=opts)
    if kind in ("keep-id", "nomap") and not rootless:
        raise InvalidArgument(f"{kind} is only supported in rootless mode")
    if kind in ("", "host", "nomap", "private") and opts:
        raise InvalidArgument(f"unrecognized namespace mode {text} passed")
    values: dict[str, int] = {}
    allowed = {"keep-id": ("uid", "gid"), "auto": ("size",)}.get(kind, ())
    for opt in filter(None, opts.split(",")):
        key, sep, value = opt.partition("=")
        if key not in allowed or not sep:
            raise InvalidArgument(f"unknown option {opt!r} for --userns {kind}")
        if key == "size" and (not value.isdigit() or int(value) <= 0):
            raise InvalidArgument(f"invalid value {value!r} for option size of --userns auto")
        if not value.isdigit():
            raise InvalidArgument(f'cannot parse {key} value "{value}"')
        values[key] = int(value)
    return Mode(kind=kind, **values)


def check_pod_mode(text: str, *, rootless: bool) -> Mode:
    """pod create --userns: the same modes (the infra container gets the namespace), except
    joining another container's."""
    mode = parse(text, rootless=rootless)
    if mode.kind == "container":
        raise InvalidArgument(
            f"--userns {text}: a pod cannot join the user namespace of another container"
        )
    return mode


# --- maps -------------------------------------------------------------------------------------
def _rootless_size(ranges: Sequence[tuple[int, int]]) -> int:
    """Ids in the rootless namespace: 0 (the user) plus the subordinate ranges."""
    return 1 + sum(count for _start, count in ranges)


def keep_id(inner: int, total: int) -> list[IDMap]:
    """Container `inner` = namespace 0 (the user); container 0..inner-1 = namespace 1..inner;
    above inner the ids map to themselves, up to the namespace's size (Podman's keep-id)."""
    maps = []
    if inner > 0:
        maps.append(IDMap(container_id=0, host_id=1, size=min(inner, total - 1)))
    maps.append(IDMap(container_id=inner, host_id=0, size=1))
    if total - 1 > inner:
        maps.append(IDMap(container_id=inner + 1, host_id=inner + 1, size=total - 1 - inner))
    return maps


def nomap(total: int) -> list[IDMap]:
    return [IDMap(container_id=0, host_id=1, size=total - 1)]


def auto_block(
    pool: Sequence[tuple[int, int]], size: int, taken: Iterable[tuple[int, int]], what: str
) -> list[IDMap]:
    """The first `size` free ids of pool ((start, count) ranges) as one or more maps; taken
    are (start, count) blocks other containers use."""
    used = sorted(taken)
    maps: list[IDMap] = []
    need, inner = size, 0
    for start, count in pool:
        cursor, end = start, start + count
        for t_start, t_count in [*used, (end, 0)]:
            if need == 0:
                break
            t_end = t_start + t_count
            if t_end <= cursor:
                continue
            gap_end = min(t_start, end)
            if gap_end > cursor:
                n = min(need, gap_end - cursor)
                maps.append(IDMap(container_id=inner, host_id=cursor, size=n))
                inner += n
                need -= n
            cursor = max(cursor, t_end)
            if cursor >= end:
                break
        if need == 0:
            return maps
    raise InvalidArgument(
        f"creating container storage: could not find enough available IDs in {what} (wanted {size})"
    )


def auto_pool(rootless: bool, uid: int, user: str, file: str) -> list[tuple[int, int]]:
    if rootless:
        total = _rootless_size(subid_ranges(file, user, uid))
        if total <= 1:
            raise InvalidArgument(f'no subuid ranges found for user "{user}" in {file}')
        return [(1, total - 1)]
    ranges = subid_ranges(file, AUTO_USER, -1)
    if not ranges:
        raise InvalidArgument(
            f'creating container storage: cannot find mappings for user "{AUTO_USER}": '
            f'no subuid ranges found for user "{AUTO_USER}" in {file}'
        )
    return ranges


def auto_size(mode: Mode, image_max_id: int) -> int:
    if mode.size:
        return mode.size
    return min(max(AUTO_MIN_SIZE, image_max_id + 1), AUTO_MAX_SIZE)


def plan(
    mode: Mode,
    *,
    rootless: bool,
    user: str,
    uid: int,
    gid: int,
    image_max_id: int = 0,
    taken_uids: Iterable[tuple[int, int]] = (),
    taken_gids: Iterable[tuple[int, int]] = (),
) -> tuple[list[IDMap], list[IDMap]]:
    """(uid maps, gid maps) for a mode with a namespace of its own. user/uid/gid: the
    rootless user's (their subordinate ranges size the rootless namespace)."""
    if mode.kind in ("keep-id", "nomap"):
        uids = _rootless_size(subid_ranges(SUBUID_FILE, user, uid))
        gids = _rootless_size(subid_ranges(SUBGID_FILE, user, uid))
        if mode.kind == "nomap":
            if uids <= 1 or gids <= 1:
                raise InvalidArgument("nomap needs subordinate ids in /etc/subuid and /etc/subgid")
            return nomap(uids), nomap(gids)
        inner_uid = mode.uid if mode.uid >= 0 else uid
        inner_gid = mode.gid if mode.gid >= 0 else gid
        return keep_id(inner_uid, uids), keep_id(inner_gid, gids)
    size = auto_size(mode, image_max_id)
    uid_pool = auto_pool(rootless, uid, user, SUBUID_FILE)
    gid_pool = auto_pool(rootless, uid, user, SUBGID_FILE)
    return (
        auto_block(uid_pool, size, taken_uids, SUBUID_FILE),
        auto_block(gid_pool, size, taken_gids, SUBGID_FILE),
    )


def as_strings(maps: Iterable[IDMap]) -> tuple[str, ...]:
    """Podman's inspect form "container:host:size"."""
    return tuple(f"{m.container_id}:{m.host_id}:{m.size}" for m in maps)


def from_strings(items: Iterable[str]) -> list[IDMap]:
    out = []
    for item in items:
        c, h, s = (int(x) for x in item.split(":"))
        out.append(IDMap(container_id=c, host_id=h, size=s))
    return out


def host_blocks(items: Iterable[str]) -> list[tuple[int, int]]:
    """(host start, size) of each map, for auto's overlap check."""
    return [(m.host_id, m.size) for m in from_strings(items)]


def to_oci(items: Iterable[str]) -> list[dict[str, int]]:
    return [{"containerID": m.container_id, "hostID": m.host_id, "size": m.size}
            for m in from_strings(items)]  # fmt: skip


def max_id(passwd_text: str, group_text: str) -> int:
    """The largest uid/gid named in an image's /etc/passwd and /etc/group (nobody aside)."""
    best = 0
    for text, column in ((passwd_text, 2), (group_text, 2)):
        for line in text.splitlines():
            fields = line.split(":")
            if len(fields) > column and fields[column].isdigit():
                value = int(fields[column])
                if value != NOBODY and value < AUTO_MAX_SIZE:
                    best = max(best, value)
    return best

"""What a container changed in its root filesystem, as `podman diff` reports it.

A change is (kind, path): kind "A" added, "C" changed, "D" deleted; path absolute inside the
container ("/etc/passwd"). Two ways to find them, one per driver:

- overlay: walk the container's upper directory. A 0/0 character device (or a fuse-overlayfs
  `.wh.NAME` file) is a deletion; an opaque directory that hid a lower one is reported deleted
  and its contents added (as Podman does); anything else is added, or changed when the image
  view below already had it. A directory copied up only because something inside it changed is
  not reported for itself unless its size, mode or mtime differ.
- vfs: compare the container's full tree with the image's, file by file (mode, owner, device,
  and for non-directories size and mtime), like containers/storage's naive differ.

Either way, a directory that holds an added or deleted entry is reported changed just before
its first such entry, and the order is a depth-first walk with each directory's entries by name.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

Change = tuple[str, str]  # (kind, path)

WHITEOUT_PREFIX = ".wh."
WHITEOUT_OPAQUE = ".wh..wh..opq"

# Files the engine creates in every container (mount points and generated files): `podman
# diff` of a container leaves them out. The engine filters with this set; changes() does not.
INIT_PATHS = frozenset(
    {
        "/dev",
        "/etc/hostname",
        "/etc/hosts",
        "/etc/mtab",
        "/etc/resolv.conf",
        "/proc",
        "/run",
        "/run/.containerenv",
        "/run/notify",
        "/run/secrets",
        "/sys",
    }
)

OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque")
_WH = WHITEOUT_PREFIX.encode()
_WH_META = (WHITEOUT_PREFIX + WHITEOUT_PREFIX).encode()


def is_whiteout_device(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_storage_marker(name: bytes, st: os.stat_result) -> bool:
    """fuse-overlayfs's own bookkeeping in an upper dir, no change of the container's: the
    `.wh..wh..opq` file of an opaque directory and the 0/0 device named `.wh..opq` it adds."""
    return name.startswith(_WH_META) or (is_whiteout_device(st) and name.startswith(_WH))


def has_opaque_xattr(path: str) -> bool:
    """An overlay opaque mark on the directory: kernel (trusted.* or, with userxattr, user.*)
    or fuse-overlayfs's own."""
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return False
    for key in OPAQUE_XATTRS:
        if key in names:
            try:
                if os.getxattr(path, key, follow_symlinks=False) == b"y":
                    return True
            except OSError:
                continue
    return False


def is_opaque(path: str) -> bool:
    return has_opaque_xattr(path) or os.path.lexists(os.path.join(path, WHITEOUT_OPAQUE))


def _path(rel: bytes) -> str:
    return "/" + os.fsdecode(rel)


class LowerView:
    """lstat() of a path as the stack of lower layer directories (top first) shows it, with
    their whiteouts and opaque directories applied, without mounting them."""

    def __init__(self, layers: list[str]) -> None:
        self.layers = layers

    def lstat(self, rel: bytes) -> os.stat_result | None:
        parts = rel.split(b"/")
        candidates = self.layers
        for depth in range(len(parts)):
            prefix = os.fsdecode(b"/".join(parts[: depth + 1]))
            last = depth == len(parts) - 1
            survivors = []
            for root in candidates:
                path = os.path.join(root, prefix)
                try:
                    st = os.lstat(path)
                except (FileNotFoundError, NotADirectoryError):
                    continue
                if is_whiteout_device(st):
                    break  # deleted here: hidden in every layer below
                if last:
                    return st
                if not stat.S_ISDIR(st.st_mode):
                    break  # a non-directory hides the directories below it
                survivors.append(root)
                if has_opaque_xattr(path):
                    break
            if not survivors:
                return None
            candidates = survivors
        return None


def walk(root: str) -> Iterator[tuple[str, bytes, os.stat_result]]:
    """(path, relative name, lstat) of everything below root, depth first, each directory's
    entries by name (Go's filepath.Walk order, which `podman diff` shows); root not included."""
    yield from _walk(root, b"")


def _walk(directory: str, rel: bytes) -> Iterator[tuple[str, bytes, os.stat_result]]:
    try:
        names = sorted(os.listdir(os.fsencode(directory)))
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in names:
        path = os.path.join(directory, os.fsdecode(name))
        child = rel + b"/" + name if rel else name
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue  # removed while we walk
        yield path, child, st
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, child)


def _same_dir(a: os.stat_result, b: os.stat_result) -> bool:
    return a.st_size == b.st_size and a.st_mode == b.st_mode and a.st_mtime_ns == b.st_mtime_ns


def _overlay_kind(
    path: str, rel: bytes, st: os.stat_result, lower: LowerView
) -> tuple[str, bytes] | None:
    """(kind, path it is about) of one upper entry, None when it is no change of its own."""
    name = rel.rpartition(b"/")[2]
    if is_storage_marker(name, st):
        return None
    if is_whiteout_device(st):
        return "D", rel
    if name.startswith(_WH):
        parent = rel.rpartition(b"/")[0]
        target = name[len(_WH) :]
        return "D", (parent + b"/" + target if parent else target)
    below = lower.lstat(rel)
    if stat.S_ISDIR(st.st_mode) and is_opaque(path):
        return ("D" if below is not None else "A"), rel
    if below is None:
        return "A", rel
    if stat.S_ISDIR(st.st_mode) and stat.S_ISDIR(below.st_mode) and _same_dir(st, below):
        return None
    return "C", rel


def overlay_changes(upper: str, lowers: list[str]) -> list[Change]:
    """Changes recorded in an overlay upper directory over the lower layer dirs (top first)."""
    lower = LowerView(lowers)
    out: list[Change] = []
    seen_dirs: set[bytes] = set()
    for path, rel, st in walk(upper):
        found = _overlay_kind(path, rel, st, lower)
        if found is None:
            continue
        kind, about = found
        if stat.S_ISDIR(st.st_mode):
            seen_dirs.add(rel)
        if kind in ("A", "D"):
            parent = about.rpartition(b"/")[0]
            if parent and parent not in seen_dirs:
                out.append(("C", _path(parent)))
                seen_dirs.add(parent)
        out.append((kind, _path(about)))
    return out


def _listdir(path: str | None) -> set[bytes]:
    if path is None:
        return set()
    try:
        return set(os.listdir(os.fsencode(path)))
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _differs(old: os.stat_result, new: os.stat_result) -> bool:
    if (old.st_mode, old.st_uid, old.st_gid, old.st_rdev) != (
        new.st_mode,
        new.st_uid,
        new.st_gid,
        new.st_rdev,
    ):
        return True
    if stat.S_ISDIR(new.st_mode):
        return False
    return old.st_size != new.st_size or old.st_mtime_ns != new.st_mtime_ns


def tree_changes(new_root: str, old_root: str | None) -> list[Change]:
    """Changes from the tree old_root (None: empty) to new_root, both complete trees."""
    out: list[Change] = []
    _compare(new_root, old_root, b"", out)
    return out


def _compare(new_dir: str, old_dir: str | None, rel: bytes, out: list[Change]) -> None:
    new_names = _listdir(new_dir)
    old_names = _listdir(old_dir)
    for name in sorted(new_names | old_names):
        child = rel + b"/" + name if rel else name
        if name not in new_names:
            out.append(("D", _path(child)))
            continue
        new_path = os.path.join(new_dir, os.fsdecode(name))
        new_st = os.lstat(new_path)
        old_path = os.path.join(old_dir, os.fsdecode(name)) if name in old_names else None
        old_st = os.lstat(old_path) if old_path else None  # type: ignore[arg-type]
        reported = old_st is None or _differs(old_st, new_st)
        if reported:
            out.append(("A" if old_st is None else "C", _path(child)))
        if not stat.S_ISDIR(new_st.st_mode):
            continue
        below = old_path if old_st is not None and stat.S_ISDIR(old_st.st_mode) else None
        mark = len(out)
        _compare(new_path, below, child, out)
        if len(out) > mark and not reported:
            out.insert(mark, ("C", _path(child)))  # it holds changes: keep its own entry too


def tree_size(root: str) -> int:
    """Bytes of every non-directory below root, each inode once (containers/storage's
    directory usage, which Podman reports as SizeRw for overlay)."""
    seen: set[int] = set()
    total = 0
    for _, _, st in walk(root):
        if st.st_ino in seen:
            continue
        seen.add(st.st_ino)
        if not stat.S_ISDIR(st.st_mode):
            total += st.st_size
    return total


def changes_size(root: str, changes: list[Change]) -> int:
    """Bytes of the added and changed non-directories, each inode once (the naive differ's
    size, which Podman reports as SizeRw for vfs)."""
    seen: set[int] = set()
    total = 0
    for kind, path in changes:
        if kind == "D":
            continue
        try:
            st = os.lstat(os.path.join(root, path.lstrip("/")))
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode) or st.st_ino in seen:
            continue
        seen.add(st.st_ino)
        total += st.st_size
    return total

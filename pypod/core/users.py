"""Resolving --user and --group-add against the container's own /etc/passwd and /etc/group.

Never the host's files: the lookups read <rootfs>/etc/passwd with every symlink resolved inside
the rootfs (an image may make /etc a symlink, or point passwd at /../../host/file).

Podman's rules, checked against the config.json it writes:
- no user (image User empty): uid 0, gid 0, additionalGids = --group-add + root's memberships;
- a user "name|uid[:group|gid]": gid from the group part, else from passwd (0 if the uid has
  no entry); additionalGids = [gid] + --group-add + (without a group part) the user's
  memberships in /etc/group, in file order, without duplicates;
- HOME from the passwd entry; an unknown numeric uid gets none (the runtime then uses "/").
"""

from __future__ import annotations

import errno
import os

from pypod.errors import InvalidArgument
from pypod.records import record

_MAX_SYMLINKS = 40


@record
class ExecUser:
    uid: int
    gid: int
    additional_gids: tuple[int, ...] = ()
    home: str = ""  # "" when the user has no passwd entry
    name: str = ""


@record
class _Passwd:
    name: str
    uid: int
    gid: int
    home: str


@record
class _Group:
    name: str
    gid: int
    members: tuple[str, ...]


def resolve_in_root(root: str, path: str) -> str:
    """The host path of `path` inside `root`, symlinks resolved as if root were "/"."""
    parts = [p for p in path.split("/") if p]
    resolved: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        try:
            target = os.readlink(candidate)
        except OSError:
            resolved.append(part)  # not a symlink (or absent): keep the name
            continue
        hops += 1
        if hops > _MAX_SYMLINKS:
            raise OSError(errno.ELOOP, "too many levels of symbolic links", path)
        if target.startswith("/"):
            resolved = []
        parts = [p for p in target.split("/") if p] + parts
    return os.path.join(root, *resolved)


def _read_lines(rootfs: str, path: str) -> list[list[str]]:
    try:
        with open(resolve_in_root(rootfs, path), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    return [line.split(":") for line in lines if line.strip() and not line.startswith("#")]


def read_passwd(rootfs: str) -> list[_Passwd]:
    out = []
    for f in _read_lines(rootfs, "/etc/passwd"):
        if len(f) >= 4 and f[2].isdigit() and f[3].isdigit():
            home = f[5] if len(f) > 5 else ""
            out.append(_Passwd(name=f[0], uid=int(f[2]), gid=int(f[3]), home=home))
    return out


def read_group(rootfs: str) -> list[_Group]:
    out = []
    for f in _read_lines(rootfs, "/etc/group"):
        if len(f) >= 3 and f[2].isdigit():
            members = tuple(m for m in (f[3].split(",") if len(f) > 3 else []) if m)
            out.append(_Group(name=f[0], gid=int(f[2]), members=members))
    return out


def _find_user(entries: list[_Passwd], spec: str) -> _Passwd | None:
    if spec.isdigit():
        return next((e for e in entries if e.uid == int(spec)), None)
    found = next((e for e in entries if e.name == spec), None)
    if found is None:
        raise InvalidArgument(f"unable to find user {spec}: no matching entries in passwd file")
    return found


def _find_gid(groups: list[_Group], spec: str) -> int:
    if spec.isdigit():
        return int(spec)
    found = next((g for g in groups if g.name == spec), None)
    if found is None:
        raise InvalidArgument(f"unable to find group {spec}: no matching entries in group file")
    return found.gid


def group_add_gids(rootfs: str, group_add: tuple[str, ...] | list[str]) -> list[int]:
    """--group-add names or gids as gids. keep-groups needs crun's annotation: not with runc."""
    if not group_add:
        return []
    if "keep-groups" in group_add:
        raise InvalidArgument(
            "--group-add keep-groups is not supported: it needs crun, and crun cannot run on"
            " this host"
        )
    groups = read_group(rootfs)
    return [_find_gid(groups, g) for g in group_add]


def resolve_user(rootfs: str, user: str, group_add: tuple[str, ...] | list[str] = ()) -> ExecUser:
    """The process identity for --user `user` (may be "" for the image default)."""
    passwd = read_passwd(rootfs)
    groups = read_group(rootfs)
    user_part, sep, group_part = user.partition(":")
    entry = _find_user(passwd, user_part or "0")
    uid = entry.uid if entry else int(user_part or 0)
    gid = _find_gid(groups, group_part) if sep and group_part else (entry.gid if entry else 0)
    extra: list[int] = [gid] if user else []
    extra += group_add_gids(rootfs, group_add)
    if not sep and entry is not None:
        extra += [g.gid for g in groups if entry.name in g.members]
    return ExecUser(
        uid=uid, gid=gid, additional_gids=tuple(dict.fromkeys(extra)),
        home=entry.home if entry else "", name=entry.name if entry else "",
    )  # fmt: skip


def passwd_entry(template: str, *, uid: int, gid: int, name: str, home: str) -> str:
    """--passwd-entry: the line added to /etc/passwd, with $USERNAME $UID $GID $NAME $HOME."""
    values = {"USERNAME": name, "UID": str(uid), "GID": str(gid), "NAME": name, "HOME": home}
    out = template
    for key in sorted(values, key=len, reverse=True):  # $USERNAME before $NAME
        out = out.replace(f"${key}", values[key])
    return out if out.endswith("\n") else out + "\n"

"""-v/--volume, --mount, --tmpfs and image VOLUMEs into core.model.Mount records, as Podman
reads them (pkg/specgen parse rules, re-stated here).

Pure parsing: volume names are returned as they are, anonymous volumes with source "" (the
creator names them), and binds are checked to exist (Podman stats the source at create).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable

from pypod.core.model import Mount
from pypod.errors import InvalidArgument
from pypod.local.create_options import NAME_RE

_PROPAGATION = ("private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
                "runbindable")  # fmt: skip
_VOLUME_OPTS = {"ro", "rw", "z", "Z", "U", "O", "nocopy", "copy", "rbind", "bind", "suid",
                "nosuid", "dev", "nodev", "exec", "noexec", "idmap", *_PROPAGATION}  # fmt: skip
TMPFS_DEFAULTS = ("rw", "nosuid", "nodev")  # Podman 4.3: no noexec (Docker adds it)


def _clean_dest(dest: str, spec: str) -> str:
    if not dest.startswith("/"):
        raise InvalidArgument(f"invalid container path {dest!r}, must be an absolute path")
    del spec
    return posixpath.normpath(dest) if dest != "/" else "/"


def _check_opts(opts: list[str], spec: str) -> tuple[str, ...]:
    seen_rw = 0
    for opt in opts:
        name = opt.split("=", 1)[0]
        if name not in _VOLUME_OPTS:
            raise InvalidArgument(f"invalid option type {opt!r} in volume {spec!r}")
        seen_rw += name in ("ro", "rw")
    if seen_rw > 1:
        raise InvalidArgument(f"cannot set ro or rw options more than once in volume {spec!r}")
    return tuple(opts)


def parse_volume(spec: str) -> Mount:
    """SRC:DST[:OPTS] (host path or volume name), or DST alone (an anonymous volume)."""
    parts = spec.split(":")
    if not spec or len(parts) > 3 or any(p == "" for p in parts):
        raise InvalidArgument(
            f"incorrect volume format {spec!r}, should be [host-dir:]ctr-dir[:option]"
        )
    if len(parts) == 1:
        return Mount(type="volume", source="", destination=_clean_dest(parts[0], spec))
    if len(parts) == 2 and parts[1].startswith("/") is False and parts[0].startswith("/"):
        # "/ctr:ro": an anonymous volume with options
        return Mount(type="volume", source="", destination=_clean_dest(parts[0], spec),
                     options=_check_opts(parts[1].split(","), spec))  # fmt: skip
    src, dest = parts[0], _clean_dest(parts[1], spec)
    opts = _check_opts(parts[2].split(","), spec) if len(parts) == 3 else ()
    if src.startswith("/") or src.startswith("."):
        path = os.path.abspath(src)
        if not os.path.exists(path):
            raise InvalidArgument(f"statfs {path}: no such file or directory")
        return Mount(type="bind", source=path, destination=dest, options=opts)
    if not NAME_RE.match(src):
        raise InvalidArgument(
            f"invalid volume name {src!r}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"
        )
    return Mount(type="volume", source=src, destination=dest, options=opts)


def _bool_opt(value: str, key: str) -> bool:
    v = value.lower()
    if v in ("", "true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise InvalidArgument(f"invalid value {value!r} for {key}")


def parse_mount(spec: str) -> Mount:  # noqa: C901 - one flat switch over Podman's keys
    fields: dict[str, str] = {}
    flags: list[str] = []
    for item in spec.split(","):
        key, sep, value = item.partition("=")
        if key in ("ro", "readonly", "rw") and not sep:
            flags.append("ro" if key != "rw" else "rw")
            continue
        if not sep:
            if key in _VOLUME_OPTS:
                flags.append(key)
                continue
            raise InvalidArgument(f"{key!r}: invalid mount option")
        fields[key] = value
    kind = fields.pop("type", "")
    if kind not in ("bind", "volume", "tmpfs", "image", "devpts"):
        raise InvalidArgument(f"invalid filesystem type {kind!r}" if kind else
                              "invalid mount option: type must be set")  # fmt: skip
    src = fields.pop("source", fields.pop("src", ""))
    dest = fields.pop("destination", fields.pop("dst", fields.pop("target", "")))
    if not dest:
        raise InvalidArgument("must set volume destination: invalid argument")
    dest = _clean_dest(dest, spec)
    opts = list(flags)
    for key, value in fields.items():
        if key in ("ro", "readonly"):
            opts.append("ro" if _bool_opt(value, key) else "rw")
        elif key == "rw":
            opts.append("rw" if _bool_opt(value, key) else "ro")
        elif key in ("bind-propagation",) and value in _PROPAGATION:
            opts.append(value)
        elif key in ("relabel",) and value in ("shared", "private"):
            opts.append("z" if value == "shared" else "Z")
        elif key in ("volume-nocopy",) and _bool_opt(value, key):
            opts.append("nocopy")
        elif key == "tmpfs-size":
            opts.append(f"size={value}")
        elif key == "tmpfs-mode":
            opts.append(f"mode={value}")
        elif key in ("uid", "gid", "mode", "max") and kind == "devpts":
            opts.append(f"{key}={value}")
        elif key in ("U", "chown") and _bool_opt(value, key):
            opts.append("U")
        elif key in ("bind-nonrecursive",) and _bool_opt(value, key):
            opts.append("bind")
        elif key == "subpath" and kind == "volume":
            continue
        else:
            raise InvalidArgument(f"{key!r}: invalid mount option for type {kind}")
    if kind == "bind":
        if not src:
            raise InvalidArgument("must set source of the bind mount: invalid argument")
        path = os.path.abspath(src)
        if not os.path.exists(path):
            raise InvalidArgument(f"statfs {path}: no such file or directory")
        return Mount(type="bind", source=path, destination=dest, options=tuple(opts))
    if kind == "volume":
        if src and not NAME_RE.match(src):
            raise InvalidArgument(f"invalid volume name {src!r}")
        return Mount(type="volume", source=src, destination=dest, options=tuple(opts))
    if kind == "image":
        if not src:
            raise InvalidArgument("must set source image of the image mount")
        return Mount(type="image", source=src, destination=dest, options=tuple(opts))
    if kind == "devpts":
        return Mount(type="devpts", source="devpts", destination=dest, options=tuple(opts))
    return Mount(type="tmpfs", source="tmpfs", destination=dest,
                 options=tuple(opts) or TMPFS_DEFAULTS)  # fmt: skip


def parse_tmpfs(spec: str) -> Mount:
    dest, _, opts = spec.partition(":")
    options = tuple(o for o in opts.split(",") if o) or TMPFS_DEFAULTS
    return Mount(type="tmpfs", source="tmpfs", destination=_clean_dest(dest, spec),
                 options=options)  # fmt: skip


def user_mounts(volumes: Iterable[str], mounts: Iterable[str], tmpfs: Iterable[str]) -> list[Mount]:
    """In Podman's order (--mount, then -v, then --tmpfs); duplicate destinations fail."""
    out = [parse_mount(m) for m in mounts]
    out += [parse_volume(v) for v in volumes]
    out += [parse_tmpfs(t) for t in tmpfs]
    seen: set[str] = set()
    for m in out:
        if m.destination in seen:
            raise InvalidArgument(f"{m.destination}: duplicate mount destination")
        seen.add(m.destination)
    return out


def image_volume_mounts(image_volumes: Iterable[str], taken: set[str]) -> list[Mount]:
    """Anonymous volumes for the image's VOLUME paths the user did not mount over."""
    out = []
    for path in image_volumes:
        dest = posixpath.normpath(path) if path.startswith("/") else "/" + path
        if dest not in taken:
            out.append(Mount(type="volume", source="", destination=dest))
            taken.add(dest)
    return out


def volumes_from_mounts(spec: str, mounts: Iterable[Mount]) -> list[Mount]:
    """The volume and bind mounts of another container; CTR:ro|rw overrides their mode."""
    _, _, mode = spec.partition(":")
    mode_opts = [o for o in mode.split(",") if o]
    for o in mode_opts:
        if o not in ("ro", "rw", "z"):
            raise InvalidArgument(f"invalid options {mode!r}, can only specify 'ro', 'rw', and 'z'")
    out = []
    for m in mounts:
        if m.type not in ("volume", "bind"):
            continue
        opts = tuple(o for o in m.options if o not in ("ro", "rw") or not mode_opts)
        opts += tuple(o for o in mode_opts if o in ("ro", "rw"))
        out.append(Mount(type=m.type, source=m.source, destination=m.destination, options=opts))
    return out

"""`import`: a filesystem tarball (plain, gzip, zstd, xz, bzip2; a file, a URL or stdin) becomes
a one-layer image with an OCI config, a history entry and the Dockerfile-style --change
instructions applied, as Podman's import does.

The layer is spooled uncompressed to a temporary file while hashing (its digest is the layer's
id), then handed to the store; the image record is created last, so a failure leaves no image.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tempfile
import time
from typing import TYPE_CHECKING, Any, BinaryIO

from pypod.domain.images_transfer import ImportRequest
from pypod.errors import InvalidArgument, PypodError
from pypod.local.image_resolve import normalize_name
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine
    from pypod.local.image_pull import Reporter

log = get_logger(__name__)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
_CHUNK = 1 << 20


# --change ---------------------------------------------------------------------------------------
def _json_or_shell(value: str, shell_form: bool) -> list[str]:
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
            return parsed
    return ["/bin/sh", "-c", value] if shell_form else shlex.split(value)


def _bad(change: str, why: str) -> InvalidArgument:
    """Podman's wording: invalid change "EXPOSE x" - EXPOSE port must be an integer."""
    return InvalidArgument(f'invalid change "{change}" - {why}')


def _pairs(change: str, value: str) -> list[tuple[str, str]]:
    """ENV/LABEL: `k=v k2="v 2"` or the legacy `k v` form (Podman 4.3 keeps everything after
    the first "=" as one value; pypod splits several pairs as a Containerfile does)."""
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise _bad(change, str(exc)) from exc
    if words and "=" not in words[0]:
        return [(words[0], value.strip()[len(words[0]) :].strip())]
    out = []
    for word in words:
        key, sep, val = word.partition("=")
        if not sep or not key:
            raise _bad(change, "must be formatted key=value")
        out.append((key, val))
    return out


def _set_env(cfg: dict[str, Any], pairs: list[tuple[str, str]]) -> None:
    env = cfg.setdefault("Env", [])
    for key, val in pairs:
        env[:] = [e for e in env if e.split("=", 1)[0] != key]
        env.append(f"{key}={val}")


def _expose(cfg: dict[str, Any], change: str, value: str) -> None:
    ports = cfg.setdefault("ExposedPorts", {})
    for port in value.split() or [""]:
        num, _, proto = port.partition("/")
        if not num.isdigit():
            raise _bad(change, f'EXPOSE port must be an integer: parsing "{num}": invalid syntax')
        if not 0 < int(num) <= 65535:
            raise _bad(change, "EXPOSE port must be a valid port number")
        proto = proto.lower() or "tcp"
        if proto not in ("tcp", "udp"):
            raise _bad(change, "EXPOSE protocol must be TCP or UDP")
        ports[f"{int(num)}/{proto}"] = {}


def _stop_signal(cfg: dict[str, Any], change: str, value: str) -> None:
    from pypod.local.create_options import parse_signal

    try:  # Podman stores the number: "TERM" -> "15"
        cfg["StopSignal"] = str(parse_signal(value))
    except InvalidArgument as exc:
        raise _bad(change, f"KILLSIGNAL must be given a valid signal: {exc}") from exc


def _simple(cfg: dict[str, Any], change: str, instr: str, value: str) -> None:
    """USER, WORKDIR, ONBUILD: a non-empty value."""
    if not value:
        raise _bad(change, f"must provide a value to {instr}")
    if instr == "USER":
        cfg["User"] = value
    elif instr == "WORKDIR":  # relative to the previous one, as Podman joins them
        cfg["WorkingDir"] = os.path.normpath(os.path.join(cfg.get("WorkingDir", ""), value))
    else:
        cfg.setdefault("OnBuild", []).append(value)


def apply_changes(cfg: dict[str, Any], changes: tuple[str, ...]) -> None:
    """Apply Dockerfile-style instructions to an OCI config's "config" section."""
    for change in changes:
        instr, sep, value = change.partition(" ")
        if not sep:  # Podman also accepts "CMD=/bin/sh"
            instr, sep, value = change.partition("=")
            if not sep:
                raise _bad(change, "must be formatted as KEY VALUE")
        instr = instr.strip().upper()
        value = value.strip()
        if instr == "CMD":
            cfg["Cmd"] = _json_or_shell(value, True) if value else ["/bin/sh", "-c"]
        elif instr == "ENTRYPOINT":
            cfg["Entrypoint"] = _json_or_shell(value, True) if value else []
        elif instr == "ENV":
            _set_env(cfg, _pairs(change, value))
        elif instr == "LABEL":
            cfg.setdefault("Labels", {}).update(dict(_pairs(change, value)))
        elif instr == "EXPOSE":
            _expose(cfg, change, value)
        elif instr in ("USER", "WORKDIR", "ONBUILD"):
            _simple(cfg, change, instr, value)
        elif instr == "VOLUME":
            vols = cfg.setdefault("Volumes", {})
            for v in _json_or_shell(value, False) or [""]:
                if not v:
                    raise _bad(change, "VOLUME paths must not be empty")
                vols[v] = {}
        elif instr == "STOPSIGNAL":
            _stop_signal(cfg, change, value)
        else:
            raise _bad(change, f"invalid instruction {instr}")


# the layer --------------------------------------------------------------------------------------
def _open_source(engine: LocalEngine, source: str | BinaryIO) -> BinaryIO:
    if not isinstance(source, str):
        return source
    if source.startswith(("http://", "https://")):
        return _download(engine, source)
    try:
        return open(source, "rb")
    except OSError as exc:
        raise InvalidArgument(f"opening {source}: {exc.strerror.lower()}") from exc


def _download(engine: LocalEngine, url: str) -> BinaryIO:
    import httpx

    spool = tempfile.TemporaryFile(dir=engine.tmp_dir)  # noqa: SIM115
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=60) as resp:
            if resp.status_code != 200:
                raise PypodError(f"importing from {url}: invalid status code {resp.status_code}")
            for chunk in resp.iter_bytes(_CHUNK):
                spool.write(chunk)
    except httpx.HTTPError as exc:
        spool.close()
        raise PypodError(f"importing from {url}: {exc}") from exc
    spool.seek(0)
    return spool


def _spool_layer(engine: LocalEngine, stream: BinaryIO) -> tuple[BinaryIO, str, int]:
    """The uncompressed tar in a temp file, its sha256 digest and size."""
    from pypod.image.compression import decompressed

    plain = decompressed(stream)
    spool = tempfile.TemporaryFile(dir=engine.tmp_dir)  # noqa: SIM115
    h = hashlib.sha256()
    size = 0
    first = b""
    while chunk := plain.read(_CHUNK):
        if not first:
            first = chunk[:512]
        h.update(chunk)
        spool.write(chunk)
        size += len(chunk)
    if size < 512 or not _looks_like_tar(first):
        spool.close()
        raise InvalidArgument("importing: the input is not a tar archive")
    spool.seek(0)
    return spool, f"sha256:{h.hexdigest()}", size


def _looks_like_tar(header: bytes) -> bool:
    return len(header) >= 512 and (
        header[257:262] == b"ustar" or header == b"\0" * 512 or _checksum_ok(header)
    )


def _checksum_ok(header: bytes) -> bool:
    try:
        want = int(header[148:156].strip(b"\0 ") or b"0", 8)
    except ValueError:
        return False
    return want == sum(header[:148]) + 256 + sum(header[156:512])


# the config --------------------------------------------------------------------------------------


def _go_config_order(section: dict[str, Any]) -> dict[str, Any]:
    from pypod.local.image_inspect import CONFIG_ORDER

    out = {k: section[k] for k in CONFIG_ORDER if k in section}
    for key in ("ExposedPorts", "Volumes", "Labels"):  # Go writes map keys sorted
        if key in out:
            out[key] = dict(sorted(out[key].items()))
    return out


def _go_json(obj: Any) -> bytes:
    """Compact JSON as Go's encoding/json writes it (HTML characters escaped)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.encode()


def _source_mtime_ns(source: str | BinaryIO) -> int:
    """Podman dates an imported image by its tarball's modification time (so importing the
    same file twice gives the same image id); a download or stdin is dated now."""
    if isinstance(source, str) and not source.startswith(("http://", "https://")):
        try:
            return os.stat(source).st_mtime_ns
        except OSError:
            pass
    return time.time_ns()


def _go_time_ns(ns: int) -> str:
    """RFC 3339 in UTC with Go's nanoseconds (trailing zeros dropped)."""
    secs, frac = divmod(ns, 1_000_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    digits = f"{frac:09d}".rstrip("0")
    return text + (f".{digits}" if digits else "") + "Z"


def import_image(engine: LocalEngine, req: ImportRequest, reporter: Reporter) -> str:
    name = normalize_name(req.reference) if req.reference else ""
    config_section: dict[str, Any] = {}
    apply_changes(config_section, req.changes)
    from pypod.local.system import go_arch

    source = _open_source(engine, req.source)
    try:
        spool, diff_id, size = _spool_layer(engine, source)
    finally:
        if isinstance(req.source, str):
            source.close()
    created_ns = _source_mtime_ns(req.source)
    created = _go_time_ns(created_ns)
    hexd = diff_id.split(":", 1)[1]
    config: dict[str, Any] = {
        "created": created,
        "architecture": req.platform.arch or go_arch(),
        **({"variant": req.platform.variant} if req.platform.variant else {}),
        "os": req.platform.os or "linux",
        "config": _go_config_order(config_section),
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [
            {
                "created": created,
                "created_by": f"/bin/sh -c #(nop) ADD file:{hexd} in /",
                "comment": req.message or "imported from tarball",
            }
        ],
    }
    raw_config = _go_json(config)
    image_id = hashlib.sha256(raw_config).hexdigest()
    manifest = {  # as Podman writes it: no top-level mediaType, so the digests match
        "schemaVersion": 2,
        "config": {
            "mediaType": OCI_CONFIG,
            "digest": f"sha256:{image_id}",
            "size": len(raw_config),
        },
        "layers": [{"mediaType": OCI_LAYER, "digest": diff_id, "size": size}],
    }
    raw_manifest = _go_json(manifest)
    manifest_digest = "sha256:" + hashlib.sha256(raw_manifest).hexdigest()
    store = engine.store
    reporter.message("Getting image source signatures")
    reporter.message(f"Copying blob {diff_id}")
    with spool:
        store.put_layer(hexd, None, spool, diff_digest=diff_id)
    reporter.message(f"Copying config sha256:{image_id}")
    reporter.message("Writing manifest to image destination")
    store.create_image(
        image_id,
        hexd,
        names=(name,) if name else (),
        manifests={manifest_digest: raw_manifest},
        manifest_digest=manifest_digest,
        config=raw_config,
        created=created_ns / 1e9,
    )
    reporter.message("Storing signatures")
    log.debug("imported %s as %s (%s)", req.source, image_id, os.path.basename(name))
    return image_id

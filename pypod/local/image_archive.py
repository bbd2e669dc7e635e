"""save and load: images between the store and docker-archive, oci-archive, oci and dir.

Both are copy_image calls. Streams (stdin/stdout) are spooled through a temporary file in the
engine's tmp dir because archive transports need to seek. load tries each format in turn, as
Podman does, and names each image from the archive's own metadata (docker-archive RepoTags, the
OCI ref-name annotation); an unnamed image is reported as sha256:ID.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from pypod.domain.images_options import RegistryOptions
from pypod.domain.images_transfer import LoadReport, LoadRequest, SaveRequest
from pypod.errors import InvalidArgument, PypodError
from pypod.local.image_pull import Reporter, run_copy, system_context
from pypod.local.image_resolve import find_image, normalize_name
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

SAVE_FORMATS = {
    "docker-archive": "docker-archive",
    "oci-archive": "oci-archive",
    "oci-dir": "oci",
    "docker-dir": "dir",
}
_REF_NAME = "org.opencontainers.image.ref.name"


# save -------------------------------------------------------------------------------------------
def save(engine: LocalEngine, req: SaveRequest) -> None:
    from pypod.image import transports
    from pypod.image.transports.storage import StorageRef

    transport = SAVE_FORMATS.get(req.format)
    if transport is None:
        raise InvalidArgument(f"unknown format option {req.format!r}")
    if not req.names:
        raise InvalidArgument("need at least 1 argument")
    if len(req.names) > 1 and transport != "docker-archive":
        raise InvalidArgument(f"{req.format!r} does not support saving multiple images")
    store = engine.store
    images = [find_image(store, n, engine.registries) for n in req.names]
    reporter = Reporter(req.progress)
    ctx = system_context(engine, RegistryOptions(), reporter, store=store)
    to_stream = not isinstance(req.output, str)
    work = tempfile.mkdtemp(prefix="save-", dir=engine.tmp_dir) if to_stream else ""
    try:
        path = os.path.join(work, "archive") if to_stream else str(req.output)
        if transport == "docker-archive":
            _save_docker_archive(engine, ctx, reporter, images, req.names, path)
        else:
            name = _save_name(images[0], req.names[0])
            dest = f"{transport}:{path}" + (f":{name}" if name and transport != "dir" else "")
            src = StorageRef(store=store, image_id=images[0].id)
            run_copy(src, transports.parse(dest), ctx, reporter)
        if to_stream:
            with open(path, "rb") as f:
                shutil.copyfileobj(f, req.output, 1 << 20)  # type: ignore[misc]
            req.output.flush()  # type: ignore[union-attr]
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)


def _save_name(image: Any, given: str) -> str:
    """The name saved with the image: the one the user gave if it is one of its names."""
    for full in image.names:
        if full == given or full.endswith("/" + given) or full.endswith("/" + given + ":latest"):
            return full
    return image.names[0] if image.names and not image.id.startswith(given) else ""


def _save_docker_archive(
    engine: LocalEngine,
    ctx: Any,
    reporter: Reporter,
    images: list[Any],
    names: tuple[str, ...],
    path: str,
) -> None:
    from pypod.image.transports import docker_archive
    from pypod.image.transports.storage import StorageRef

    if len(images) == 1:
        name = _save_name(images[0], names[0])
        dest = docker_archive.parse_reference(f"{path}:{name}" if name else path)
        run_copy(StorageRef(store=engine.store, image_id=images[0].id), dest, ctx, reporter)
        return
    writer = docker_archive.ArchiveWriter(path)
    try:
        for image, given in zip(images, names, strict=True):
            name = _save_name(image, given)
            src = StorageRef(store=engine.store, image_id=image.id)
            run_copy(src, writer.reference([name] if name else []), ctx, reporter)
    except BaseException:
        writer.abort()
        raise
    writer.close()


# load -------------------------------------------------------------------------------------------
def _read_member(path: str, member: str) -> bytes | None:
    import tarfile

    try:
        with tarfile.open(path, "r:*") as tar:
            f = tar.extractfile(member)
            return f.read() if f is not None else None
    except (tarfile.TarError, KeyError, OSError, EOFError):
        return None


def _docker_archive_entries(path: str) -> list[list[str]] | None:
    raw = _read_member(path, "manifest.json")
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return [list(e.get("RepoTags") or []) for e in doc] if isinstance(doc, list) else None


def _oci_entries(index_raw: bytes | None) -> list[str] | None:
    if index_raw is None:
        return None
    try:
        doc = json.loads(index_raw)
    except ValueError:
        return None
    return [(m.get("annotations") or {}).get(_REF_NAME, "") for m in doc.get("manifests") or []]


def _full_name(name: str) -> str:
    if not name or ("/" not in name and ":" not in name):
        return ""  # a bare tag names nothing here
    try:
        return normalize_name(name)
    except PypodError:
        return ""


def _plans(path: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """[(source reference, names)] for the first format the input matches; failures otherwise."""
    failures: list[str] = []
    if os.path.isdir(path):
        index = os.path.join(path, "index.json")
        if os.path.exists(os.path.join(path, "oci-layout")) and os.path.exists(index):
            with open(index, "rb") as f:
                refs = _oci_entries(f.read()) or []
            return [(f"oci:{path}" + (f":{r}" if r else ""), [_full_name(r)]) for r in refs], []
        if os.path.exists(os.path.join(path, "manifest.json")):
            return [(f"dir:{path}", [])], []
        return [], [
            f"oci: open {index}: no such file or directory",
            f"dir: open {path}/manifest.json: no such file or directory",
        ]
    entries = _docker_archive_entries(path)
    if entries:
        return [
            (f"docker-archive:{path}:@{i}", [_full_name(n) for n in tags])
            for i, tags in enumerate(entries)
        ], []
    failures.append("docker-archive: loading tar component manifest.json: file does not exist")
    refs = _oci_entries(_read_member(path, "index.json"))
    if refs:
        return [
            (f"oci-archive:{path}" + (f":{r}" if r and len(refs) > 1 else ""), [_full_name(r)])
            for r in refs
        ], []
    failures.append("oci-archive: loading index: index.json: no such file or directory")
    return [], failures


def load(engine: LocalEngine, req: LoadRequest) -> LoadReport:
    reporter = Reporter(req.progress)
    work = ""
    path = req.input if isinstance(req.input, str) else ""
    try:
        if not path:
            work = tempfile.mkdtemp(prefix="load-", dir=engine.tmp_dir)
            path = os.path.join(work, "input")
            with open(path, "wb") as f:
                shutil.copyfileobj(req.input, f, 1 << 20)  # type: ignore[misc]
        elif not os.path.exists(path):
            raise InvalidArgument(f"stat {path}: no such file or directory")
        plans, failures = _plans(path)
        if not plans:
            detail = "".join(f"\n * {f}" for f in failures)
            raise InvalidArgument(
                f"payload does not match any of the supported image formats:{detail}"
            )
        loaded: list[str] = []
        for ref, names in plans:
            image_id, stored = _load_one(engine, ref, [n for n in names if n], reporter)
            loaded.extend(stored or [f"sha256:{image_id}"])
        return LoadReport(names=tuple(loaded))
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)


def _load_one(
    engine: LocalEngine, ref: str, names: list[str], reporter: Reporter
) -> tuple[str, list[str]]:
    from pypod.image import transports

    ctx = system_context(engine, RegistryOptions(), reporter, store=engine.store)
    return copy_into_store(engine, transports.parse(ref), ctx, reporter, names)


def copy_into_store(
    engine: LocalEngine, src: Any, ctx: Any, reporter: Reporter, names: list[str] | None = None
) -> tuple[str, list[str]]:
    """Copy any source into the store, naming the image; returns (id, names)."""
    from pypod.image.transports.storage import StorageRef

    names = list(names or [])
    dst = StorageRef(store=engine.store, name=names[0] if names else None)
    result = run_copy(src, dst, ctx, reporter)
    digest = getattr(result, "config_digest", "") or ""
    image_id = digest.split(":", 1)[-1]
    if len(names) > 1:
        engine.store.add_names(image_id, tuple(names[1:]))
    return image_id, names

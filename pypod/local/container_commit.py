"""commit: a container's changes become a new image over the container's image.

The new layer is the container's diff (storage/containers.commit_layer), or with --squash the
whole rootfs as one layer. The image config starts from the image's and takes what the
container runs with (Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts,
StopSignal), then the --change instructions, as Podman's commit records them; the history gets
one entry ("/bin/sh", comment "FROM <image>").
"""

from __future__ import annotations

import copy as _copy
import hashlib
import json
import signal
import time
from typing import TYPE_CHECKING, Any

from pypod.core.model import Status
from pypod.domain.containers_ops import CommitRequest
from pypod.errors import InvalidArgument, PypodError
from pypod.local import container_lookup as lk
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine
    from pypod.storage.types import Layer

log = get_logger(__name__)

_INSTRUCTIONS = [
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "LABEL",
    "ONBUILD",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
]
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"


def _check(req: CommitRequest) -> None:
    if req.format not in ("oci", "docker"):
        raise InvalidArgument(f"unrecognized image type {req.format!r}")
    if req.message and req.format != "docker":
        raise InvalidArgument(
            "messages are only compatible with the docker image format (-f docker)"
        )
    for change in req.changes:
        word = change.strip().split(" ", 1)[0].split("=", 1)[0].upper()
        if word not in _INSTRUCTIONS:
            raise InvalidArgument(f'invalid change "{change}" - invalid instruction {word}')


def _signal_name(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return str(signo)


def _container_config(
    base: dict[str, Any], config: ContainerConfig, req: CommitRequest
) -> dict[str, Any]:
    from pypod.local.image_import import apply_changes

    cfg: dict[str, Any] = _copy.deepcopy(base.get("config") or {})
    cfg["Env"] = [f"{k}={v}" for k, v in config.env.items()]
    for key, value in (("Cmd", config.command), ("Entrypoint", config.entrypoint)):
        if value:
            cfg[key] = list(value)
        else:
            cfg.pop(key, None)
    cfg["WorkingDir"] = config.workdir or "/"  # Podman (buildah) always writes it
    if config.user:
        cfg["User"] = config.user
    if config.labels:
        cfg["Labels"] = dict(config.labels)
    if config.expose:
        cfg["ExposedPorts"] = {**cfg.get("ExposedPorts", {}), **{p: {} for p in config.expose}}
    if config.stop_signal != signal.SIGTERM or "StopSignal" in cfg:
        cfg["StopSignal"] = _signal_name(config.stop_signal)
    if req.include_volumes:
        vols = cfg.setdefault("Volumes", {})
        for m in config.mounts:
            if m.type in ("volume", "bind"):
                vols[m.destination] = {}
    apply_changes(cfg, req.changes)
    return cfg


def _squashed_layer(engine: LocalEngine, cid: str, hold: str) -> Layer:
    from pypod.local.container_storage import layers

    lay = layers(engine)
    digest = hashlib.sha256()
    with lay.export_tar(cid) as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    diff_id = "sha256:" + digest.hexdigest()
    with lay.export_tar(cid) as stream:
        return engine.store.put_layer(diff_id[7:], None, stream, diff_digest=diff_id, hold=hold)


def _image_doc(
    engine: LocalEngine, config: ContainerConfig, req: CommitRequest, layer: Layer
) -> dict[str, Any]:
    from pypod.local.image_inspect import go_time

    base = json.loads(engine.store.image_config(config.image_id)) if config.image_id else {}
    created = go_time(time.time())
    entry: dict[str, Any] = {"created": created, "created_by": "/bin/sh"}
    if req.author:
        entry["author"] = req.author
    # the message goes to the Docker config's "comment" only (below); history says FROM
    entry["comment"] = f"FROM {config.image_name}" if config.image_name else ""
    history = [] if req.squash else list(base.get("history") or [])
    diff_ids = [] if req.squash else list((base.get("rootfs") or {}).get("diff_ids") or [])
    doc: dict[str, Any] = {
        "created": created,
        "architecture": base.get("architecture") or "amd64",
        "os": base.get("os") or "linux",
        "config": _container_config(base, config, req),
        "rootfs": {"type": "layers", "diff_ids": [*diff_ids, layer.diff_digest]},
        "history": [*history, entry],
    }
    if base.get("variant"):
        doc["variant"] = base["variant"]
    if req.author:
        doc["author"] = req.author
    if req.format == "docker":
        doc["container"] = config.id
        if req.message:
            doc["comment"] = req.message
    return doc


def _docker_manifest(raw_config: bytes, engine: LocalEngine, top: str) -> bytes:
    chain = engine.store.layer_chain(top)
    doc = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {
            "mediaType": DOCKER_CONFIG,
            "digest": "sha256:" + hashlib.sha256(raw_config).hexdigest(),
            "size": len(raw_config),
        },
        "layers": [
            {"mediaType": DOCKER_LAYER, "digest": la.diff_digest, "size": la.diff_size}
            for la in reversed(chain)
        ],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _write(engine: LocalEngine, config: ContainerConfig, req: CommitRequest, say: Any) -> str:
    from pypod.local.container_storage import layers
    from pypod.local.image_resolve import normalize_name
    from pypod.storage.store import new_hold

    name = normalize_name(req.image) if req.image else ""
    hold = new_hold()
    try:
        if req.squash:
            layer = _squashed_layer(engine, config.id, hold)
        else:
            layer = layers(engine).commit_layer(config.id, config.image_id or None, hold=hold)
        doc = _image_doc(engine, config, req, layer)
        for digest in doc["rootfs"]["diff_ids"]:
            say(f"Copying blob {digest}")
        raw = json.dumps(doc, separators=(",", ":")).encode()
        image_id = hashlib.sha256(raw).hexdigest()
        say(f"Copying config sha256:{image_id}")
        manifests = None
        if req.format == "docker":
            m = _docker_manifest(raw, engine, layer.id)
            manifests = {"sha256:" + hashlib.sha256(m).hexdigest(): m}
        say("Writing manifest to image destination")
        engine.store.create_image(
            image_id, layer.id, names=(name,) if name else (), manifests=manifests, config=raw
        )
        say("Storing signatures")
    finally:
        engine.store.release_holds(hold)
    return image_id


def commit(engine: LocalEngine, req: CommitRequest) -> str:
    """The new image's id."""
    from pypod.domain.images_options import CopyProgress

    _check(req)

    def say(text: str) -> None:
        if req.progress is not None:
            req.progress(CopyProgress(kind="message", text=text))

    cid = lk.one(engine, req.name)
    config, state = lk.load(engine, cid)
    paused = False
    if req.pause and state.status is Status.RUNNING:
        try:
            engine.runtime.pause(cid)
            paused = True
        except PypodError as exc:  # rootless cgroup v1: no freezer; commit unpaused
            log.debug("commit without pausing %s: %s", cid, exc)
    say("Getting image source signatures")
    try:
        image_id = _write(engine, config, req, say)
    finally:
        if paused:
            engine.runtime.resume(cid)
    lk.emit(engine, config, "commit")
    return image_id

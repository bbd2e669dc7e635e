"""pull, push and `image copy`: each one copy_image(source, destination) call.

Pull resolves a short name into candidates (registries.conf aliases, then the unqualified-search
registries) and tries them in order; the first that works wins and every failure is reported
when none does. Progress from the pipeline is translated into the domain's CopyProgress, with
the lines Podman prints ("Copying blob ...") as "message" events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pypod.domain.images_options import CopyProgress, ProgressCallback, PullPolicy, RegistryOptions
from pypod.domain.images_transfer import (
    CopyReport,
    CopyRequest,
    PullReport,
    PullRequest,
    PushReport,
    PushRequest,
)
from pypod.errors import ImageNotFound, InvalidArgument, PypodError
from pypod.local.image_resolve import find_image, not_known
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

TRANSPORTS = (
    "docker",
    "oci",
    "oci-archive",
    "docker-archive",
    "dir",
    "containers-storage",
    "docker-daemon",
)


def transport_of(name: str) -> str:
    """The transport a user-given name starts with, or ""."""
    head, sep, _ = name.partition(":")
    return head if sep and head in TRANSPORTS else ""


def parse_ref(name: str, default: str = "docker") -> Any:
    from pypod.image import transports

    if not transport_of(name):
        name = f"{default}://{name}" if default == "docker" else f"{default}:{name}"
    return transports.parse(name)


class Reporter:
    """Turns pipeline ProgressEvents into CopyProgress for the front end, in Podman's order:
    "Getting image source signatures" once the source answered, blobs, then the config (which
    the pipeline writes first, Podman last), then the manifest."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.started = False
        self._config = ""

    def message(self, text: str) -> None:
        if self.callback is not None:
            self.callback(CopyProgress(kind="message", text=text))

    def begin(self) -> None:
        if not self.started:
            self.started = True
            self.message("Getting image source signatures")

    def __call__(self, event: Any) -> None:
        self.begin()
        if self.callback is None:
            return
        kind = event.kind
        if kind == "config":
            self._config = event.digest
        elif kind == "manifest":
            if self._config:
                self.message(f"Copying config {self._config}")
                self._config = ""
            self.message("Writing manifest to image destination")
        elif kind == "start":
            self.message(f"Copying blob {event.digest}")
            self.callback(CopyProgress(kind="start", digest=event.digest, total=event.total))
        elif kind == "skipped":
            self.message(f"Copying blob {event.digest} skipped: already exists")
            self.callback(CopyProgress(kind="skipped", digest=event.digest, total=event.total))
        elif kind in ("bytes", "done"):
            self.callback(
                CopyProgress(kind=kind, digest=event.digest, offset=event.offset, total=event.total)
            )


def system_context(
    engine: LocalEngine, opts: RegistryOptions, reporter: Reporter | None = None, **extra: Any
) -> Any:
    fields: dict[str, Any] = {
        "tls_verify": opts.tls_verify,
        "creds": opts.creds,
        "authfile": opts.authfile,
        "cert_dir": opts.cert_dir,
        "quiet": reporter is None or reporter.callback is None,
        "progress": reporter,
    }
    fields.update({k: v for k, v in extra.items() if v not in (None, "")})
    return engine.system_context(**fields)


def run_copy(src: Any, dst: Any, ctx: Any, reporter: Reporter, **options: Any) -> Any:
    """copy_image with Podman's framing lines; passes only options the pipeline knows."""
    import copy as copy_module
    import inspect

    from pypod.image.copy import copy_image

    accepted = inspect.signature(copy_image).parameters
    kwargs = {k: v for k, v in options.items() if k in accepted}
    dropped = set(options) - set(kwargs)
    if dropped:
        log.debug("copy_image does not take %s yet", sorted(dropped))
    reporter.started = False
    try:
        result = copy_image(src, dst, ctx, **kwargs)
    except PypodError as exc:
        if reporter.started:
            raise
        # nothing was copied: the source could not be opened, and Podman says so
        failed = copy_module.copy(exc)
        failed.args = (f"initializing source {src}: {exc.message}",)
        raise failed from exc
    reporter.begin()
    reporter.message("Storing signatures")
    return result


def check_policy(transport: str, name: str) -> None:
    try:
        from pypod.config.policy import Policy
    except ImportError:  # pragma: no cover - until config/policy.py lands
        return
    Policy.load().check(transport, name)


# pull -------------------------------------------------------------------------------------------
def _resolve(engine: LocalEngine, name: str) -> Any:
    from pypod.image import shortnames

    return shortnames.resolve_pull(name, engine.registries)


def _pull_docker(engine: LocalEngine, req: PullRequest, name: str, reporter: Reporter) -> str:
    from pypod.image.shortnames import pull_error
    from pypod.image.transports.storage import StorageRef

    resolution = _resolve(engine, name)
    if resolution.description:
        log.info("%s", resolution.description)
    tried: list[tuple[Any, BaseException]] = []
    ctx = system_context(
        engine,
        req.registry,
        reporter,
        store=engine.store,
        os=req.platform.os,
        arch=req.platform.arch,
        variant=req.platform.variant,
    )
    for candidate in resolution.candidates:
        full = str(candidate)
        if req.policy == PullPolicy.NEWER and _up_to_date(engine, full, ctx):
            return find_image(engine.store, full).id
        reporter.message(f"Trying to pull {full}...")
        try:
            check_policy("docker", full)
            result = run_copy(
                parse_ref(full), StorageRef(store=engine.store, name=full), ctx, reporter
            )
        except PypodError as exc:
            log.debug("pull of %s failed: %s", full, exc)
            tried.append((candidate, exc))
            continue
        return _image_id(engine, result, full)
    raise pull_error(resolution, tried)


def _image_id(engine: LocalEngine, result: Any, name: str) -> str:
    digest = getattr(result, "config_digest", "") or ""
    if digest:
        return digest.split(":", 1)[-1]
    return find_image(engine.store, name).id


def _up_to_date(engine: LocalEngine, candidate: str, ctx: Any) -> bool:
    """--policy newer: the local image already has the registry's manifest digest."""
    try:
        image = find_image(engine.store, candidate)
    except ImageNotFound:
        return False
    from pypod.image.manifest import manifest_digest

    try:
        source = parse_ref(candidate).new_source(ctx)
        try:
            raw, _ = source.get_manifest()
        finally:
            source.close()
    except PypodError:
        return True  # Podman keeps the local image when the registry can't be asked
    return manifest_digest(raw) in (image.digest, *image.digests)


def _pull_transport(engine: LocalEngine, req: PullRequest, name: str, reporter: Reporter) -> str:
    """pull from oci:, dir:, docker-archive:, oci-archive: — stored like load does."""
    from pypod.local.image_archive import copy_into_store

    ctx = system_context(
        engine,
        req.registry,
        reporter,
        store=engine.store,
        os=req.platform.os,
        arch=req.platform.arch,
        variant=req.platform.variant,
    )
    image_id, _names = copy_into_store(engine, parse_ref(name), ctx, reporter)
    return image_id


def _all_tags(engine: LocalEngine, req: PullRequest, name: str) -> list[str]:
    from pypod.local.image_login import list_tags

    if "@" in name or ":" in name.rsplit("/", 1)[-1]:
        raise InvalidArgument("tag can't be used with --all-tags/-a")
    candidates = _resolve(engine, name).candidates
    repo = candidates[0].reference.name if candidates else name
    return [f"{repo}:{t}" for t in list_tags(engine, repo, req.registry)]


def pull(engine: LocalEngine, req: PullRequest) -> PullReport:
    name = req.reference
    if not name:
        raise InvalidArgument("requires exactly 1 arg")
    transport = transport_of(name)
    reporter = Reporter(req.progress)
    if transport == "docker":
        name = name.removeprefix("docker://")
    elif transport:
        return PullReport(images=(_pull_transport(engine, req, name, reporter),), names=())
    if req.policy in (PullPolicy.MISSING, PullPolicy.NEVER) and not req.all_tags:
        try:
            image = find_image(engine.store, name, engine.registries)
            return PullReport(images=(image.id,), names=tuple(image.names))
        except ImageNotFound:
            if req.policy == PullPolicy.NEVER:
                raise not_known(name) from None
    names = _all_tags(engine, req, name) if req.all_tags else [name]
    ids: list[str] = []
    for n in names:
        image_id = _pull_docker(engine, req, n, reporter)
        if image_id not in ids:
            ids.append(image_id)
    return PullReport(images=tuple(ids), names=tuple(names))


# push / copy ------------------------------------------------------------------------------------
def push(engine: LocalEngine, req: PushRequest) -> PushReport:
    from pypod.image.transports.storage import StorageRef

    image = find_image(engine.store, req.source, engine.registries)
    dest = req.destination or req.source
    if not transport_of(dest):
        from pypod.local.image_resolve import normalize_name

        dest = "docker://" + normalize_name(dest) if not req.destination else "docker://" + dest
    if req.compression_format not in ("", "gzip", "zstd", "zstd:chunked"):
        raise InvalidArgument(f"unsupported compression format {req.compression_format!r}")
    manifest_format = _manifest_format(req.format)
    reporter = Reporter(req.progress)
    dst = parse_ref(dest)
    src = StorageRef(store=engine.store, image_id=image.id)
    ctx = system_context(engine, req.registry, reporter, store=engine.store)
    result = run_copy(
        src,
        dst,
        ctx,
        reporter,
        remove_signatures=req.remove_signatures,
        dest_compression=req.compression_format or "gzip",
        manifest_format=manifest_format,
    )
    digest = getattr(result, "manifest_digest", "")
    if req.digestfile:
        with open(req.digestfile, "w", encoding="utf-8") as f:
            f.write(digest)
    return PushReport(digest=digest)


_FORMATS = {
    "oci": "application/vnd.oci.image.manifest.v1+json",
    "v2s2": "application/vnd.docker.distribution.manifest.v2+json",
    "docker": "application/vnd.docker.distribution.manifest.v2+json",
}


def _manifest_format(name: str) -> str:
    """--format NAME as a manifest media type ("" keeps the source's format)."""
    if not name:
        return ""
    if name == "v2s1":
        raise InvalidArgument("manifest format v2s1 (Docker schema1) is not supported")
    if name not in _FORMATS:
        raise InvalidArgument(
            f"unknown format \"{name}\". Choose one of the supported formats: 'oci', 'v2s1', "
            "or 'v2s2'"
        )
    return _FORMATS[name]


def copy(engine: LocalEngine, req: CopyRequest) -> CopyReport:
    src = parse_ref(req.source)
    dst = parse_ref(req.destination)
    reporter = Reporter(req.progress)
    # two registries may need different TLS and credentials: each side gets its own context
    needs_store = "containers-storage" in (src.transport, dst.transport)
    store = engine.store if needs_store else None
    ctx = system_context(engine, req.src_registry, reporter, store=store)
    dest_ctx = system_context(engine, req.dest_registry, reporter, store=store)
    result = run_copy(
        src,
        dst,
        ctx,
        reporter,
        all_instances=req.all,
        manifest_format=_manifest_format(req.format),
        dest_ctx=dest_ctx,
    )
    return CopyReport(digest=getattr(result, "manifest_digest", ""))

"""docker://NAME: images in a registry.

A source tries the pull sources registries.conf lists (mirrors first, then the registry
itself) and stays with the first that serves the manifest. A destination reuses blobs the
repository has, and mounts blobs this process has seen in another repository of the same
registry (cross-repo mount) before uploading.
"""

from __future__ import annotations

import threading
from typing import Any, BinaryIO

from pypod.errors import InvalidReference, PypodError
from pypod.image import manifest as mf
from pypod.image.registry.client import RegistryClient
from pypod.image.types import (
    BlobInfo,
    Compression,
    ImageDestination,
    ImageSource,
    LayerContext,
    SystemContext,
)
from pypod.log import get_logger
from pypod.records import record

log = get_logger(__name__)

TRANSPORT = "docker"
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"

# digest -> {(registry host, repo)}: where this process has seen each blob, for mounts.
# containers/image keeps the same knowledge in a persistent BlobInfoCache; in memory is enough
# for the push-after-pull and registry-to-registry copies it speeds up.
_KNOWN: dict[str, set[tuple[str, str]]] = {}
_KNOWN_LOCK = threading.Lock()


def _remember(digest: str, host: str, repo: str) -> None:
    with _KNOWN_LOCK:
        _KNOWN.setdefault(digest, set()).add((host, repo))


def _known(digest: str, host: str) -> list[str]:
    with _KNOWN_LOCK:
        return sorted(r for h, r in _KNOWN.get(digest, ()) if h == host)


@record
class DockerRef:
    domain: str
    repo: str  # path within the registry, e.g. "library/alpine"
    tag: str = ""
    digest: str = ""

    @property
    def transport(self) -> str:
        return TRANSPORT

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.repo}"

    def reference_string(self) -> str:
        """domain/repo[:tag][@digest] (the normalized docker reference)."""
        out = self.name
        if self.tag:
            out += ":" + self.tag
        if self.digest:
            out += "@" + self.digest
        return out

    def string_within_transport(self) -> str:
        return "//" + self.reference_string()

    def __str__(self) -> str:
        return f"{TRANSPORT}:{self.string_within_transport()}"

    @property
    def ref_for_manifest(self) -> str:
        return self.digest or self.tag or "latest"

    def new_source(self, ctx: SystemContext) -> ImageSource:
        return DockerSource(self, ctx)

    def new_destination(self, ctx: SystemContext) -> ImageDestination:
        return DockerDestination(self, ctx)


def parse_reference(s: str) -> DockerRef:
    if not s.startswith("//"):
        raise InvalidReference(f"invalid docker reference {s!r}: must start with //")
    return from_name(s[2:])


def from_name(name: str) -> DockerRef:
    """A DockerRef from an image name, normalized as Podman does (docker.io/library/...,
    :latest when neither tag nor digest is given)."""
    from pypod.image import reference

    ref = reference.parse_normalized(name).with_default_tag()
    return DockerRef(domain=ref.domain, repo=ref.path, tag=ref.tag, digest=ref.digest)


def _split_endpoint(name: str, ref: DockerRef) -> tuple[str, str]:
    """(host, repo) of an endpoint name registries.conf rewrote from ref."""
    domain, _, rest = name.partition("/")
    for suffix in ("@" + ref.digest if ref.digest else "", ":" + ref.tag if ref.tag else ""):
        if suffix and rest.endswith(suffix):
            rest = rest[: -len(suffix)]
    return domain, rest


def _registries(ctx: SystemContext) -> Any:
    if ctx.registries is not None:
        return ctx.registries
    from pypod.config.registries_conf import RegistriesConf

    return RegistriesConf.load()


def _credentials(ctx: SystemContext, domain: str, repo: str) -> Any:
    if ctx.creds:
        from pypod.image.registry.auth import Creds

        user, _, password = ctx.creds.partition(":")
        return Creds(username=user, password=password)
    from pypod.config.auth import get_credentials

    return get_credentials(f"{domain}/{repo}", ctx.authfile)


def _tls_files(ctx: SystemContext, host: str) -> Any:
    from pypod.config.certs import tls_config

    return tls_config(host, ctx.cert_dir)


def open_client(
    ctx: SystemContext, domain: str, repo: str, insecure: bool = False
) -> RegistryClient:
    host = DOCKER_HUB_API if domain == DOCKER_HUB else domain
    if ctx.tls_verify is False:
        insecure = True
    elif ctx.tls_verify is None and not insecure:
        insecure = _registries(ctx).is_insecure(domain)
    elif ctx.tls_verify is True:
        insecure = False
    return RegistryClient(
        host,
        insecure=insecure,
        tls_files=_tls_files(ctx, domain),
        credentials=_credentials(ctx, domain, repo),
    )


class DockerSource:
    def __init__(self, ref: DockerRef, ctx: SystemContext) -> None:
        self._ref = ref
        self._ctx = ctx
        self.client: RegistryClient | None = None
        self.repo = ref.repo
        self._top: tuple[bytes, str] | None = None

    @property
    def reference(self) -> DockerRef:
        return self._ref

    def _endpoints(self) -> list[tuple[str, str, bool]]:
        conf = _registries(self._ctx)
        name = self._ref.reference_string()
        reg = conf.find_registry(name)
        if reg is not None and reg.blocked:
            from pypod.config.registries_conf import SYSTEM_DROPIN_DIR
            from pypod.errors import PolicyDenied

            raise PolicyDenied(
                f"registry {reg.prefix} is blocked in {conf.main_file} or {SYSTEM_DROPIN_DIR}"
            )
        out = []
        for ep in conf.pull_sources(self._ref.reference_string()):
            host, repo = _split_endpoint(ep.name, self._ref)
            out.append((host, repo, ep.insecure))
        return out

    def get_manifest(self, instance_digest: str | None = None) -> tuple[bytes, str]:
        if instance_digest is None and self._top is not None:
            return self._top
        if self.client is None:
            self._top = self._open_first()
            if instance_digest is None:
                return self._top
        assert self.client is not None
        raw, mt, _ = self.client.get_manifest(
            self.repo, instance_digest or self._ref.ref_for_manifest, mf.ACCEPT
        )
        return raw, mt

    def _open_first(self) -> tuple[bytes, str]:
        failed: list[tuple[str, PypodError]] = []
        for host, repo, insecure in self._endpoints():
            client = open_client(self._ctx, host, repo, insecure)
            try:
                raw, mt, _ = client.get_manifest(repo, self._ref.ref_for_manifest, mf.ACCEPT)
            except PypodError as exc:
                log.info("pulling %s from %s/%s failed: %s", self._ref, host, repo, exc)
                client.close()
                failed.append((f"{host}/{repo}", exc))
                continue
            self.client, self.repo = client, repo
            return raw, mt
        raise _all_failed(failed)

    def get_blob(self, info: BlobInfo) -> tuple[BinaryIO, int]:
        if self.client is None:
            self.get_manifest()
        assert self.client is not None
        stream, size = self.client.get_blob(self.repo, info.digest)
        _remember(info.digest, self.client.host, self.repo)
        return stream, size

    def layer_infos_for_copy(self, instance_digest: str | None = None) -> list[BlobInfo] | None:
        return None

    def tags(self) -> list[str]:
        if self.client is None:
            self.get_manifest()
        assert self.client is not None
        return self.client.tags(self.repo)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def _all_failed(failed: list[tuple[str, PypodError]]) -> PypodError:
    """The primary location's error (the last tried), naming the mirrors that failed first,
    in the words containers/image uses."""
    import copy

    primary_name, primary = failed[-1]
    if len(failed) == 1:
        return primary
    mirrors = "\n".join(f"[{name}: {exc.message}]" for name, exc in failed[:-1])
    out = copy.copy(primary)
    out.args = (f"(Mirrors also failed: {mirrors}): {primary_name}: {primary.message}",)
    return out


class DockerDestination:
    def __init__(self, ref: DockerRef, ctx: SystemContext) -> None:
        if ref.digest and not ref.tag:
            log.debug("pushing by digest to %s", ref)
        self._ref = ref
        self.client = open_client(ctx, ref.domain, ref.repo)
        self.client.want_push(ref.repo)

    @property
    def reference(self) -> DockerRef:
        return self._ref

    def supported_manifest_types(self) -> list[str]:
        return []  # registries take OCI and Docker schema2 images and lists alike

    @property
    def desired_layer_compression(self) -> Compression:
        return Compression.COMPRESS

    @property
    def supports_concurrent_blobs(self) -> bool:
        return True

    @property
    def accepts_foreign_layers(self) -> bool:
        return False

    def try_reusing_blob(self, info: BlobInfo) -> BlobInfo | None:
        if not info.digest:
            return None
        repo = self._ref.repo
        size = self.client.blob_exists(repo, info.digest)
        if size is not None:
            return BlobInfo(
                digest=info.digest,
                size=size if size >= 0 else info.size,
                media_type=info.media_type,
            )
        for other in _known(info.digest, self.client.host):
            if other != repo and self.client.mount_blob(repo, info.digest, other):
                return BlobInfo(digest=info.digest, size=info.size, media_type=info.media_type)
        return None

    def put_blob(
        self, stream: BinaryIO, info: BlobInfo, *, is_config: bool, layer: LayerContext | None
    ) -> BlobInfo:
        digest, size = self.client.upload_blob(
            self._ref.repo, stream, info.digest or None, info.size
        )
        _remember(digest, self.client.host, self._ref.repo)
        return BlobInfo(digest=digest, size=size, media_type=info.media_type)

    def put_manifest(self, raw: bytes, media_type: str, instance_digest: str | None = None) -> None:
        ref = instance_digest or self._ref.ref_for_manifest
        self.client.put_manifest(self._ref.repo, ref, raw, media_type)

    def commit(self) -> None:
        pass  # a registry shows the image as soon as its manifest is put

    def close(self) -> None:
        self.client.close()

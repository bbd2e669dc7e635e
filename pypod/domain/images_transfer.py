"""Requests and reports of the verbs that move images: pull, push, copy, save, load, import."""

from __future__ import annotations

from typing import BinaryIO

from pypod.domain.images_options import Platform, ProgressCallback, PullPolicy, RegistryOptions
from pypod.records import field, record


@record
class PullRequest:
    reference: str
    all_tags: bool = False
    policy: PullPolicy = PullPolicy.ALWAYS
    platform: Platform = field(default_factory=Platform)
    registry: RegistryOptions = field(default_factory=RegistryOptions)
    progress: ProgressCallback | None = None


@record
class PullReport:
    images: tuple[str, ...]  # full image ids, in pull order
    names: tuple[str, ...] = ()


@record
class PushRequest:
    source: str  # a local image name or id
    destination: str = ""  # "" = the source name at its registry; any transport accepted
    format: str = ""  # "" (keep) | "oci" | "v2s2"
    compression_format: str = ""  # "" = gzip | "zstd"
    remove_signatures: bool = False
    digestfile: str | None = None
    registry: RegistryOptions = field(default_factory=RegistryOptions)
    progress: ProgressCallback | None = None


@record
class PushReport:
    digest: str  # manifest digest written


@record
class CopyRequest:
    """`image copy`: any transport to any; a name without a transport is docker://."""

    source: str
    destination: str
    all: bool = False
    format: str = ""
    src_registry: RegistryOptions = field(default_factory=RegistryOptions)
    dest_registry: RegistryOptions = field(default_factory=RegistryOptions)
    progress: ProgressCallback | None = None


@record
class CopyReport:
    digest: str


@record
class SaveRequest:
    names: tuple[str, ...]
    output: str | BinaryIO  # a path, or a stream such as stdout
    format: str = "docker-archive"  # docker-archive | oci-archive | oci-dir | docker-dir
    multi_image: bool = False
    compress: bool = False
    progress: ProgressCallback | None = None


@record
class LoadRequest:
    input: str | BinaryIO  # a path, or a stream (stdin)
    progress: ProgressCallback | None = None


@record
class LoadReport:
    names: tuple[str, ...]  # names loaded, or "sha256:<id>" for an untagged image


@record
class ImportRequest:
    source: str | BinaryIO  # a path, an http(s) URL, or a stream
    reference: str = ""
    changes: tuple[str, ...] = ()
    message: str = ""
    platform: Platform = field(default_factory=Platform)
    progress: ProgressCallback | None = None

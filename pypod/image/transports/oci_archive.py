"""oci-archive:PATH[:REFERENCE]: a tar of an OCI image layout.

Reading extracts the archive into a private temp dir (removed on close); writing builds the
layout in a temp dir and, on commit, tars it to PATH through a temp file and a rename, so PATH
is never half-written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Any

from pypod.errors import ImageNotFound, UnsafeArchive
from pypod.image.transports.layout_common import LayoutDestination, LayoutSource
from pypod.image.transports.oci import split_path_and_image
from pypod.image.types import ImageDestination, ImageSource, SystemContext
from pypod.records import record

TRANSPORT = "oci-archive"


def tmp_root() -> str:
    """Where big temporary files go: $TMPDIR, else /var/tmp (as Podman's image_copy_tmp_dir)."""
    return os.environ.get("TMPDIR") or ("/var/tmp" if os.path.isdir("/var/tmp") else "/tmp")


def extract_tar(path: str, dest: str) -> None:
    """Extract an image archive: regular files and directories only, none escaping dest
    (Python 3.11.2 has no tarfile extraction filters, so check by hand)."""
    import tarfile

    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                _extract_member(tar, member, dest, path)
    except FileNotFoundError as exc:
        raise ImageNotFound(f"archive {path} does not exist") from exc
    except tarfile.TarError as exc:
        raise ImageNotFound(f"{path} is not a readable tar archive: {exc}") from exc


def _extract_member(tar: Any, member: Any, dest: str, path: str) -> None:
    name = os.path.normpath(member.name.lstrip("/"))
    if name.startswith("..") or os.path.isabs(name):
        raise UnsafeArchive(f"{path}: entry {member.name!r} escapes the archive")
    target = os.path.join(dest, name)
    if member.isdir():
        os.makedirs(target, exist_ok=True)
    elif member.isfile():
        os.makedirs(os.path.dirname(target), exist_ok=True)
        src = tar.extractfile(member)
        with open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    elif member.issym() or member.islnk():
        # docker-archive legacy layer dirs link to the layer files; keep in-tree links only.
        link = os.path.normpath(os.path.join(os.path.dirname(name), member.linkname))
        if member.islnk():
            link = os.path.normpath(member.linkname.lstrip("/"))
        if link.startswith("..") or os.path.isabs(link):
            raise UnsafeArchive(f"{path}: link {member.name!r} points outside the archive")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(os.path.relpath(os.path.join(dest, link), os.path.dirname(target)), target)


def tar_directory(src: str, dest_path: str) -> None:
    import tarfile

    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest_path) or ".", prefix=".tmp-archive-")
    try:
        with (
            os.fdopen(fd, "wb") as f,
            tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            for name in sorted(os.listdir(src)):
                tar.add(os.path.join(src, name), arcname=name, filter=_normalize)
        os.replace(tmp, dest_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _normalize(info: Any) -> Any:  # tarfile.TarInfo in and out
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


class _ArchiveSource(LayoutSource):
    def __init__(self, ref: OciArchiveRef) -> None:
        self._tmp = tempfile.mkdtemp(prefix="pypod-oci-archive-", dir=tmp_root())
        try:
            extract_tar(ref.path, self._tmp)
            super().__init__(ref, self._tmp, ref.image)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


class _ArchiveDestination(LayoutDestination):
    def __init__(self, ref: OciArchiveRef) -> None:
        self._tmp = tempfile.mkdtemp(prefix="pypod-oci-archive-", dir=tmp_root())
        self._path = ref.path
        super().__init__(ref, os.path.join(self._tmp, "layout"), ref.image)

    def commit(self) -> None:
        super().commit()
        tar_directory(self.root, self._path)

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


@record
class OciArchiveRef:
    path: str
    image: str = ""

    @property
    def transport(self) -> str:
        return TRANSPORT

    def string_within_transport(self) -> str:
        return f"{self.path}:{self.image}" if self.image else self.path

    def __str__(self) -> str:
        return f"{TRANSPORT}:{self.string_within_transport()}"

    def new_source(self, ctx: SystemContext) -> ImageSource:
        return _ArchiveSource(self)

    def new_destination(self, ctx: SystemContext) -> ImageDestination:
        return _ArchiveDestination(self)


def parse_reference(s: str) -> OciArchiveRef:
    path, image = split_path_and_image(s, TRANSPORT)
    return OciArchiveRef(path=path, image=image)

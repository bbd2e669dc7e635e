"""The Docker Registry HTTP API v2 (distribution spec) client.

- client.py   RegistryClient: ping and scheme choice, manifests, blobs, tags, login check
- auth.py     WWW-Authenticate parsing, Basic and Bearer token auth with a per-scope cache
- blobs.py    resumable blob downloads and chunked uploads
- errors.py   registry error answers -> pypod.errors

Imports httpx lazily, only when a client first talks to a registry.
"""

from pypod.image.registry.client import RegistryClient

__all__ = ["RegistryClient"]

"""Images: references, registries, transports and the one copy pipeline.

May import pypod.storage (for the containers-storage transport), pypod.config, pypod.host,
pypod.errors. Never imports domain, local or cli.

- reference.py      the reference grammar (docker.io/library/ normalisation)
- shortnames.py     short-name resolution (aliases, unqualified-search-registries, localhost/)
- manifest.py       media types, manifest/index parsing, platform selection, conversions
- registry/         the Docker Registry HTTP API v2 client (auth, blobs, manifests, tags)
- transports/       docker://, oci:, oci-archive:, docker-archive:, dir:, containers-storage:
- types.py          the ImageSource / ImageDestination contracts every transport implements
- copy.py           copy(src, dst): pull, push, save, load and `image copy` are all this
"""

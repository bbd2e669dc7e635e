"""Storage: the layer and image store, like containers/storage.

May import pypod.config, pypod.host, pypod.errors. Never imports image, domain, local or cli.

- store.py          Store: layers, images, names and their metadata in SQLite, crash-safe
- images.py         image records: names (unique, they move), lookup, manifests, delete refcounts
- db.py             the SQLite schema and connection rules (WAL, busy timeout), chain ids
- staging.py        per-layer flock, pid-stamped staging dirs, crash cleanup
- tarstream.py      a streaming tar reader that keeps the raw headers (tar-split)
- extract.py        secure layer extraction: whiteouts, links, devices, xattrs, owners, times
- tarsplit.py       record and replay a layer's exact original tar stream
- drivers/          overlay, fuse-overlayfs and vfs behind one small Driver protocol
"""

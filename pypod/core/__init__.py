"""Containers (and later pods) as an immutable config plus a mutable state.

May import storage, image, runtime, config, host, errors. Never imports domain, local or cli.

- model.py       ContainerConfig (what the user asked for, resolved), ContainerState, Status
                 and the lifecycle transition table; VolumeConfig
- db.py          the SQLite state database (containers, state, volumes, exec sessions, names)
- containers.py  ContainerStore: create/lookup/list/update under per-container locks
- lifecycle.py   the ritual every operation follows: lock, re-sync, check state, act, event
- specgen.py     the ONE writer of OCI config.json (from ContainerConfig + image config)
- defaults.py    Podman's defaults: capabilities, masked/read-only paths, devices, rlimits
- users.py       resolving --user/--group-add against the container's /etc/passwd and group
- etcfiles.py    /etc/hosts, /etc/resolv.conf, /etc/hostname, /run/.containerenv
- volumes.py     named volumes (local driver)
- events.py      the on-disk event log (file backend, Podman's JSON lines)
- names.py       random container names
"""

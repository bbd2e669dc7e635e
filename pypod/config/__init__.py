"""Configuration shared with Podman: containers.conf, storage.conf, registries.conf (+ .d),
policy.json, auth.json, certs.d, and the system/user paths and env overrides that locate them.

Imports only pypod.errors and the standard library.

- paths.py            root vs rootless locations (honours _PYPOD_ROOTLESS_UID inside the userns)
- tomlfile.py         TOML reading with file:line errors, drop-in listing, type checks
- containers_conf.py  ContainersConf.load(paths=None, env=None)
- storage_conf.py     StorageConf.load(path=None, env=None): driver/options; pypod's own store
- registries_conf.py  RegistriesConf.load(paths=None, env=None): search, aliases, mirrors
- policy.py           Policy.load(path=None).check(transport, ref_name)
- auth.py             get_credentials / set_credentials / remove_credentials / remove_all
- certs.py            tls_config(host, cert_dir=None) -> TLSFiles
Every loader takes explicit paths and an env mapping so tests never depend on /etc.
"""

"""Configuration shared with Podman: containers.conf, storage.conf, registries.conf (+ .d),
policy.json, auth.json, certs.d, and the system/user paths and env overrides that locate them.

Imports only pypod.errors and the standard library.
"""

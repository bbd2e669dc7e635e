"""pypod: a daemonless, rootless, Podman-compatible container engine.

Layers (see ARCHITECTURE.md): cli -> local (engine implementation) -> domain (engine API)
-> image, storage -> config, host, format. Imports point down only.
"""

__version__ = "0.1.0"

"""The in-process implementation of the engine API (pypod.domain) over image, storage,
config and host. engine.py builds it from the global options."""

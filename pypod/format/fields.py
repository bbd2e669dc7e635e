"""Go-style field access over JSON-shaped dicts.

Podman's templates name Go struct fields (`{{.Host.Arch}}`) while its JSON uses lowerCamel
keys ("host", "arch", "ociRuntime"); go_view lets one dict answer both, matching keys without
regard to case.
"""

from __future__ import annotations

from typing import Any


class GoView(dict):  # type: ignore[type-arg]
    __slots__ = ()

    def _find(self, key: object) -> object:
        if isinstance(key, str) and not dict.__contains__(self, key):
            low = key.lower()
            for k in self.keys():
                if isinstance(k, str) and k.lower() == low:
                    return k
        return key

    def __getitem__(self, key: object) -> Any:
        return dict.__getitem__(self, self._find(key))

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, self._find(key))

    def get(self, key: object, default: Any = None) -> Any:
        return dict.get(self, self._find(key), default)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def go_view(obj: Any) -> Any:
    if isinstance(obj, dict):
        return GoView({k: go_view(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return [go_view(v) for v in obj]
    return obj

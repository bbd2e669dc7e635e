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


class GoTime:
    """An RFC 3339 time (UTC, "Z") that a template prints as Go's time.Time does
    ("2026-11-26 22:59:51.594028238 +0000 UTC") and `json` encodes as the text itself."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        t = self.text
        if len(t) < 19 or t[10] != "T" or not t.endswith("Z"):
            return t
        return f"{t[:10]} {t[11:-1]} +0000 UTC"

    def __json__(self) -> str:
        return self.text


def go_times(doc: dict[str, Any], *paths: str) -> dict[str, Any]:
    """A copy of doc whose string fields at the dotted paths are GoTime (a template sees the
    Go struct's time.Time there)."""
    out = dict(doc)
    for path in paths:
        head, _, rest = path.partition(".")
        value = out.get(head)
        if rest and isinstance(value, dict):
            out[head] = go_times(value, rest)
        elif not rest and isinstance(value, str):
            out[head] = GoTime(value)
    return out


def go_view(obj: Any) -> Any:
    if isinstance(obj, dict):
        return GoView({k: go_view(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return [go_view(v) for v in obj]
    return obj

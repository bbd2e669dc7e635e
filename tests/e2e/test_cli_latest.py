"""--latest on the single-purpose verbs (init, container cleanup, attach): resolved by the engine
to the newest container, exclusive with names."""

from __future__ import annotations

from tests.fixtures.pypod_cli import Pypod


def _events(pypod: Pypod, event: str) -> list[str]:
    args = ("--stream=false", "--filter", f"event={event}", "--format", "{{.Name}}")
    return pypod("events", *args).stdout.split()


def test_init_cleanup_attach_latest(pypod: Pypod, busybox: str) -> None:
    pypod("create", "--name", "older", busybox, "true")
    newest = pypod("create", "--name", "newest", busybox, "sleep", "300").stdout.strip()
    assert pypod("init", "--latest").stdout.strip() == newest
    assert _events(pypod, "init") == ["newest"]
    assert pypod("container", "cleanup", "--latest").stdout.strip() == newest
    assert _events(pypod, "cleanup") == ["newest"]

    r = pypod("attach", "--latest", check=False)
    assert r.rc == 125 and "you can only attach to running containers" in r.stderr
    for verb in (("init",), ("container", "cleanup"), ("attach",)):
        r = pypod(*verb, "--latest", "older", check=False)
        assert r.rc == 125 and "--latest and containers cannot be used together" in r.stderr, verb
    r = pypod("init", check=False)
    assert r.rc == 125 and "no containers specified" in r.stderr


def test_latest_without_containers(pypod: Pypod) -> None:
    for verb in (("init",), ("container", "cleanup"), ("attach",)):
        r = pypod(*verb, "--latest", check=False)
        assert r.rc == 125 and "no such container" in r.stderr, verb

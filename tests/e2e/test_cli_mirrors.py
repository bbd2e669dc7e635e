"""registries.conf through the CLI: prefix rewrites, mirrors, blocked registries, search
registries and aliases for short names, each test with its own registries.conf file."""

from __future__ import annotations

from cli_image_helpers import push_test_image


def _conf(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "registries.conf"
    path.write_text(text)
    return {"CONTAINERS_REGISTRIES_CONF": str(path)}


def _rewrite(primary: str, mirror: str) -> str:
    return (
        "unqualified-search-registries = []\n"
        "[[registry]]\n"
        'prefix = "example.test/x"\n'
        f'location = "{primary}/y"\n'
        "insecure = true\n"
        "[[registry.mirror]]\n"
        f'location = "{mirror}/z"\n'
        "insecure = true\n"
        "[[registry]]\n"
        'prefix = "example.test/blocked"\n'
        f'location = "{primary}/b"\n'
        "blocked = true\n"
    )


def test_pull_from_mirror(pypod, registry, second_registry, tmp_path):
    name = registry.repo("app").split("/")[1]
    img = push_test_image(second_registry, f"z/{name}", "v1", layers=1)
    image_id = img.config_digest.split(":")[1]
    env = _conf(tmp_path, _rewrite(registry.host, second_registry.host))
    # the primary lacks the image: the mirror (tried first) serves it, under the logical name
    r = pypod("pull", f"example.test/x/{name}:v1", env=env)
    assert r.stdout == image_id + "\n"
    assert f"Trying to pull example.test/x/{name}:v1..." in r.stderr
    names = pypod("images", "--format", "{{.Repository}}:{{.Tag}}", env=env).stdout
    assert names == f"example.test/x/{name}:v1\n"
    # the primary is down: the mirror still serves
    pypod("rmi", f"example.test/x/{name}:v1", env=env)
    env = _conf(tmp_path, _rewrite("127.0.0.1:1", second_registry.host))
    r = pypod("pull", "-q", f"example.test/x/{name}:v1", env=env)
    assert r.stdout == image_id + "\n"
    # neither has it: the error names the mirror's failure and the primary's
    env = _conf(tmp_path, _rewrite(registry.host, second_registry.host))
    r = pypod("pull", f"example.test/x/{name}:nope", env=env, check=False)
    assert r.rc == 125
    assert "Error: initializing source docker://example.test/x/" in r.stderr
    assert f"(Mirrors also failed: [{second_registry.host}/z/{name}: " in r.stderr
    assert f"): {registry.host}/y/{name}: reading manifest nope" in r.stderr


def test_blocked_registry(pypod, registry, tmp_path):
    env = _conf(tmp_path, _rewrite(registry.host, registry.host))
    conf = env["CONTAINERS_REGISTRIES_CONF"]
    r = pypod("pull", "example.test/blocked/img:v1", env=env, check=False)
    assert r.rc == 125
    assert r.stderr.splitlines()[-1] == (
        "Error: initializing source docker://example.test/blocked/img:v1: registry "
        f"example.test/blocked is blocked in {conf} or /etc/containers/registries.conf.d"
    )
    # --registries-conf does the same as the variable
    r = pypod("--registries-conf", conf, "pull", "example.test/blocked/img:v1", check=False)
    assert r.rc == 125 and "is blocked in" in r.stderr
    assert pypod("images", "-aq").stdout == ""


def test_short_names_search_order_and_aliases(pypod, registry, second_registry, tmp_path):
    repo = registry.repo("short")
    img = push_test_image(second_registry, repo, "latest", layers=1)
    image_id = img.config_digest.split(":")[1]
    env = _conf(
        tmp_path,
        f'unqualified-search-registries = ["{registry.host}", "{second_registry.host}"]\n'
        f'[aliases]\n"myalias" = "{second_registry.host}/{repo}"\n',
    )
    # the first search registry lacks it, the second has it
    r = pypod("pull", "--tls-verify=false", repo, env=env)
    assert r.stdout == image_id + "\n"
    tried = [line for line in r.stderr.splitlines() if line.startswith("Trying to pull")]
    assert tried == [
        f"Trying to pull {registry.host}/{repo}:latest...",
        f"Trying to pull {second_registry.host}/{repo}:latest...",
    ]
    pypod("rmi", image_id)
    # an alias goes straight to its target
    r = pypod("pull", "--tls-verify=false", "myalias", env=env)
    assert r.stdout == image_id + "\n"
    assert [line for line in r.stderr.splitlines() if line.startswith("Trying")] == [
        f"Trying to pull {second_registry.host}/{repo}:latest..."
    ]
    # nowhere: the error lists every attempt
    r = pypod("pull", "--tls-verify=false", "short/nothere", env=env, check=False)
    assert r.rc == 125
    lines = r.stderr.splitlines()
    start = lines.index("Error: 2 errors occurred while pulling:")
    assert lines[start + 1].startswith(
        f" * initializing source docker://{registry.host}/short/nothere:latest: "
    )
    assert lines[start + 2].startswith(
        f" * initializing source docker://{second_registry.host}/short/nothere:latest: "
    )

"""The lazy-import rules `pypod images` relies on for its start-up time (docs/performance.md).

Each test runs a real command in a fresh interpreter against a real store and inspects
sys.modules afterwards: what a read-only listing must never load (the types and modules of
other verbs, the driver probe, the template engine for plain formats, TOML for
registries.conf, hashing and JSON) stays unloaded.
"""

from __future__ import annotations

import subprocess
import sys

from cli_image_helpers import import_image

from tests.fixtures.pypod_cli import root_env

_PROBE = """
import sys
from pypod.cli.main import main
rc = main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.write("MODULES=" + ",".join(sorted(sys.modules)) + "\\n")
sys.exit(rc)
"""

# Never loaded by a plain `pypod images` on an existing store.
_NOT_FOR_IMAGES = (
    # other verbs' request/report types and code
    "pypod.domain.images_transfer",
    "pypod.domain.images_registry",
    "pypod.domain.images_detail",
    "pypod.domain.images_remove",
    "pypod.local.image_inspect",
    "pypod.local.image_pull",
    # configuration the listing does not need
    "pypod.config.registries_conf",
    "pypod.config.policy",
    "pypod.config.containers_conf",
    "tomllib",
    # the driver is opened on first use, and listing reads only the database
    "pypod.storage.drivers.overlay",
    "pypod.storage.drivers.vfs",
    "pypod.storage.drivers.support",
    "pypod.host.processes",
    "subprocess",
    # the default table format is filled in without the Go template engine
    "pypod.format.gotemplate",
    "pypod.format.gotemplate_fmt",
    # no temporary files or file trees to remove (hashlib and json are not pinned: the
    # image records (storage/images.py) and the container store still import them at the top)
    "tempfile",
    "shutil",
    "glob",
    "fnmatch",
)

# Never loaded by ps or inspect (each cost 4-15 ms there: seen creeping in through reports)
_NOT_FOR_READERS = (
    "tomllib",
    "pypod.config.containers_conf",
    "pypod.core.specgen",
    "pypod.storage.drivers.overlay",
    "subprocess",
)

# Never loaded by any command's start-up (they cost 4-10 ms each: pypod.cli.parser,
# pypod.records and pypod.log replace them), nor by the container commands below.
_NOT_AT_START = ("argparse", "dataclasses", "logging", "threading")


def _modules(*args: str) -> tuple[str, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=root_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES="))
    return proc.stdout, set(line.removeprefix("MODULES=").split(","))


def test_images_loads_only_the_listing(pypod, store, tmp_path):
    import_image(pypod, tmp_path, "localhost/lazy:1")
    pypod("tag", "localhost/lazy:1", "localhost/lazy:2")
    out, mods = _modules(*store.global_flags(), "images")
    assert "localhost/lazy" in out and out.count("\n") == 3  # the header and two tags
    assert sorted(m for m in _NOT_FOR_IMAGES + _NOT_AT_START if m in mods) == []
    assert "pypod.domain.images_list" in mods


def test_container_commands_skip_the_heavy_stdlib(pypod, store, busybox):
    """run --rm (the whole foreground lifecycle), ps and inspect."""
    out, mods = _modules(*store.global_flags(), "run", "--rm", "--network", "none", busybox, "true")
    assert sorted(m for m in ("argparse", "dataclasses", "logging", "ipaddress") if m in mods) == []
    pypod("create", "--name", "lazy-ps", busybox, "true")
    for args in (("ps", "-a"), ("inspect", "lazy-ps")):
        out, mods = _modules(*store.global_flags(), *args)
        assert "lazy-ps" in out
        assert sorted(m for m in _NOT_AT_START if m in mods) == []
        # reading records: no containers.conf (tomllib), no spec generation, no driver probe
        assert sorted(m for m in _NOT_FOR_READERS if m in mods) == [], args


def test_images_with_a_template_uses_the_engine(pypod, store, tmp_path):
    """The plain-format path is a shortcut, not a fork: functions still work."""
    import_image(pypod, tmp_path, "localhost/lazy:1")
    out, mods = _modules(*store.global_flags(), "images", "--format", "{{upper .Tag}}")
    assert out == "1\n"
    assert "pypod.format.gotemplate" in mods

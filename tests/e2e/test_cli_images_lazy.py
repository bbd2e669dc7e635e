"""Start-up cost: `pypod images` must not load the network or archive stacks, and
`pypod --version` nothing beyond the CLI entry point (not even the command table)."""

from __future__ import annotations

import subprocess
import sys

from tests.fixtures.pypod_cli import root_env

_PROBE = """
import sys
from pypod.cli.main import main
rc = main(sys.argv[1:])
heavy = [m for m in ("httpx", "tarfile", "ssl", "pypod.image.registry",
                     "pypod.image.registry.client", "pypod.image.copy") if m in sys.modules]
pypod_mods = sorted(m for m in sys.modules if m.startswith("pypod"))
sys.stderr.write("HEAVY=" + ",".join(heavy) + "\\n")
sys.stderr.write("PYPOD=" + ",".join(pypod_mods) + "\\n")
sys.exit(rc)
"""


def _probe(*args: str) -> tuple[list[str], list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=root_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split("=", 1) for line in proc.stderr.splitlines() if "=" in line)
    return [m for m in lines["HEAVY"].split(",") if m], [m for m in lines["PYPOD"].split(",") if m]


def test_images_stays_light(store):
    heavy, _ = _probe("--root", store.root, "--runroot", store.runroot, "images")
    assert heavy == []


def test_version_imports_only_the_entry_point():
    heavy, mods = _probe("--version")
    assert heavy == []
    assert set(mods) == {"pypod", "pypod.cli", "pypod.cli.main"}

"""version, info, help and the CLI's error handling, through the real console script."""

from __future__ import annotations

import json
import subprocess
import sys

from pypod.host.cgroups import Layout, detect
from tests.fixtures.pypod_cli import pypod_binary


def test_version_flag_is_podman_shaped(pypod):
    r = pypod("--version")
    assert r.stdout.startswith("pypod version ")


def test_version_command_json_and_template(pypod):
    doc = json.loads(pypod("version", "--format", "json").stdout)
    assert doc["Client"]["APIVersion"] and doc["Client"]["OsArch"].startswith("linux/")
    assert pypod("version", "--format", "{{.Client.Os}}").stdout == "linux\n"


def test_info_reports_store_runtime_and_cgroups(pypod, store):
    doc = json.loads(pypod("info", "--format", "json").stdout)
    assert doc["store"]["graphRoot"] == store.root
    assert doc["store"]["runRoot"] == store.runroot
    assert doc["store"]["graphDriverName"] in ("overlay", "vfs")
    assert doc["store"]["imageStore"]["number"] == 0
    assert doc["host"]["security"]["rootless"] is False
    assert doc["host"]["conmon"]["path"].endswith("conmon")
    if detect().layout is Layout.HYBRID:
        # crun refuses hybrid hosts: the default falls back to runc and info says why
        assert doc["host"]["ociRuntime"]["name"] == "runc"
        assert "hybrid" in doc["host"]["ociRuntime"]["reason"]
    assert doc["host"]["cgroupVersion"] == detect().version


def test_info_go_template_uses_go_field_names(pypod, store):
    r = pypod("info", "--format", "{{.Store.GraphRoot}} {{.Host.Security.Rootless}}")
    assert r.stdout == f"{store.root} false\n"


def test_info_yaml_by_default(pypod):
    out = pypod("info").stdout
    assert out.startswith("host:\n") and "\nstore:\n" in out


def test_info_with_unknown_runtime_fails_cleanly(pypod):
    r = pypod("--runtime", "nosuchruntime", "info", check=False)
    assert r.rc == 125
    assert r.stderr.strip().splitlines() == [
        "Error: default OCI runtime 'nosuchruntime' not found: install the Debian package "
        "nosuchruntime"
    ]


def test_help_lists_commands_and_flags(pypod):
    out = pypod("--help").stdout
    assert "Available Commands:" in out and "  images " in out and "--root" in out
    sub = pypod("images", "--help").stdout
    assert "Usage:\n  pypod images" in sub and "--format" in sub


def test_unknown_flag_and_command_exit_125(pypod):
    r = pypod("images", "--bogus", check=False)
    assert r.rc == 125 and r.stderr.startswith("Error: unknown flag: --bogus")
    r = pypod("bogus", check=False)
    assert r.rc == 125 and "unrecognized command `pypod bogus`" in r.stderr


def test_global_flags_after_the_command(pypod, store):
    r = pypod("info", "--root", store.root, "--format", "{{.Store.GraphRoot}}")
    assert r.stdout.strip() == store.root


def test_version_flag_imports_almost_nothing():
    code = (
        "import sys\nfrom pypod.cli.main import main\nrc = main(['--version'])\n"
        "bad = [m for m in ('argparse', 'httpx', 'ssl', 'sqlite3', 'tarfile', 'pypod.local.engine')"
        " if m in sys.modules]\nprint(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]"), out.stdout


def test_console_script_exists():
    assert subprocess.run([pypod_binary(), "--version"], capture_output=True).returncode == 0

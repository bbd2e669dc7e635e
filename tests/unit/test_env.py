"""core.env: Podman's environment merging and --env-file parsing."""

from __future__ import annotations

import pathlib

import pytest

from pypod.core import env
from pypod.errors import InvalidArgument

HOST = {"B": "hostb", "PFX_1": "p1", "PFX_2": "p2", "http_proxy": "http://p"}


def test_merge_order_and_sources(tmp_path: pathlib.Path) -> None:
    f = tmp_path / "ef"
    f.write_text("# c\nA=1\nB\n\n  C=x y\nPFX_*\nMISSING\n")
    out = env.merge_env(image_env=["PATH=/img", "I=1"], host_env=HOST, env_files=[str(f)],
                        env=["D=4", "B=over"], unsetenv=["TERM"])  # fmt: skip
    assert out == {
        "PATH": "/img",
        "container": "podman",
        "I": "1",
        "http_proxy": "http://p",
        "A": "1",
        "B": "over",
        "C": "x y",
        "PFX_1": "p1",
        "PFX_2": "p2",
        "D": "4",
    }


def test_defaults_and_unsetenv_all() -> None:
    assert env.merge_env(http_proxy=False) == {
        "PATH": env.DEFAULT_PATH, "TERM": "xterm", "container": "podman"}  # fmt: skip
    assert env.merge_env(image_env=["X=1"], env=["Y=2"], unsetenv_all=True) == {"Y": "2"}
    assert env.merge_env(env_host=True, host_env={"H": "1"}, http_proxy=False)["H"] == "1"


def test_env_file_error_names_file_and_line(tmp_path: pathlib.Path) -> None:
    f = tmp_path / "bad"
    f.write_text("A=1\n=x\n")
    with pytest.raises(InvalidArgument, match=r'bad": line 2: invalid environment variable: "=x"'):
        env.parse_env_file(str(f), {})
    with pytest.raises(InvalidArgument, match="opening env file"):
        env.parse_env_file(str(tmp_path / "absent"), {})

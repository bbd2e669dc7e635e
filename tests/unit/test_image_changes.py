"""--change instructions for import, and the name splitting the image lookup relies on."""

from __future__ import annotations

import pytest

from pypod.errors import InvalidArgument
from pypod.local.image_import import apply_changes
from pypod.local.image_resolve import split_name


@pytest.mark.parametrize(
    ("changes", "want"),
    [
        (['CMD ["/bin/sh", "-c", "x"]'], {"Cmd": ["/bin/sh", "-c", "x"]}),
        (["CMD echo hi"], {"Cmd": ["/bin/sh", "-c", "echo hi"]}),
        (['ENTRYPOINT ["/e"]'], {"Entrypoint": ["/e"]}),
        (['ENV A=1 B="two words"'], {"Env": ["A=1", "B=two words"]}),
        (["ENV A 1 2"], {"Env": ["A=1 2"]}),
        (["ENV A=1", "ENV A=2"], {"Env": ["A=2"]}),
        (["LABEL a=b c=d"], {"Labels": {"a": "b", "c": "d"}}),
        (["EXPOSE 80 53/udp"], {"ExposedPorts": {"80/tcp": {}, "53/udp": {}}}),
        (["USER 1000:1000"], {"User": "1000:1000"}),
        (["WORKDIR /srv"], {"WorkingDir": "/srv"}),
        (["ONBUILD RUN x"], {"OnBuild": ["RUN x"]}),
        (['VOLUME ["/a", "/b"]'], {"Volumes": {"/a": {}, "/b": {}}}),
        (["VOLUME /a /b"], {"Volumes": {"/a": {}, "/b": {}}}),
        (["STOPSIGNAL SIGKILL"], {"StopSignal": "9"}),
        (["WORKDIR /a", "WORKDIR b"], {"WorkingDir": "/a/b"}),
        (["CMD="], {"Cmd": ["/bin/sh", "-c"]}),
        (["cmd=/bin/true"], {"Cmd": ["/bin/sh", "-c", "/bin/true"]}),
    ],
)
def test_apply_changes(changes, want):
    cfg: dict = {}
    apply_changes(cfg, tuple(changes))
    assert cfg == want


@pytest.mark.parametrize("bad", ["FROM x", "RUN y", "ENV a=1 b", "ENV", "EXPOSE x", "USER "])
def test_bad_changes(bad):
    with pytest.raises(InvalidArgument):
        apply_changes({}, (bad,))


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("busybox", ("busybox", "", "")),
        ("busybox:1", ("busybox", "1", "")),
        ("localhost:5000/a/b:2", ("localhost:5000/a/b", "2", "")),
        ("localhost:5000/a/b", ("localhost:5000/a/b", "", "")),
        ("a/b@sha256:" + "0" * 64, ("a/b", "", "sha256:" + "0" * 64)),
    ],
)
def test_split_name(name, want):
    assert split_name(name) == want

"""container_network's pure parts: --network value splitting, per-network options, and the
port reports (inspect's PortBindings, `pypod port` rows)."""

from __future__ import annotations

import pytest

from pypod.core.model import ContainerConfig
from pypod.errors import InvalidArgument
from pypod.local import container_network as cn
from pypod.local import network_choice as choice


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a", [("a", [])]),
        ("a,b", [("a", []), ("b", [])]),
        (
            "a:ip=10.1.0.5,mac=aa:bb:cc:dd:ee:ff,alias=x",
            [("a", ["ip=10.1.0.5", "mac=aa:bb:cc:dd:ee:ff", "alias=x"])],
        ),
        ("a:alias=x,b:alias=y", [("a", ["alias=x"]), ("b", ["alias=y"])]),
    ],
)
def test_split_networks(value: str, expected: list) -> None:
    assert choice._split_networks(value) == expected


def test_attachment_options() -> None:
    att = choice._attachment("n", ["ip=10.1.0.5", "alias=x", "alias=y", "mac=02:00:00:00:00:01",
                                   "interface_name=eth7"])  # fmt: skip
    assert att == {"aliases": ["x", "y"], "static_ips": ["10.1.0.5"],
                   "static_mac": "02:00:00:00:00:01", "interface_name": "eth7"}  # fmt: skip
    with pytest.raises(InvalidArgument, match="unknown network option"):
        choice._attachment("n", ["bogus=1"])


def test_port_reports() -> None:
    config = ContainerConfig(
        id="0" * 64, name="c", created=0.0, image_id="", image_name="",
        ports=({"host_ip": "", "container_port": 80, "host_port": 8080, "range": 2,
                "protocol": "tcp"},),
    )  # fmt: skip
    assert cn.port_bindings(config) == {
        "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
        "81/tcp": [{"HostIp": "", "HostPort": "8081"}],
    }
    assert cn.ps_ports(config) == "0.0.0.0:8080->80/tcp, 0.0.0.0:8081->81/tcp"
    assert [r["host_port"] for r in cn.published(config)] == [8080, 8081]

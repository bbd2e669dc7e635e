"""pypod network ls / network list"""

from __future__ import annotations

import json
from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = """List networks.

The output can be filtered (name, id, driver, label, label!, until, dangling) and formatted as
JSON or with a Go template."""
USAGE = "[options]"
EXAMPLES = (
    "pypod network ls",
    "pypod network ls --filter driver=bridge -q",
    'pypod network ls --format "{{.Name}} {{.Subnets}}"',
)
HEADERS = {"ID": "NETWORK ID"}
DEFAULT_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Driver}}"


def configure(p: Parser) -> None:
    p.flag(
        "-f",
        "--filter",
        kind="stringArray",
        action="append",
        default=[],
        help="Provide filter values (e.g. 'name=podman')",
    )
    p.flag(
        "--format",
        kind="string",
        default="",
        help="Pretty-print networks to JSON or using a Go template",
    )
    p.flag("--no-trunc", action="store_true", help="Do not truncate the network ID")
    p.flag("--noheading", action="store_true", help="Do not print headers")
    p.flag("-q", "--quiet", action="store_true", help="display only names")


def template_view(doc: dict[str, Any], no_trunc: bool = True, labels_map: bool = False) -> Any:
    """A network document as Go templates see it: libnetwork's field names, with Subnets
    printed as Go prints the net.IPNet structs and Created as a time.Time. Labels print as
    "k=v,k2=v2" in `ls` (its report's own field), as a Go map in inspect (labels_map)."""
    import ipaddress

    from pypod.format.fields import go_view

    subnets = []
    for s in doc.get("subnets", []):
        net = ipaddress.ip_network(s["subnet"])
        mask = f"{int(net.netmask):0{net.max_prefixlen // 4}x}"
        subnets.append(
            f"{{{{{{{net.network_address} {mask}}}}} {s.get('gateway') or '<nil>'} <nil>}}"
        )
    created = doc.get("created", "")
    if created.endswith("Z"):
        created = created[:-1].replace("T", " ", 1) + " +0000 UTC"
    view = {
        "Name": doc["name"],
        "ID": doc["id"] if no_trunc else doc["id"][:12],
        "Driver": doc["driver"],
        "NetworkInterface": doc.get("network_interface", ""),
        "Created": created,
        "Subnets": "[" + " ".join(subnets) + "]",
        "IPv6Enabled": doc["ipv6_enabled"],
        "Internal": doc["internal"],
        "DNSEnabled": doc["dns_enabled"],
        "NetworkDNSServers": doc.get("network_dns_servers", []),
        "Labels": doc.get("labels", {})
        if labels_map
        else ",".join(f"{k}={v}" for k, v in doc.get("labels", {}).items()),
        "Options": doc.get("options", {}),
        "IPAMOptions": doc.get("ipam_options", {}),
    }
    return go_view(view)


def run(args: Namespace, ctx: Context) -> int:
    docs = ctx.engine.networks.list(list(args.filter))
    if args.quiet:  # as Podman 4.3, --quiet wins over --format
        for d in docs:
            output.line(d["name"])
    elif output.is_json_format(args.format):
        output.line(json.dumps(docs, indent=2, ensure_ascii=False))
    else:
        fmt = args.format or DEFAULT_FORMAT
        rows = [template_view(d, args.no_trunc) for d in docs]
        output.print_rows(rows, fmt, headers=HEADERS, noheading=args.noheading)
    return 0

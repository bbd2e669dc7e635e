"""pypod events / system events"""

from __future__ import annotations

import sys
from typing import Any

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import EventsRequest

DESCRIPTION = (
    "Monitor pypod events.\n\n  By default, streaming mode is used, printing new events as they "
    "occur.  Previous events can be listed via --since and --until."
)
USAGE = "[options]"
EXAMPLES = (
    "pypod events",
    "pypod events --filter event=create",
    "pypod events --format {{.Image}}",
    "pypod events --since 1h30s",
)


def configure(p: Parser) -> None:
    p.flag("-f", "--filter", kind="stringArray", action="append", default=[],
           help="filter output")  # fmt: skip
    p.flag("--format", kind="string", default="", help="format the output using a Go template")
    p.bool_flag("--no-trunc", default=True, help="do not truncate the output (default true)")
    p.flag("--since", kind="string", default="", help="show all events created since timestamp")
    p.bool_flag("--stream", default=True, help=SUPPRESS)
    p.flag("--until", kind="string", default="", help="show all events until timestamp")


def go_time(rfc3339: str) -> str:
    """The log's RFC 3339 UTC time as Go prints a time.Time: "2006-01-02 15:04:05.9 +0000 UTC"."""
    if rfc3339.endswith("Z"):
        return rfc3339[:-1].replace("T", " ", 1) + " +0000 UTC"
    return rfc3339.replace("T", " ", 1)


def to_text(doc: dict[str, Any]) -> str:
    """Podman's default line for one event document."""
    kind, status = doc.get("Type", ""), doc.get("Status", "")
    head = f"{go_time(doc.get('Time', ''))} {kind} {status}"
    ident, name = doc.get("ID", ""), doc.get("Name", "")
    if kind in ("container", "pod"):
        extra = [f"image={doc.get('Image', '')}", f"name={name}"]
        if doc.get("PodID"):
            extra.append(f"pod_id={doc['PodID']}")
        if doc.get("HealthStatus"):
            extra.append(f"health_status={doc['HealthStatus']}")
        if status == "died" and "ContainerExitCode" in doc:
            extra.append(f"containerExitCode={doc['ContainerExitCode']}")
        attrs = doc.get("Attributes") or {}
        extra += [f"{k}={v}" for k, v in attrs.items() if k not in ("image", "name")]
        return f"{head} {ident} ({', '.join(extra)})"
    if kind == "network":
        return f"{head} {ident} (container={ident}, name={doc.get('Network', '')})"
    if kind == "image":
        return f"{head} {ident} {name}"
    return f"{head} {name}" if name else head


def _request(args: Namespace) -> EventsRequest:
    from pypod.cli.commands.logs import parse_time

    return EventsRequest(
        filters=tuple(args.filter),
        since=parse_time(args.since),
        until=parse_time(args.until),
        stream=bool(args.stream),
    )


def run(args: Namespace, ctx: Context) -> int:
    from pypod.cli import output

    req = _request(args)
    fmt = args.format
    as_json = output.is_json_format(fmt)
    tmpl = None
    if fmt and not as_json:
        from pypod.format.report import parse_format

        _table, tmpl = parse_format(fmt, "events")
    out = sys.stdout
    try:
        for doc in ctx.engine.containers.events(req):
            if not args.no_trunc and doc.get("Type") == "container" and doc.get("ID"):
                doc = {**doc, "ID": doc["ID"][:12]}
            out.write(_render(doc, as_json, tmpl))
            if req.stream:
                out.flush()
    except KeyboardInterrupt:
        return 0
    out.flush()
    return 0


def _render(doc: dict[str, Any], as_json: bool, tmpl: Any) -> str:
    if as_json:
        import json

        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
    if tmpl is None:
        return to_text(doc) + "\n"
    from pypod.format.fields import go_view

    view = {**_EMPTY, **doc, "Time": go_time(doc.get("Time", ""))}
    return str(tmpl.execute([go_view(view)]))


# Podman's event struct: every field exists in a template, empty when the log omits it
_EMPTY: dict[str, Any] = {"ContainerExitCode": 0, "ID": "", "Image": "", "Name": "",
                          "Network": "", "Status": "", "Type": "", "HealthStatus": "",
                          "PodID": "", "Attributes": {}}  # fmt: skip

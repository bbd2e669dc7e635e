"""The run/create flags, defined once (Podman's names, types and help), and the one function
turning parsed arguments into a domain CreateRequest / RunRequest.

`-h` means --hostname for run and create (as in Podman), so those commands answer only the long
--help; `free_short_h` arranges that on the shared Parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pypod.cli.parser import REMAINDER, SUPPRESS, Namespace, Parser
from pypod.domain.containers_create import CreateRequest, RunRequest
from pypod.domain.images_options import Platform, RegistryOptions
from pypod.errors import InvalidArgument

# (names, metavar, help) of the repeatable string flags; dest is the long name.
_LISTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("--add-host",), "strings", "Add a custom host-to-IP mapping (host:ip) (default [])"),
    (("--annotation",), "strings", "Add annotations to container (key=value)"),
    (("--cap-add",), "strings", "Add capabilities to the container"),
    (("--cap-drop",), "strings", "Drop capabilities from the container"),
    (("--device",), "strings", "Add a host device to the container"),
    (("--dns",), "strings", "Set custom DNS servers"),
    (("--dns-option",), "strings", "Set custom DNS options"),
    (("--dns-search",), "strings", "Set custom DNS search domains"),
    (("-e", "--env"), "stringArray", "Set environment variables in container"),
    (("--env-file",), "strings", "Read in a file of environment variables"),
    (("--expose",), "strings", "Expose a port or a range of ports"),
    (("--network-alias",), "strings", "Add network-scoped alias for the container"),
    (("-p", "--publish"), "strings", "Publish a container's port(s) to the host"),
    (("--group-add",), "strings", "Add additional groups to the primary container process"),
    (("-l", "--label"), "stringArray", "Set metadata on container"),
    (("--label-file",), "strings", "Read in a line delimited file of labels"),
    (("--log-opt",), "strings", "Logging driver options"),
    (("--mount",), "stringArray", "Attach a filesystem mount to the container"),
    (("--security-opt",), "stringArray", "Security Options"),
    (("--sysctl",), "strings", "Sysctl options"),
    (("--tmpfs",), "tmpfs", "Mount a temporary filesystem (tmpfs) into a container"),
    (("--ulimit",), "strings", "Ulimit options"),
    (("--unsetenv",), "stringArray", "Unset environment default variables in container"),
    (("-v", "--volume"), "stringArray", "Bind mount a volume into the container"),
    (("--volumes-from",), "stringArray", "Mount volumes from the specified container(s)"),
)

# (names, metavar, default, help) of the single-value string flags.
_STRINGS: tuple[tuple[tuple[str, ...], str, str | None, str], ...] = (
    (("--arch",), "ARCH", "", "use ARCH instead of the architecture of the machine"),
    (("--authfile",), "string", None, "Path of the authentication file"),
    (("--cert-dir",), "string", None, "Path to a directory containing TLS certificates and keys"),
    (("--cidfile",), "string", "", "Write the container ID to the file"),
    (("--cpuset-cpus",), "string", "", "CPUs in which to allow execution (0-3, 0,1)"),
    (("--cpuset-mems",), "string", "", "Memory nodes (MEMs) in which to allow execution"),
    (("--creds",), "string", None, "Credentials (USERNAME:PASSWORD) to use for the registry"),
    (("--detach-keys",), "[a-Z]", None, "Override the key sequence for detaching a container"),
    (("--entrypoint",), "string", None, "Overwrite the default ENTRYPOINT of the image"),
    (("--health-cmd",), "string", "", "set a healthcheck command for the container"),
    (("--health-interval",), "string", "", 'set an interval for the healthchecks (default "30s")'),
    (("--health-on-failure",), "string", "", "action to take once the container turns unhealthy"),
    (("--health-start-period",), "string", "", "the initialization time needed for a container"),
    (("--health-timeout",), "string", "", "the maximum time allowed to complete the healthcheck"),
    (("-h", "--hostname"), "string", "", "Set container hostname"),
    (("--init-path",), "string", "", "Path to the container-init binary"),
    (("--ip",), "string", "", "Specify a static IPv4 address for the container"),
    (("--mac-address",), "string", "", "Container MAC address (e.g. 92:d0:c6:0a:29:33)"),
    (("--log-driver",), "string", "", 'Logging driver for the container (default "k8s-file")'),
    (("-m", "--memory"), "<number>[<unit>]", "", "Memory limit"),
    (("--memory-reservation",), "<number>[<unit>]", "", "Memory soft limit"),
    (("--memory-swap",), "string", "", "Swap limit equal to memory plus swap"),
    (("--name",), "string", "", "Assign a name to the container"),
    (("--network", "--net"), "string", "", "Connect a container to a network"),
    (("--os",), "OS", "", "use OS instead of the running OS for choosing images"),
    (("--passwd-entry",), "string", "", "Entry to write to /etc/passwd"),
    (("--platform",), "string", "", "Specify the platform for selecting the image"),
    (("--pod",), "string", "", 'Run container in an existing pod ("new:NAME" creates one)'),
    (("--pull",), "string", "", 'Pull image policy (default "missing")'),
    (("--restart",), "string", "", "Restart policy to apply when a container exits"),
    (("--shm-size",), "<number>[<unit>]", "", 'Size of /dev/shm (default "65536k")'),
    (("--stop-signal",), "string", "", "Signal to stop a container. Default is SIGTERM"),
    (("--tz",), "string", "", "Set timezone in container"),
    (("--umask",), "string", "", 'Set umask in container (default "0022")'),
    (("-u", "--user"), "string", "", "Username or UID (format: <name|uid>[:<group|gid>])"),
    (("--userns",), "string", "", "User namespace to use"),
    (("--variant",), "VARIANT", "", "Use VARIANT instead of the running architecture variant"),
    (("-w", "--workdir"), "string", "", "Working directory inside the container"),
)

_BOOLS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("--env-host",), "Use all current host environment variables in container"),
    (("--init",), "Run an init binary inside the container that forwards signals"),
    (("-i", "--interactive"), "Keep STDIN open even if not attached"),
    (("--no-healthcheck",), "Disable healthchecks on container"),
    (("--no-hosts",), "Do not create /etc/hosts within the container"),
    (("--privileged",), "Give extended privileges to container"),
    (("-P", "--publish-all"), "Publish all exposed ports to random ports on the host interface"),
    (("-q", "--quiet"), "Suppress output information when pulling images"),
    (("--read-only",), "Make containers root filesystem read-only"),
    (("--replace",), "If a container with the same name exists, replace it"),
    (("--rm",), "Remove container after exit"),
    (("-t", "--tty"), "Allocate a pseudo-TTY for container"),
    (("--unsetenv-all",), "Unset all default environment variables in container"),
)


def free_short_h(p: Parser) -> None:
    """Give -h to --hostname: only --help asks for help."""
    p.forget_option("-h")


def add_create_flags(p: Parser, *, run: bool) -> None:
    """Every run/create flag; `run` adds -d, -a, --sig-proxy (and --detach-keys stays)."""
    free_short_h(p)
    p.add_argument("args", nargs=REMAINDER, help=SUPPRESS)
    for names, kind, text in _LISTS:
        p.flag(*names, kind=kind, action="append", default=[], help=text)
    for names, kind, default, text in _STRINGS:
        p.flag(*names, kind=kind, default=default, help=text)
    for names, text in _BOOLS:
        p.bool_flag(*names, help=text, default=False)
    p.bool_flag(
        "--read-only-tmpfs",
        help="When running containers in read-only mode mount a read-write tmpfs on /run, "
        "/tmp and /var/tmp (default true)",
        default=True,
    )
    p.bool_flag("--tls-verify", help="Require HTTPS and verify certificates for registries")
    p.flag("-c", "--cpu-shares", kind="uint", type=int, default=0, help="CPU shares")
    p.flag("--cpu-period", kind="uint", type=int, default=0, help="Limit the CPU CFS period")
    p.flag("--cpu-quota", kind="int", type=int, default=0, help="Limit the CPU CFS quota")
    p.flag("--cpus", kind="float", type=float, default=0.0, help="Number of CPUs")
    p.flag("--health-retries", kind="uint", type=int, default=None, help="healthcheck retries")
    p.flag("--pids-limit", kind="int", type=int, default=None, help="Tune container pids limit")
    p.flag("--stop-timeout", kind="uint", type=int, default=None, help="Seconds to wait on stop")
    p.flag("--timeout", kind="uint", type=int, default=0, help="Maximum run time in seconds")
    if run:
        p.flag("-a", "--attach", kind="strings", action="append", default=[], help="Attach to "
               "STDIN, STDOUT or STDERR")  # fmt: skip
        p.bool_flag("-d", "--detach", help="Run container in background and print container ID")
        p.bool_flag("--sig-proxy", help="Proxy received signals to the process (default true)",
                    default=True)  # fmt: skip


def _split_commas(values: list[str]) -> tuple[str, ...]:
    """Podman's `strings` flags accept comma-separated lists."""
    return tuple(v for value in values for v in value.split(",") if v)


def create_request(args: Namespace, argv: Sequence[str], progress: Any = None) -> CreateRequest:
    rest = list(args.args)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if not rest:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    image, command = rest[0], tuple(rest[1:])
    if args.platform and (args.arch or args.os):
        raise InvalidArgument("--platform option can not be specified with --arch or --os")
    platform = Platform()
    if args.platform or args.arch or args.os or args.variant:
        os_, _, arch = (args.platform or "").partition("/")
        arch, _, variant = arch.partition("/")
        platform = Platform(
            os=args.os or os_, arch=args.arch or arch, variant=args.variant or variant
        )
    return CreateRequest(
        image=image,
        command=command,
        name=args.name,
        create_command=("pypod", *argv),
        entrypoint=args.entrypoint,
        env=tuple(args.env),
        env_files=_split_commas(args.env_file),
        env_host=args.env_host,
        unsetenv=tuple(args.unsetenv),
        unsetenv_all=args.unsetenv_all,
        workdir=args.workdir,
        user=args.user,
        group_add=_split_commas(args.group_add),
        umask=args.umask,
        tty=args.tty,
        interactive=args.interactive,
        init=args.init,
        init_path=args.init_path,
        passwd_entry=args.passwd_entry,
        tz=args.tz,
        timeout=args.timeout,
        hostname=args.hostname,
        labels=tuple(args.label),
        label_files=_split_commas(args.label_file),
        annotations=tuple(args.annotation),
        privileged=args.privileged,
        cap_add=_split_commas(args.cap_add),
        cap_drop=_split_commas(args.cap_drop),
        security_opts=tuple(args.security_opt),
        read_only=args.read_only,
        read_only_tmpfs=args.read_only_tmpfs,
        devices=tuple(args.device),
        ulimits=tuple(args.ulimit),
        sysctls=tuple(args.sysctl),
        shm_size=args.shm_size,
        memory=args.memory,
        memory_swap=args.memory_swap,
        memory_reservation=args.memory_reservation,
        cpus=args.cpus,
        cpu_shares=args.cpu_shares,
        cpu_period=args.cpu_period,
        cpu_quota=args.cpu_quota,
        cpuset_cpus=args.cpuset_cpus,
        cpuset_mems=args.cpuset_mems,
        pids_limit=args.pids_limit,
        volumes=tuple(args.volume),
        mounts=tuple(args.mount),
        tmpfs=tuple(args.tmpfs),
        volumes_from=tuple(args.volumes_from),
        pull=args.pull,
        registry=RegistryOptions(
            tls_verify=args.tls_verify,
            creds=args.creds,
            authfile=args.authfile,
            cert_dir=args.cert_dir,
        ),
        platform=platform,
        quiet=args.quiet,
        pull_progress=progress,
        network=args.network,
        dns=_split_commas(args.dns),
        dns_search=_split_commas(args.dns_search),
        dns_options=_split_commas(args.dns_option),
        add_hosts=_split_commas(args.add_host),
        no_hosts=args.no_hosts,
        expose=_split_commas(args.expose),
        publish=tuple(args.publish),
        publish_all=args.publish_all,
        ip=args.ip,
        mac_address=args.mac_address,
        network_aliases=_split_commas(args.network_alias),
        pod=args.pod,
        userns=args.userns,
        stop_signal=args.stop_signal,
        stop_timeout=args.stop_timeout,
        restart=args.restart,
        rm=args.rm,
        replace=args.replace,
        cidfile=args.cidfile,
        health_cmd=args.health_cmd,
        health_interval=args.health_interval,
        health_retries=args.health_retries,
        health_start_period=args.health_start_period,
        health_timeout=args.health_timeout,
        health_on_failure=args.health_on_failure,
        no_healthcheck=args.no_healthcheck,
        log_driver=args.log_driver,
        log_opts=_split_commas(args.log_opt),
    )


def run_request(args: Namespace, argv: Sequence[str], progress: Any = None) -> RunRequest:
    streams = _split_commas(args.attach)
    for s in streams:
        if s.lower() not in ("stdin", "stdout", "stderr"):
            raise InvalidArgument(
                f"invalid stream {s!r} for --attach - must be one of stdin, stdout, or stderr"
            )
    if args.detach and streams:
        raise InvalidArgument("--attach and --detach cannot be set at the same time")
    create = create_request(args, argv, progress)
    if args.rm and args.restart and args.restart.split(":")[0] not in ("", "no"):
        raise InvalidArgument('the --rm option conflicts with --restart, when the restartPolicy '
                              'is not "" and "no"')  # fmt: skip
    return RunRequest(
        create=create,
        detach=args.detach,
        attach=tuple(s.lower() for s in streams),
        detach_keys=args.detach_keys,
        sig_proxy=args.sig_proxy,
    )


def lazy_progress(quiet: bool) -> Any:
    """A pull-progress callback that imports the progress printer only when a pull happens
    (most runs use a local image and should not pay for it)."""
    if quiet:
        return None
    printer: list[Any] = []

    def progress(event: Any) -> None:
        if not printer:
            from pypod.cli.progress import progress_for

            printer.append(progress_for(False))
        if printer[0] is not None:
            printer[0](event)

    return progress

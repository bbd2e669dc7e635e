"""Container commands against the literal forms Podman 4.3 prints (found side by side with the
real podman; podman itself is not run here): ps, inspect, logs, diff, stats, lifecycle errors,
create errors."""

from __future__ import annotations

import json
import os
import re

from tests.e2e.cli_run_helpers import remove_all
from tests.fixtures.images import BUSYBOX_REF
from tests.fixtures.pypod_cli import Pypod

SLEEP = ("sleep", "1000")


def _three(pp: Pypod, prefix: str) -> tuple[str, str, str]:
    """A created, an exited (code 3) and a running container, in that creation order."""
    pp("create", "--network", "none", "--name", f"{prefix}-cr", BUSYBOX_REF, "true")
    pp("run", "--network", "none", "--name", f"{prefix}-ex", BUSYBOX_REF, "sh", "-c",
       "echo hi; exit 3", check=False)  # fmt: skip
    pp("run", "-d", "--network", "none", "--name", f"{prefix}-up", BUSYBOX_REF, *SLEEP)
    return f"{prefix}-cr", f"{prefix}-ex", f"{prefix}-up"


def test_ps_matches_podman(pypod: Pypod, busybox: str) -> None:
    try:
        cr, ex, up = _three(pypod, "ps")
        names = pypod("ps", "-a", "--format", "{{.Names}}").stdout.split()
        assert names == [cr, ex, up]  # the oldest first
        assert pypod("ps", "-a", "-n", "2", "--format", "{{.Names}}").stdout.split() == [ex, up]
        assert pypod("ps", "-n", "0", "--format", "{{.Names}}").stdout.split() == [up]
        # exited= alone does not ask for stopped containers (status= does)
        assert pypod("ps", "--filter", "exited=3", "-q").stdout == ""
        assert (
            pypod("ps", "--filter", "status=exited", "--format", "{{.Names}}").stdout == ex + "\n"
        )
        by_runningfor = pypod("ps", "-a", "--sort", "runningfor", "--format", "{{.Names}}")
        assert by_runningfor.stdout.split()[0] == cr  # never started: Go's zero time

        fields = "{{.Names}}|{{.Status}}|{{.State}}|{{.Mounts}}|{{.StartedAt}}|{{.Namespaces}}"
        rows = pypod("ps", "-a", "--format", fields + "|{{.ImageID}}").stdout.splitlines()
        doc = {r.split("|")[0]: r.split("|")[1:] for r in rows}
        assert doc[cr][:5] == ["Created", "Created", "[]", "-62135596800", "{      }"]
        assert re.fullmatch(r"Up .+ ago", doc[up][0]) and doc[up][1] == doc[up][0]
        assert re.fullmatch(r"Exited \(3\) .+ ago", doc[ex][0])
        assert re.fullmatch(r"\d+", doc[up][3]) and len(doc[up][5]) == 12

        header = pypod("ps", "--format", "table {{.ID}}\t{{.RunningFor}}").stdout.splitlines()[0]
        assert header.split("  ")[-1].strip() == "RUNNING FOR"
        sized = pypod("ps", "-s").stdout.splitlines()
        assert sized[0].rstrip().endswith("NAMES       SIZE")
        assert re.search(r"  \d+(\.\d+)?[kMG]?B \(virtual \d+(\.\d+)?[kMG]?B\)$", sized[1])

        text = pypod("ps", "--format", "json").stdout
        assert '"Namespaces": {\n      \n    },' in text
        assert json.loads(text)[0]["Status"].endswith(" ago")
        # a template wins over -q, as in Podman
        assert pypod("ps", "-q", "--format", "{{.Names}}").stdout == up + "\n"
    finally:
        remove_all(pypod)


def test_ps_errors_match_podman(pypod: Pypod, busybox: str) -> None:
    cases = {
        ("--sort", "bogus"): 'Error: invalid argument "bogus" for "--sort" flag: "bogus" is not '
        'a valid value.  Choose from: "command, created, id, image, names, runningfor, size, '
        "status\"\nSee 'pypod ps --help'\n",
        ("--filter", "name"): 'Error: invalid filter "name"\n',
        ("--filter", "status=bogus"): "Error: unknown container state: bogus: invalid argument\n",
        ("-q", "-s"): "Error: quiet conflicts with size and namespace\n",
        ("-n", "1", "-l"): "Error: last and latest are mutually exclusive\n",
    }
    for args, err in cases.items():
        r = pypod("ps", *args, check=False)
        assert (r.rc, r.stderr) == (125, err), args


def test_inspect_matches_podman(pypod: Pypod, busybox: str, tmp_path) -> None:
    try:
        pypod("create", "--network", "none", "--name", "ins-cr", "-v", f"{tmp_path}:/ro:ro",
              "-v", "insvol:/vol", BUSYBOX_REF, "true")  # fmt: skip
        doc = json.loads(pypod("inspect", "ins-cr").stdout)[0]
        assert "OCIConfigPath" not in doc and "Mountpoint" not in doc  # not initialised yet
        assert "ConmonPid" not in doc["State"] and "CgroupPath" not in doc["State"]
        assert doc["Path"] == "true" and doc["Args"] == ["true"]
        assert doc["Config"]["Annotations"] == {
            "io.kubernetes.cri-o.TTY": "false",
            "io.podman.annotations.autoremove": "FALSE",
            "io.podman.annotations.init": "FALSE",
            "io.podman.annotations.privileged": "FALSE",
            "io.podman.annotations.publish-all": "FALSE",
        }
        vol, ro = doc["Mounts"]
        assert list(vol) == ["Type", "Name", "Source", "Destination", "Driver", "Mode",
                             "Options", "RW", "Propagation"]  # fmt: skip
        assert (vol["Driver"], vol["Options"], vol["RW"], vol["Propagation"]) == (
            "local", ["nosuid", "nodev", "rbind"], True, "rprivate")  # fmt: skip
        bind = {"Type": "bind", "Source": str(tmp_path), "Destination": "/ro", "Driver": "",
                "Mode": "", "Options": ["rbind"], "RW": False,
                "Propagation": "rprivate"}  # fmt: skip
        assert ro == bind
        binds = ["insvol:/vol:rw,rprivate,nosuid,nodev,rbind", f"{tmp_path}:/ro:ro,rprivate,rbind"]
        assert doc["HostConfig"]["Binds"] == binds
        hc = list(doc["HostConfig"])
        for a, b in (("BlkioWeight", "BlkioWeightDevice"), ("CpuQuota", "CpuRealtimePeriod"),
                     ("Devices", "DiskQuota"), ("DiskQuota", "KernelMemory"),
                     ("Ulimits", "CpuCount"), ("IOMaximumBandwidth", "CgroupConf")):  # fmt: skip
            assert hc.index(b) == hc.index(a) + 1, (a, b)
        assert doc["HostConfig"]["BlkioWeightDevice"] is None
        assert doc["HostConfig"]["KernelMemory"] == 0

        pypod("run", "-d", "--network", "none", "--name", "ins-up", BUSYBOX_REF, *SLEEP)
        doc = json.loads(pypod("inspect", "ins-up").stdout)[0]
        assert doc["State"]["ConmonPid"] > 0 and doc["State"]["CgroupPath"]
        assert list(doc["State"])[-3:] == ["CgroupPath", "CheckpointedAt", "RestoredAt"]
        assert doc["OCIConfigPath"].endswith("config.json")
        assert doc["Args"] == ["1000"]
        assert any(e.startswith("HOSTNAME=") for e in doc["Config"]["Env"])
        assert doc["Config"]["Annotations"]["io.container.manager"] == "libpod"
        if doc["GraphDriver"]["Name"] == "overlay":
            data = doc["GraphDriver"]["Data"]
            assert list(data) == ["LowerDir", "MergedDir", "UpperDir", "WorkDir"]
            # the layers' real directories (computed without opening the driver)
            assert all(os.path.isfile(f"{d}/bin/busybox") or os.path.isdir(d)
                       for d in data["LowerDir"].split(":"))  # fmt: skip
            assert any(os.path.isfile(f"{d}/bin/busybox") for d in data["LowerDir"].split(":"))
    finally:
        remove_all(pypod)
        pypod("volume", "rm", "-f", "insvol", check=False)


def test_logs_diff_stats_match_podman(pypod: Pypod, busybox: str) -> None:
    try:
        pypod("run", "--network", "none", "--name", "lg", BUSYBOX_REF, "sh", "-c",
              "echo hi; touch /etc/new; rm /bin/true")  # fmt: skip
        stamped = pypod("logs", "-t", "lg", env={"TZ": "UTC"}).stdout
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hi\n", stamped), stamped
        r = pypod("logs", "--since", "bogus", "lg", check=False)
        assert (r.rc, r.stderr) == (125, 'Error: parsing --since "bogus": unable to interpret '
                                         "time value\n")  # fmt: skip

        lines = pypod("diff", "lg").stdout.splitlines()
        assert "A /etc/new" in lines and "D /bin/true" in lines
        assert not any(p in lines for p in ("A /etc/hostname", "A /etc/hosts", "C /run",
                                            "A /run/.containerenv"))  # fmt: skip
        text = pypod("diff", "--format", "json", "lg").stdout
        assert list(json.loads(text)) == ["changed", "added", "deleted"]
        assert text.startswith('{\n     "changed": [\n          "')

        pypod("run", "-d", "--network", "none", "--name", "st", BUSYBOX_REF, *SLEEP)
        text = pypod("stats", "--no-stream", "--format", "json", "st").stdout
        assert text.startswith('[\n {\n  "id": "')
    finally:
        remove_all(pypod)


def test_lifecycle_errors_match_podman(pypod: Pypod, busybox: str) -> None:
    try:
        cid = pypod("run", "-d", "--network", "none", "--name", "lc", BUSYBOX_REF, *SLEEP)
        cid = cid.stdout.strip()
        missing = 'Error: no container with name or ID "nosuch" found: no such container\n'
        for verb in (("stop", "-t", "0"), ("kill",), ("pause",), ("restart", "-t", "0")):
            r = pypod(*verb, "lc", "nosuch", check=False)
            assert (r.rc, r.stdout, r.stderr) == (125, "", missing), verb
            assert pypod("inspect", "-f", "{{.State.Status}}", "lc").stdout == "running\n"
        r = pypod("unpause", "lc", check=False)
        improper = "container state improper\n"
        err = f'Error: "{cid}" is not paused, can\'t unpause: {improper}'
        assert (r.rc, r.stderr) == (125, err)
        pypod("stop", "-t", "0", "lc")
        r = pypod("pause", "lc", check=False)
        err = f'Error: "exited" is not running, can\'t pause: {improper}'
        assert (r.rc, r.stderr) == (125, err)
        r = pypod("start", "lc", "nosuch", check=False)
        assert (r.rc, r.stdout, r.stderr) == (125, "", missing)
        assert pypod("inspect", "-f", "{{.State.Status}}", "lc").stdout == "exited\n"
        r = pypod("rm", "lc", "nosuch", check=False)
        assert (r.rc, r.stdout, r.stderr) == (1, "", missing)
        assert pypod("container", "exists", "lc").rc == 0
    finally:
        remove_all(pypod)


def test_create_errors_match_podman(pypod: Pypod, busybox: str) -> None:
    cases = {
        ("--memory", "bogus"): "invalid value for memory: invalid size: 'bogus'",
        ("--memory-swap", "bogus"): "invalid value for memory: invalid size: 'bogus'",
        ("--restart", "bogus"): 'running container create option: "bogus" is not a valid '
        "restart policy: invalid argument",
        ("--restart", "on-failure:x"): "parsing restart policy retry count: strconv.Atoi: "
        'parsing "x": invalid syntax',
    }
    for args, err in cases.items():
        r = pypod("create", "--network", "none", *args, BUSYBOX_REF, "true", check=False)
        assert (r.rc, r.stderr) == (125, f"Error: {err}\n"), args
    assert pypod("ps", "-a", "-q").stdout == ""


def test_resource_defaults_match_podman(pypod: Pypod, busybox: str) -> None:
    """containers.conf's defaults as Podman applies them: shm_size "65536k" read as decimal
    (65,536,000 bytes: df shows 64000 KiB) while --shm-size is binary; pids_limit 2048 shown
    from create on where a pids controller exists."""
    try:
        pypod("create", "--network", "none", "--name", "rd", BUSYBOX_REF, "true")
        doc = json.loads(pypod("inspect", "rd").stdout)[0]["HostConfig"]
        has_pids = os.path.exists("/sys/fs/cgroup/pids") or os.path.exists(
            "/sys/fs/cgroup/cgroup.controllers"
        )
        assert (doc["ShmSize"], doc["PidsLimit"]) == (65536000, 2048 if has_pids else 0)
        out = pypod("run", "--rm", "--network", "none", BUSYBOX_REF, "df", "-k", "/dev/shm")
        assert out.stdout.splitlines()[-1].split()[1] == "64000"
        out = pypod("run", "--rm", "--network", "none", "--shm-size", "64m", BUSYBOX_REF,
                    "df", "-k", "/dev/shm")  # fmt: skip
        assert out.stdout.splitlines()[-1].split()[1] == "65536"
    finally:
        remove_all(pypod)


def test_templates_see_go_times(pypod: Pypod, busybox: str) -> None:
    """In Podman's Go structs the times are time.Time: a template prints them as Go does,
    `json` as RFC 3339 text; through `inspect` and each noun's own inspect."""
    import re

    go_time = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC"
    try:
        pypod("run", "--network", "none", "--name", "gt", BUSYBOX_REF, "true")
        pypod("volume", "create", "gtv")
        fmt = "{{.Created}}|{{.State.StartedAt}}|{{.State.FinishedAt}}|{{json .Created}}"
        for cmd in (("inspect",), ("container", "inspect")):
            out = pypod(*cmd, "--format", fmt, "gt").stdout.strip().split("|")
            assert all(re.fullmatch(go_time, t) for t in out[:3]), out
            assert re.fullmatch(r'"\d{4}-\d\d-\d\dT[\d:.]+Z"', out[3]), out
        for cmd in (("inspect", "--type", "image"), ("image", "inspect")):
            out = pypod(*cmd, "--format", "{{.Created}}", BUSYBOX_REF).stdout.strip()
            assert re.fullmatch(go_time, out), out
        for cmd in (("inspect",), ("volume", "inspect")):
            out = pypod(*cmd, "--format", "{{.CreatedAt}}", "gtv").stdout.strip()
            assert re.fullmatch(go_time, out), out
    finally:
        remove_all(pypod)
        pypod("volume", "rm", "-f", "gtv", check=False)

#!/bin/bash
# Prepare a Debian 12 host (as root) for pypod: the Debian packages it drives, a virtualenv,
# and the unprivileged user the rootless tests run as. Idempotent and quick when already done:
# every step checks before it acts.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd -P)
TEST_USER=pypodtest
SUBID_RANGE_COUNT=65536

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and creates the user $TEST_USER)"

# --- Debian packages ----------------------------------------------------------------------------
# What pypod drives (runtimes, conmon, id mapping, fuse-overlayfs, networking) and what the tests
# use (docker-registry, busybox-static for images, apache2-utils for htpasswd).
PACKAGES=(
    runc crun conmon fuse-overlayfs fuse3 uidmap catatonit golang-github-containers-common
    docker-registry busybox-static apache2-utils python3-venv zstd iproute2 util-linux procps
    netavark aardvark-dns passt slirp4netns iptables
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    # dpkg-query is instant; apt-get only runs when something is really missing.
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" </dev/null; then
        apt-get update </dev/null
        apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
    fi
fi

# --- virtualenv -----------------------------------------------------------------------------------
# Always /usr/bin/python3 (Debian's 3.11), never whatever python3 comes first on PATH (pyenv).
VENV="$REPO/.venv"
STAMP="$VENV/.pypod-setup-stamp"
if [ ! -x "$VENV/bin/python" ] || ! grep -qx 'home = /usr/bin' "$VENV/pyvenv.cfg" 2>/dev/null; then
    say "creating $VENV"
    rm -rf "$VENV"
    /usr/bin/python3 -m venv "$VENV"
fi
# Reinstall only when the dependency list changed since the last run.
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ ! -x "$VENV/bin/pypod" ]; then
    say "pip install -e .[test]"
    log=$(mktemp)
    if ! "$VENV/bin/pip" install --disable-pip-version-check -q --config-settings editable_mode=compat -e ".[test]" </dev/null >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "pip install failed"
    fi
    rm -f "$log"
    touch "$STAMP"
fi
# Byte-compile pypod up front: with PYTHONDONTWRITEBYTECODE set (as in some CI environments) every
# start would otherwise recompile the modules it imports, which costs more than the start-up itself.
"$VENV/bin/python" -m compileall -q -j 2 pypod >/dev/null || true
# A leaner launcher than pip's: `python -S` skips site.py (~5 ms of every command) and puts the
# checkout and the venv's site-packages on sys.path itself. pip rewrites it on reinstall; we redo it.
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cat >"$VENV/bin/pypod.tmp" <<LAUNCHER
#!$VENV/bin/python -S
import sys
sys.path[0:1] = ["$REPO", "$SITE"]
from pypod.cli.main import entry
entry()
LAUNCHER
chmod 0755 "$VENV/bin/pypod.tmp"
mv -f "$VENV/bin/pypod.tmp" "$VENV/bin/pypod"

# --- the unprivileged test user -------------------------------------------------------------------
if ! id -u "$TEST_USER" >/dev/null 2>&1; then
    say "creating user $TEST_USER"
    useradd --create-home --home-dir "/home/$TEST_USER" --shell /bin/bash "$TEST_USER"
fi
TEST_UID=$(id -u "$TEST_USER")

# Subordinate ids for a name only when it has none, in a range no one else uses: the test user,
# and "containers", whose ranges root's `--userns auto` takes (containers/storage's
# root-auto-userns-user), as Podman does.
add_subids() {  # file name-pattern name count
    local file=$1 pattern=$2 name=$3 count=$4 start
    touch "$file"
    chmod 0644 "$file"  # newuidmap and pypod read it as the user
    if grep -qE "^($pattern):" "$file"; then
        return
    fi
    start=$(awk -F: 'BEGIN { m = 200000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$file")
    say "adding $name:$start:$count to $file"
    echo "$name:$start:$count" >>"$file"
}
for file in /etc/subuid /etc/subgid; do
    add_subids "$file" "$TEST_USER|$TEST_UID" "$TEST_USER" "$SUBID_RANGE_COUNT"
    add_subids "$file" "containers" "containers" 1000000
done

# --- devices and sysctls rootless containers need ---------------------------------------------------
# /dev/net/tun: pasta and slirp4netns open it as the user.
if [ ! -c /dev/net/tun ]; then
    mkdir -p /dev/net
    mknod -m 0666 /dev/net/tun c 10 200
fi
chmod 0666 /dev/net/tun
# /dev/fuse: fuse-overlayfs runs as the user (Debian's udev rule makes it 0666; containers lack udev).
if [ -c /dev/fuse ]; then
    chmod 0666 /dev/fuse
fi
if [ -e /proc/sys/kernel/unprivileged_userns_clone ]; then
    sysctl -q -w kernel.unprivileged_userns_clone=1
fi
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" = "0" ]; then
    sysctl -q -w user.max_user_namespaces=15000
fi

# --- can the test user reach the checkout? ------------------------------------------------------------
# The rootless tests run .venv/bin/pypod as $TEST_USER, so every directory above the checkout must be
# traversable (x) by others. We do not chmod the parents (that would widen access to, say, /root);
# instead the tests skip loudly, and we say why here.
dir=$REPO
blocked=""
while [ "$dir" != "/" ]; do
    if ! runuser -u "$TEST_USER" -- test -x "$dir"; then
        blocked=$dir
    fi
    dir=$(dirname "$dir")
done
if [ -z "$blocked" ] && ! runuser -u "$TEST_USER" -- "$VENV/bin/python" -c 'import pypod' 2>/dev/null; then
    # A restrictive umask at clone time: open the checkout itself (never its parents) to others.
    say "making $REPO readable by $TEST_USER"
    chmod -R o+rX "$REPO"
fi
if [ -n "$blocked" ]; then
    cat >&2 <<MSG
setup: WARNING: $TEST_USER cannot enter $blocked, so it cannot run $REPO/.venv/bin/pypod.
setup: WARNING: the rootless tests will be SKIPPED. Clone the repository somewhere every user can
setup: WARNING: traverse (for example under /work, /srv or /var/tmp) to run them.
MSG
fi
say "ok"

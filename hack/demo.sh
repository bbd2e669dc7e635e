#!/bin/bash
# `make demo`: build a small image from Debian's busybox-static through pypod itself and show it
# working (list, inspect, save | load round trip, containers), as root and as the rootless user.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd -P)
PYPOD="$REPO/.venv/bin/pypod"
IMAGE=localhost/demo:latest
TEST_USER=pypodtest

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN"; }
# Print argv as one would type it: single quotes only where the shell needs them.
quoted() {
    local a
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then printf ' %s' "$a"; else printf " '%s'" "$a"; fi
    done
}
# Echo a pypod command the way one would type it, then run it.
pp() { printf '$ pypod%s\n' "$(quoted "$@")"; "$PYPOD" "$@"; }

WORK=$(mktemp -d /var/tmp/pypod-demo.XXXXXX)
chmod 0755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

# --- a root filesystem: /bin/busybox plus one symlink per applet ----------------------------------
step "building a busybox root filesystem"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "demo: $BUSYBOX missing (Debian package busybox-static)" >&2; exit 1; }
ROOTFS="$WORK/rootfs"
mkdir -p "$ROOTFS"/{bin,etc,tmp,root}
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$ROOTFS/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$ROOTFS/etc/group"
chmod 1777 "$ROOTFS/tmp"
tar --numeric-owner --owner=0 --group=0 -C "$ROOTFS" -cf "$WORK/rootfs.tar" .
echo "$(ls "$ROOTFS/bin" | wc -l) files in /bin, $(du -h "$WORK/rootfs.tar" | cut -f1) tarball"

# --- through pypod, as root ------------------------------------------------------------------------------
step "pypod import (root, store in /var/lib/pypod)"
pp import "$WORK/rootfs.tar" "$IMAGE" --change 'CMD ["/bin/sh"]'
pp images
pp image inspect "$IMAGE" --format '{{.Id}} {{.Config.Cmd}} {{.Architecture}} {{.RootFS.Layers}}'

step "pypod save | pypod load round trip"
pp save -o "$WORK/demo-image.tar" "$IMAGE"
pp rmi "$IMAGE"
"$PYPOD" save "$IMAGE" >/dev/null 2>&1 && { echo "demo: image still present after rmi" >&2; exit 1; }
printf '$ %s\n' "pypod load < demo-image.tar"
"$PYPOD" load <"$WORK/demo-image.tar"
pp images
printf '$ %s\n' "pypod save $IMAGE | pypod load"
"$PYPOD" save "$IMAGE" | "$PYPOD" load

# --- rootless ----------------------------------------------------------------------------------------------
if id -u "$TEST_USER" >/dev/null 2>&1 && runuser -u "$TEST_USER" -- test -x "$PYPOD"; then
    step "rootless: the same as $TEST_USER (its own store, inside its user namespace)"
    as_user() {
        printf '%s$ pypod%s\n' "$TEST_USER" "$(quoted "$@")"
        runuser -u "$TEST_USER" -- env -i HOME="/home/$TEST_USER" PATH=/usr/bin:/bin "$PYPOD" "$@" </dev/null
    }
    as_user unshare cat /proc/self/uid_map
    as_user import "$WORK/rootfs.tar" "$IMAGE" --change 'CMD ["/bin/sh"]'
    as_user images
    as_user run --rm "$IMAGE" sh -c 'echo "hello from a rootless pypod container: uid $(id -u) in $(hostname)"'
else
    echo "demo: skipping the rootless part (no user $TEST_USER, or it cannot reach $PYPOD)"
fi

# --- containers (root) --------------------------------------------------------------------------------------
step "containers: run, a detached one, logs, exec, stop, rm"
pp run --rm "$IMAGE" echo hello from pypod
NAME=pypod-demo-$$
# pid 1 ignores SIGTERM unless it handles it: the trap lets `stop` end it at once
pp run -d --name "$NAME" "$IMAGE" sh -c 'trap "exit 0" TERM; echo started; while true; do sleep 0.2; done' >/dev/null
trap '"$PYPOD" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
pp ps --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
pp logs "$NAME"
pp exec "$NAME" sh -c 'echo "inside: $(hostname), pid 1 is $(cat /proc/1/comm)"'
pp stop -t 1 "$NAME" >/dev/null
pp rm "$NAME"

step "done"
echo "Put pypod on your PATH with: export PATH=$REPO/.venv/bin:\$PATH"

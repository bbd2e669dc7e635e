"""`pypod images` without flags answers from a cache of its table beside the store
(storage/listing_cache.py). These tests hold it to the rule that makes that safe: what it prints
is always what the database says, after every kind of write, under concurrent writers and
readers, and after a writer killed in the middle of a transaction."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

from cli_image_helpers import import_image

from tests.fixtures.ocibuild import make_tar
from tests.fixtures.pypod_cli import (
    REPO,
    StoreDirs,
    pypod_binary,
    remove_store_dirs,
    root_env,
)
from tests.fixtures.users import make_user_dir, run_as_user

FULL_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"


def _full(pypod) -> str:
    """The same table through the uncached path (any flag takes it)."""
    return pypod("images", "--sort", "created", "--format", FULL_TABLE).stdout


def _steady(text: str) -> list[list[str]]:
    """Columns but CREATED, which moves on between two calls ("1 second ago")."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]
    return [row[:3] + row[4:] for row in rows]


def test_cached_table_equals_the_full_listing(pypod, store, tmp_path):
    import_image(pypod, tmp_path, "localhost/tc/a:1", content=b"a")
    dangling = import_image(pypod, tmp_path, "localhost/tc/b:1", content=b"b")
    import_image(pypod, tmp_path, "localhost/tc/b:1", content=b"c")  # b:1 moves: one <none>
    pypod("tag", "localhost/tc/a:1", "localhost/tc/a:2", "other.example/x/y:z")
    first = pypod("images").stdout  # fills the cache
    assert os.path.exists(os.path.join(store.root, "images-table.cache"))
    second = pypod("images").stdout  # read from it
    assert _steady(first) == _steady(second) == _steady(_full(pypod))
    assert dangling[:12] in first and "<none>" in first


def test_every_write_shows_at_once(pypod, store, tmp_path):
    image = import_image(pypod, tmp_path, "localhost/tc/w:1")
    steps = [
        (("tag", "localhost/tc/w:1", "localhost/tc/w:2"), "localhost/tc/w", "2"),
        (("untag", "localhost/tc/w:1", "localhost/tc/w:2"), "localhost/tc/w", "1"),
        (("untag", image), "<none>", "<none>"),
        (("tag", image, "localhost/tc/w:3"), "localhost/tc/w", "3"),
    ]
    for args, repo, tag in steps:
        pypod("images")  # a cache exists before each write
        pypod(*args)
        rows = [line.split()[:2] for line in pypod("images").stdout.splitlines()[1:]]
        assert [repo, tag] in rows, (args, rows)
        assert _steady(pypod("images").stdout) == _steady(_full(pypod))
    pypod("rmi", "-f", image)
    assert pypod("images").stdout.splitlines()[1:] == []


def test_concurrent_readers_never_keep_an_old_table(pypod, store, tmp_path):
    """Readers refill the cache continuously while tags come and go: after each write returns,
    the next `images` must show it (a cache filled from an older snapshot would not)."""
    import_image(pypod, tmp_path, "localhost/tc/c:0")
    stop = threading.Event()
    errors: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            r = pypod("images", check=False)
            if r.rc != 0:
                errors.append(r.stderr)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(1, 9):
            pypod("tag", "localhost/tc/c:0", f"localhost/tc/c:{i}")
            assert f" {i} " in pypod("images").stdout, i
            pypod("untag", "localhost/tc/c:0", f"localhost/tc/c:{i}")
            assert f"localhost/tc/c  {i} " not in pypod("images").stdout, i
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []


_KILLED_WRITER = r"""
import os, signal, sys
from pypod.storage.store import Store
store = Store.open(sys.argv[1], sys.argv[2], "", (), False)
image_id = sys.argv[3]
with store.db.write() as conn:
    conn.execute("INSERT INTO image_names(name, image_id, seq) VALUES (?, ?, 99)",
                 ("localhost/tc/ghost:1", image_id))
    os.kill(os.getpid(), signal.SIGKILL)  # dies inside the transaction, before COMMIT
"""


def test_writer_killed_in_a_transaction_leaves_no_stale_table(pypod, store, tmp_path):
    image = import_image(pypod, tmp_path, "localhost/tc/k:1")
    before = pypod("images").stdout
    assert os.path.exists(os.path.join(store.root, "images-table.cache"))
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, store.root, store.runroot, image],
        env=root_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # the write rolled back, and the cache it removed is rebuilt from the database
    assert not os.path.exists(os.path.join(store.root, "images-table.cache"))
    assert _steady(pypod("images").stdout) == _steady(before) == _steady(_full(pypod))
    assert "ghost" not in pypod("images").stdout


# Runs pypod as the launcher does (python -S, so site.py imports nothing) and reports which
# modules the command loaded; cwd is the checkout, so `pypod` imports from there.
_PROBE = (
    "import sys\nsys.path.insert(0, '.')\nfrom pypod.cli.main import main\n"
    "rc = main(sys.argv[1:])\nsys.stdout.flush()\n"
    "sys.stderr.write('MODULES=' + ','.join(sorted(sys.modules)) + '\\n')\nsys.exit(rc)\n"
)
# What the quick lane (cli/quick.py) may load; the full path loads ~40 modules more.
_QUICK_LANE = {
    "pypod", "pypod.cli", "pypod.cli.main", "pypod.cli.quick", "pypod.cli.output",
    "pypod.cli.images_table", "pypod.local", "pypod.local.quick", "pypod.storage",
    "pypod.storage.listing_cache", "pypod.format", "pypod.format.report",
    "pypod.format.units", "pypod.format.gonum", "pypod.config", "pypod.config.paths",
}  # fmt: skip


def _probe(argv: list[str], env: dict[str, str], user: bool = False) -> tuple[str, set[str]]:
    cmd = [sys.executable, "-S", "-c", _PROBE, *argv]
    if user:
        r = run_as_user(cmd, env=env, cwd=str(REPO))
        out, err = r.stdout, r.stderr
    else:
        proc = subprocess.run(
            cmd, env=root_env(env), capture_output=True, text=True, timeout=60, check=True,
            cwd=str(REPO),
        )  # fmt: skip
        out, err = proc.stdout, proc.stderr
    line = next(x for x in err.splitlines() if x.startswith("MODULES="))
    return out, {m for m in line.removeprefix("MODULES=").split(",") if m.startswith("pypod")}


def test_plain_images_takes_the_quick_lane(pypod, store, tmp_path):
    import_image(pypod, tmp_path, "localhost/tc/i:1")
    pypod("images")  # fills the cache
    for args in (["images"], ["image", "ls"], ["image", "list"]):
        out, mods = _probe([*store.global_flags(), *args], {})
        assert "localhost/tc/i" in out
        assert sorted(mods - _QUICK_LANE) == [], args
        assert _steady(out) == _steady(_full(pypod))
    # neither SQLite, typing, re nor os (which costs ~1.3 ms of a ~10 ms command)
    proc = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE.replace("if m.startswith", "if m and"),
         *store.global_flags(), "images"],
        env=root_env(), capture_output=True, text=True, timeout=60, check=True, cwd=str(REPO),
    )  # fmt: skip
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES="))
    mods = set(line.removeprefix("MODULES=").split(","))
    assert sorted(mods & {"sqlite3", "typing", "re", "os", "pypod.storage.store"}) == []


def test_anything_but_the_store_location_takes_the_full_path(pypod, store, tmp_path):
    """A flag, a driver override or another storage.conf: the engine answers (same table)."""
    import_image(pypod, tmp_path, "localhost/tc/f:1")
    pypod("images")
    cases = [
        (["--storage-driver", "overlay", "images"], {}),
        (["--log-level=debug", "images"], {}),
        (["images", "--noheading"], {}),
        (["images", "localhost/tc/f"], {}),
        (["images"], {"STORAGE_DRIVER": "overlay"}),
    ]
    for args, env in cases:
        out, mods = _probe([*store.global_flags(), *args], env)
        assert "pypod.local.engine" in mods, args
        assert "localhost/tc/f" in out, args
    # the store named by $CONTAINERS_STORAGE_CONF is the engine's business too
    conf = tmp_path / "storage.conf"
    conf.write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{store.root}"\n')
    out, mods = _probe(["images"], {"CONTAINERS_STORAGE_CONF": str(conf)})
    assert "pypod.local.engine" in mods and "localhost/tc/f" in out


def test_quick_lane_finds_the_default_rootless_store(rootless_user, private_runtime_dir):
    """No --root: the quick lane resolves the store as the engine does ($XDG_DATA_HOME here)
    and still sees every write at once."""
    data = make_user_dir("pypod-data-")
    try:
        env = {"XDG_DATA_HOME": data, "XDG_RUNTIME_DIR": private_runtime_dir}
        tar = os.path.join(data, "rootfs.tar")
        with open(tar, "wb") as f:
            f.write(make_tar({"data/": b"", "data/file": b"q"}))
        os.chmod(tar, 0o644)
        pypod = [pypod_binary()]
        run_as_user([*pypod, "import", "-q", tar, "localhost/tc/u:1"], env=env)
        first = run_as_user([*pypod, "images"], env=env).stdout
        assert os.path.exists(os.path.join(data, "pypod", "storage", "images-table.cache"))
        out, mods = _probe(["images"], env, user=True)
        assert sorted(mods - _QUICK_LANE) == [] and _steady(out) == _steady(first)
        run_as_user([*pypod, "tag", "localhost/tc/u:1", "localhost/tc/u:2"], env=env)
        out, _ = _probe(["images"], env, user=True)
        rows = sorted(line.split()[:2] for line in out.splitlines()[1:])
        assert rows == [["localhost/tc/u", "1"], ["localhost/tc/u", "2"]]
    finally:
        remove_store_dirs(StoreDirs(data, "", ""))


def test_quick_lane_output_is_complete_through_a_pipe(pypod, store, tmp_path):
    """The console script leaves without the interpreter's teardown after a quick lane
    (cli/main.entry): what it wrote must still all arrive, and the exit status be 0."""
    import_image(pypod, tmp_path, "localhost/tc/p:0")
    pypod("tag", "localhost/tc/p:0", *(f"localhost/tc/p:{i}" for i in range(1, 1000)))
    full = pypod("images").stdout  # fills the cache
    for _ in range(2):
        r = pypod("images")  # the quick lane: more text than a pipe holds (64 kB)
        assert len(r.stdout) > 65_536 and r.stdout.count("\n") == 1001
        assert _steady(r.stdout) == _steady(full)
    assert pypod("--version").stdout == "pypod version 0.1.0\n"
    # a reader that goes away early is not an error, as for the full path
    proc = subprocess.run(
        f"{pypod_binary()} {' '.join(store.global_flags())} images | head -1",
        shell=True, env=root_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.stdout.startswith("REPOSITORY") and proc.stderr == ""

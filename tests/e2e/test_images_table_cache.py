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

from tests.fixtures.pypod_cli import root_env

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


def test_plain_images_loads_neither_sqlite_nor_typing(pypod, store, tmp_path):
    import_image(pypod, tmp_path, "localhost/tc/i:1")
    pypod("images")
    probe = (
        "import sys\nfrom pypod.cli.main import main\nrc = main(sys.argv[1:])\n"
        "sys.stdout.flush()\nsys.stderr.write(','.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, *store.global_flags(), "images"],
        env=root_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "localhost/tc/i" in proc.stdout
    mods = set(proc.stderr.split(","))
    assert sorted(mods & {"sqlite3", "typing", "re", "pypod.storage.store"}) == []

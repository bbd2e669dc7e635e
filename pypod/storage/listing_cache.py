"""The default `images` table, kept beside the image database so that a plain `pypod images`
answers without loading SQLite (docs/performance.md: ~10 ms of a ~30 ms budget).

Freshness rests on one lock, images-table.lock in the graph root:
- every write transaction on the image database holds it exclusively and removes the cache
  before the transaction begins (Database.write);
- a reader that finds no cache reads the rows from the database and saves them while holding it
  shared, and a reader of the cache holds it shared too.
So the cache, when it exists, was written from a snapshot that no write has changed since: a
writer killed at any point has either changed nothing or already removed it. The file is
marshal data (no import beyond the interpreter's own), tagged with FORMAT and pypod's version.
"""

from __future__ import annotations

# No os here: read() runs before anything else has imported it (cli/quick.py), and os costs
# ~1.3 ms of a ~10 ms `pypod images`; the writers' methods import it (they run in commands that
# have it loaded already).
import fcntl
import marshal

from pypod import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

CACHE = "images-table.cache"
LOCK = "images-table.lock"
FORMAT = 3  # bumped whenever what the rows hold or which images they list changes
Row = tuple[str, str, str, float, int]  # repository, tag, image id, created, size


def read(graph_root: str) -> list[Row] | None:
    """The cached rows, or None (no cache, another version's, unreadable)."""
    try:
        lock = open(f"{graph_root}/{LOCK}", "rb")  # noqa: SIM115 - held across the read
    except OSError:
        return None
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_SH)
        with open(f"{graph_root}/{CACHE}", "rb") as f:
            tag, rows = marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    finally:
        lock.close()
    return rows if tag == (FORMAT, __version__) else None  # type: ignore[no-any-return]


class filling:  # used as `with filling(root) as save:`
    """Hold the lock shared while the caller reads the rows and saves them. The caller must
    not write to the image database meanwhile (its own write would wait for this lock)."""

    def __init__(self, graph_root: str) -> None:
        self._root = graph_root
        self._fd = -1

    def __enter__(self) -> Callable[[list[Row]], None]:
        import os

        path = os.path.join(self._root, LOCK)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
        except BaseException:
            os.close(self._fd)
            raise
        return self._save

    def __exit__(self, *exc: object) -> None:
        import os

        os.close(self._fd)

    def _save(self, rows: list[Row]) -> None:
        import os

        tmp = os.path.join(self._root, f".{CACHE}.{os.getpid()}")
        try:
            with open(tmp, "wb") as f:
                f.write(marshal.dumps(((FORMAT, __version__), rows)))
            os.rename(tmp, os.path.join(self._root, CACHE))
        except OSError:  # a read-only or full store still lists, just not faster
            try:  # noqa: SIM105 - contextlib costs an import on this path
                os.unlink(tmp)
            except OSError:
                pass


class Invalidator:
    """The writers' side, one per database connection: `with inv:` around a transaction."""

    def __init__(self, graph_root: str) -> None:
        self._root = graph_root
        self._fd = -1

    def __enter__(self) -> None:
        import os

        if self._fd < 0:
            self._fd = os.open(
                os.path.join(self._root, LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644
            )
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            os.unlink(os.path.join(self._root, CACHE))
        except FileNotFoundError:
            pass
        except BaseException:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            raise

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        import os

        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

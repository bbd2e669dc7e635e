"""Random container names in the Docker style: "<adjective>_<surname>".

Podman names unnamed containers the way Docker does (an adjective and the surname of a notable
scientist or engineer). The word lists are pypod's own. With 64 x 64 pairs a collision is
likely among a few dozen containers, so callers retry (generate(taken=...)), and after a few
misses a digit is appended, as Docker does.
"""

from __future__ import annotations

import os
from collections.abc import Callable

ADJECTIVES: tuple[str, ...] = (
    "agile", "amazing", "ample", "ardent", "awake", "bold", "brave", "bright",
    "brisk", "calm", "candid", "cheerful", "clever", "cosmic", "curious", "daring",
    "dazzling", "eager", "earnest", "elated", "epic", "fervent", "fond", "frosty",
    "gallant", "gentle", "gifted", "glad", "golden", "gracious", "happy", "hardy",
    "honest", "humble", "jolly", "keen", "kind", "lively", "loyal", "lucid",
    "merry", "mighty", "modest", "nimble", "noble", "patient", "placid", "plucky",
    "polite", "proud", "quiet", "quirky", "radiant", "serene", "sharp", "sleepy",
    "snappy", "steady", "sunny", "swift", "tender", "upbeat", "vivid", "witty",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "agnesi", "ampere", "archimedes", "avogadro", "babbage", "bohr", "boole", "cantor",
    "carson", "cauchy", "chandrasekhar", "curie", "darwin", "descartes", "dijkstra", "dirac",
    "euclid", "euler", "faraday", "fermat", "fermi", "feynman", "fourier", "franklin",
    "galois", "gauss", "germain", "goodall", "hamilton", "hawking", "heisenberg", "hertz",
    "hilbert", "hopper", "hubble", "huygens", "jacobi", "joule", "kelvin", "kepler",
    "knuth", "lagrange", "laplace", "leibniz", "lovelace", "maxwell", "meitner", "mendel",
    "newton", "noether", "ohm", "pascal", "pasteur", "planck", "ramanujan", "riemann",
    "ritchie", "shannon", "tesla", "thompson", "turing", "volta", "wozniak", "yalow",
)  # fmt: skip

_PLAIN_TRIES = 5
_TRIES = 50


def _below(n: int) -> int:
    """A random int in [0, n) from os.urandom: `secrets` would import hmac and hashlib
    (OpenSSL, ~5 ms) on the `run` path; the modulo bias of 32 bits over n <= 64 is nil here."""
    return int.from_bytes(os.urandom(4), "little") % n


def random_name() -> str:
    return f"{ADJECTIVES[_below(len(ADJECTIVES))]}_{SURNAMES[_below(len(SURNAMES))]}"


def generate(taken: Callable[[str], bool] | None = None) -> str:
    """A random name that `taken` says is free (a plain pair first, then with a digit).
    The caller must still handle NameInUse: another process may take it before the insert."""
    name = random_name()
    for attempt in range(_TRIES):
        name = random_name()
        if attempt >= _PLAIN_TRIES:
            name += str(_below(10))
        if taken is None or not taken(name):
            return name
    return f"{name}{os.urandom(3).hex()}"

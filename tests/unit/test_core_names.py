"""Random container names."""

from __future__ import annotations

import re

from pypod.core import names


def test_shape_and_word_lists():
    assert len(set(names.ADJECTIVES)) == len(names.ADJECTIVES) >= 40
    assert len(set(names.SURNAMES)) == len(names.SURNAMES) >= 40
    for _ in range(200):
        assert re.fullmatch(r"[a-z]+_[a-z]+", names.random_name())


def test_generate_avoids_taken_names():
    taken = {f"{a}_{s}" for a in names.ADJECTIVES for s in names.SURNAMES[:-1]}
    for _ in range(50):
        name = names.generate(taken.__contains__)
        assert name not in taken


def test_generate_appends_a_digit_when_every_pair_is_taken():
    name = names.generate(lambda n: "_" in n and not n[-1].isdigit())
    assert re.fullmatch(r"[a-z]+_[a-z]+\d", name)
    assert names.generate(lambda n: True)  # never loops forever

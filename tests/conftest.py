"""Shared pytest setup: fixtures live in tests/fixtures and are loaded as plugins here."""

pytest_plugins = [
    "tests.fixtures.registry",
    "tests.fixtures.pypod_cli",
    "tests.fixtures.users",
    "tests.fixtures.images",
]

"""Host: the one subprocess module, user namespaces, cgroups, filesystem helpers.

Imports only the standard library and pypod.errors.
"""

"""OCI runtimes (runc, crun) driven through conmon.

Imports config, host and errors only. select.py picks the runtime that works on this host.
"""
